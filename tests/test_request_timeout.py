"""A request running past `SXVIS_REQUEST_TIMEOUT_SECONDS` is cancelled, logged and answered `TIMEOUT`;
what it cancelled leaves no transaction open and nothing half-written (issue 13, item 2)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import structlog
from sqlalchemy import func, select, text

from sxvis.config import Settings
from sxvis.database import Database
from sxvis.registry.models import Person
from sxvis.web.app import create_app
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input


@asynccontextmanager
async def _api(settings: Settings, database: Database, limit: float) -> AsyncIterator[Api]:
    """The real app with its request limit set to `limit` seconds."""
    app = create_app(settings.model_copy(update={"request_timeout_seconds": limit}), database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sxvis.test") as client:
        yield Api(client, settings)
    await app.state.gate.close()


async def _open_transactions(db: Database) -> int:
    async with db.connect() as connection:
        found = await connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
        )
        return int(found.scalar_one())


async def test_a_request_past_the_limit_is_answered_timeout(
    db: Database, app_database: Database, settings: Settings
) -> None:
    async with _api(settings, app_database, 0.000_1) as api:
        response = await api.client.post(
            "/graphql", json={"query": "{ persons(first: 50) { totalCount } }"}, headers=api.headers
        )
    assert response.status_code == 503
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "TIMEOUT"}
    assert error["message"].startswith("The request ran longer than 0.0001 s and was stopped.")


async def test_a_timed_out_request_is_logged_with_its_operation(
    db: Database, app_database: Database, settings: Settings
) -> None:
    async with _api(settings, app_database, 0.000_1) as api:
        with structlog.testing.capture_logs() as logs:
            await api.client.post(
                "/graphql",
                json={"query": "query Count { persons { totalCount } }", "operationName": "Count"},
                headers=api.headers,
            )
    [entry] = [e for e in logs if e["event"] == "graphql.request_timeout"]
    assert entry["operation"] == "Count"
    assert entry["user"] == api.user
    assert entry["limit_seconds"] == 0.000_1


async def test_a_request_within_the_limit_is_answered(
    db: Database, app_database: Database, settings: Settings
) -> None:
    async with _api(settings, app_database, 30) as api:
        result = await api.execute("{ me { userId } }")
    assert result.ok()["me"]["userId"] == api.user


@pytest.mark.parametrize("timeout_ms", [1, 3, 6, 10, 15, 25, 40, 60, 100, 250])
async def test_a_cancelled_registration_writes_all_or_nothing_and_leaves_no_transaction_open(
    db: Database, app_database: Database, settings: Settings, timeout_ms: int
) -> None:
    # The limit falls at a different point of the mutation each time: before, during or after its writes.
    person = person_input()
    async with _api(settings, app_database, timeout_ms / 1000) as api:
        response = await api.client.post(
            "/graphql", json={"query": REGISTER_PERSON, "variables": {"input": person}}, headers=api.headers
        )
    body = response.json()
    async with db.transaction() as session:
        stored = await session.scalar(
            select(func.count()).select_from(Person).where(Person.fin == person["fin"])
        )
        events = await session.scalar(
            text(
                "SELECT count(*) FROM access_events e JOIN persons p ON p.id = e.person_id"
                " WHERE p.fin = :fin AND e.action = 'person:register'"
            ),
            {"fin": person["fin"]},
        )
    if response.status_code == 503:
        assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"
        # Stopped before its commit: nothing. Stopped after it (while its payload was read): the whole
        # registration with its access event, as the answer says ("a mutation finished before it stays
        # done").
        assert (stored, events) in ((0, 0), (1, 1))
    else:
        assert body["data"]["registerPerson"]["errors"] == []
        assert stored == 1
        assert events
    assert await _open_transactions(db) == 0


async def test_the_connections_of_a_cancelled_request_serve_the_next_one(
    db: Database, app_database: Database, settings: Settings
) -> None:
    for timeout_ms in (2, 5, 8, 12, 20):
        async with _api(settings, app_database, timeout_ms / 1000) as api:
            await api.execute(REGISTER_PERSON, input=person_input())
    async with _api(settings, app_database, 30) as api:
        result = await api.execute(REGISTER_PERSON, input=person_input())
        listed = await api.execute("{ persons { totalCount } }")
    assert result.payload("registerPerson")["errors"] == []
    assert listed.ok()["persons"]["totalCount"] >= 1
    assert await _open_transactions(db) == 0


@pytest.mark.parametrize("timeout_ms", [0.1, 0.3, 1, 2])
async def test_a_cancelled_read_on_a_scoped_connection_leaves_no_transaction_open(
    db: Database, app_database: Database, settings: Settings, timeout_ms: int
) -> None:
    # FIN lookups and pages run on a scoped connection (`Database.scoped`, not a session): cancelled at
    # any point, the connection must not go back to the pool inside its transaction.
    async with _api(settings, app_database, 30) as api:
        person = (await api.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")[
            "person"
        ]
    async with _api(settings, app_database, timeout_ms / 1000) as api:
        for _ in range(5):
            await api.client.post(
                "/graphql",
                json={
                    "query": "query F($fin: String!) { person(fin: $fin) { id } }",
                    "variables": {"fin": person["fin"]},
                },
                headers=api.headers,
            )
            await api.client.post(
                "/graphql",
                json={"query": "{ persons(first: 5) { edges { node { id } } } }"},
                headers=api.headers,
            )
    assert await _open_transactions(db) == 0
    async with _api(settings, app_database, 30) as api:
        found = await api.execute("query F($fin: String!) { person(fin: $fin) { fin } }", fin=person["fin"])
    assert found.ok()["person"]["fin"] == person["fin"]
