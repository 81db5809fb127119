"""An unexpected failure is logged for the operator without the personal data its message may carry."""

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from structlog.testing import capture_logs

from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

LEAKY_FIN = "LEAK001"


@pytest.fixture
async def database_refusing_one_fin(db) -> AsyncIterator[None]:
    # PostgreSQL's detail for a CHECK violation quotes the whole row: FIN, names, address, phone.
    async with db.transaction() as session:
        await session.execute(
            text(f"ALTER TABLE persons ADD CONSTRAINT test_refuse CHECK (fin <> '{LEAKY_FIN}') NOT VALID")
        )
    yield
    async with db.transaction() as session:
        await session.execute(text("ALTER TABLE persons DROP CONSTRAINT test_refuse"))


async def test_a_database_error_is_logged_without_the_row_it_quotes(
    api: Api, database_refusing_one_fin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with capture_logs() as logs:
        result = await api.execute(REGISTER_PERSON, input=person_input(fin=LEAKY_FIN, lastName="Məmmədova"))
    assert result.errors, "the failure reaches the client as an error"
    failures = [entry for entry in logs if entry["event"] == "graphql.unexpected_error"]
    assert len(failures) == 1
    assert failures[0]["error_type"].endswith("IntegrityError")
    assert failures[0]["path"] == "registerPerson"
    # The constraint's name identifies the failure and quotes no value: it is logged (issue 13, item 4).
    assert failures[0]["constraint"] == "test_refuse"
    assert LEAKY_FIN not in str(logs)
    assert "Məmmədova" not in str(logs)
    assert LEAKY_FIN not in caplog.text, "strawberry's own logger must not log the message"


async def test_bad_input_is_not_logged_as_a_server_failure(api: Api) -> None:
    with capture_logs() as logs:
        await api.execute('{ person(fin: "bad") { fin } }')
    assert [entry for entry in logs if entry["event"] == "graphql.unexpected_error"] == []
