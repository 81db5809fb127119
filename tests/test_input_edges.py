"""What may come through the door (issue 13, items 4 and 12).

- A token must name an agency of the catalogue: any other is a 401 (`unknown_agency`), and nothing runs.
- Every string input passes one check (`schema.edges`): NUL and the other control characters are
  refused with a typed error naming the field, in every shape a client can send a string (literal,
  variable, nested input field, list element; query argument or mutation input).
- A date in the wrong format is a typed error naming the field and YYYY-MM-DD.
- A database error's text never reaches a response, in any mode.

Each refusal is checked in the database too: a refused input writes nothing.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import text

from authz.auth_settings import DEV_KEY_ID, AuthSettings
from authz.authentication import DEV_ALGORITHM, load_or_create_dev_key
from sxvis.config import Settings
from sxvis.database import Database
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

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
