"""What may come through the door (issue 13, items 4 and 12).

- A token must name an agency of the catalogue: any other is a 401 (`unknown_agency`), and nothing runs.
- Every string input passes one check (`schema.edges`): NUL and the other control characters are
  refused with a typed error naming the field, in every shape a client can send a string (literal,
  variable, nested input field, list element; query argument or mutation input).
- A date in the wrong format is a typed error naming the field and YYYY-MM-DD.
- A database error's text never reaches a response, in any mode.

Each refusal is checked in the database too: a refused input writes nothing.
"""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import text
from structlog.testing import capture_logs

from authz.auth_settings import DEV_KEY_ID, AuthSettings
from authz.authentication import DEV_ALGORITHM, load_or_create_dev_key
from resolvers.context import Context
from schema.schema import build_schema
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.config import Settings
from sxvis.database import Database
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import WORKER, person_input

AGENCIES = "query { agencies { code } }"


def token_for_agency(settings: Settings, agency: str) -> str:
    """A development token as `sxvis token issue` would sign it, for an agency it would refuse."""
    auth = AuthSettings.from_settings(settings)
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": auth.issuer,
        "aud": auth.jwt_audience,
        "sub": "ghost",
        "agency": agency,
        "roles": ["social_worker"],
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    key = load_or_create_dev_key(auth.dev_key_path)
    return jwt.encode(claims, key, algorithm=DEV_ALGORITHM, headers={"kid": DEV_KEY_ID})


async def count(db: Database, sql: str, **params: Any) -> int:
    async with db.transaction() as session:
        return int((await session.execute(text(sql), params)).scalar_one())


# --- tokens naming an agency that does not exist ------------------------------------------------


async def test_a_token_for_an_agency_not_in_the_catalogue_is_a_401_naming_the_reason(
    api: Api, db: Database
) -> None:
    headers = {"Authorization": f"Bearer {token_for_agency(api.settings, 'NOPE')}"}
    new = person_input()
    response = await api.client.post(
        "/graphql", json={"query": REGISTER_PERSON, "variables": {"input": new}}, headers=headers
    )
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "unknown_agency"}
    assert "'NOPE'" in error["message"]
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert await count(db, "SELECT count(*) FROM persons WHERE fin = :fin", fin=new["fin"]) == 0
    assert await count(db, "SELECT count(*) FROM access_events WHERE actor_user = 'ghost'") == 0


async def test_a_token_for_an_unknown_agency_cannot_read_a_fhir_task_either(api: Api) -> None:
    headers = {"Authorization": f"Bearer {token_for_agency(api.settings, 'NOPE')}"}
    response = await api.client.get(f"/fhir/Task/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"


async def test_agency_codes_are_case_sensitive_as_the_catalogue_writes_them(api: Api) -> None:
    headers = {"Authorization": f"Bearer {token_for_agency(api.settings, 'dost')}"}
    response = await api.client.post("/graphql", json={"query": AGENCIES}, headers=headers)
    assert response.status_code == 401


async def test_made_up_agencies_do_not_cost_a_catalogue_read_each(api: Api) -> None:
    gate = api.client._transport.app.state.gate  # type: ignore[attr-defined]
    assert (await api.execute(AGENCIES)).status == 200
    reads = gate.agencies.reads
    for n in range(20):
        headers = {"Authorization": f"Bearer {token_for_agency(api.settings, f'MADE-UP-{n}')}"}
        response = await api.client.post("/graphql", json={"query": AGENCIES}, headers=headers)
        assert response.status_code == 401
    assert gate.agencies.reads - reads <= 1
    assert (await api.execute(AGENCIES)).status == 200


# --- a database error's text never reaches a response -------------------------------------------

REFUSED_FIN = "EDGE001"
REFUSED_NAME = "Qəhrəmanova"


@pytest.fixture
async def database_refusing_a_fin(db: Database) -> AsyncIterator[None]:
    """A real database error on a path the API reaches: PostgreSQL refuses one FIN with a CHECK, whose
    detail quotes the whole row and whose statement's parameters are the person's data."""
    async with db.transaction() as session:
        await session.execute(
            text(f"ALTER TABLE persons ADD CONSTRAINT edge_refuse CHECK (fin <> '{REFUSED_FIN}') NOT VALID")
        )
    yield
    async with db.transaction() as session:
        await session.execute(text("ALTER TABLE persons DROP CONSTRAINT edge_refuse"))


def assert_no_database_text(body: object) -> None:
    dumped = json.dumps(body, ensure_ascii=False)
    for leak in (REFUSED_FIN, REFUSED_NAME, "edge_refuse", "INSERT", "persons", "asyncpg", "SQL", "DETAIL"):
        assert leak not in dumped, leak


async def test_development_names_the_error_type_and_the_request_not_the_database_text(
    api: Api, db: Database, database_refusing_a_fin: None
) -> None:
    caller = api.as_(headers={"X-Request-Id": "edge-req-1"})
    with capture_logs() as logs:
        result = await caller.execute(
            REGISTER_PERSON, input=person_input(fin=REFUSED_FIN, lastName=REFUSED_NAME)
        )
    assert_no_database_text(result.body)
    [error] = result.errors
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": "edge-req-1",
        "errorType": "IntegrityError",
    }
    assert "IntegrityError" in error["message"]
    assert "edge-req-1" in error["message"]
    [logged] = [entry for entry in logs if entry["event"] == "graphql.unexpected_error"]
    assert logged["request_id"] == "edge-req-1"
    assert (logged["sqlstate"], logged["constraint"], logged["table"]) == ("23514", "edge_refuse", "persons")
    assert logged["statement"].startswith("INSERT INTO persons")
    assert REFUSED_FIN not in str(logs)
    assert REFUSED_NAME not in str(logs)
    assert await count(db, "SELECT count(*) FROM persons WHERE fin = :fin", fin=REFUSED_FIN) == 0


async def test_production_says_only_unexpected_error_and_the_request(
    app_database: Database, database_refusing_a_fin: None
) -> None:
    production = Settings(mode="production")
    context = Context(
        db=app_database,
        actor=WORKER.with_origin(replace(WORKER.origin, request_id="edge-req-2")),
        settings=production,
        pseudonyms=Pseudonyms(b"a test secret of enough bytes"),
        policy=None,  # type: ignore[arg-type]  (registering needs no policy lookup)
    )
    result = await build_schema(production).execute(
        REGISTER_PERSON,
        variable_values={"input": person_input(fin=REFUSED_FIN, lastName=REFUSED_NAME)},
        context_value=context,
    )
    assert result.errors is not None
    [error] = result.errors
    assert error.message == "Unexpected error."
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "edge-req-2"}
    assert_no_database_text(error.formatted)
