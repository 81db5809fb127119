"""The Ministry of Justice's release notices: a signed webhook, over real HTTP on loopback.

Issue 7, item 3: the webhook records the circumstance "released from a penitentiary institution"
(Strategy §3, `RELEASED_FROM_PRISON`) for the person with the notice's FIN; a tampered, replayed or stale
notice is refused and changes nothing (the tests count the rows of every table it could touch).
"""

import secrets
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from integrations.hub import Integrations
from integrations.settings import IntegrationSettings, MinistryEndpoint
from integrations.signing import Attribution, sign
from integrations.simulators import SimulatorServer, create_simulator_app
from sxvis import clock
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.web.app import create_app
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

PATH = "/integrations/justice/release-notices"
KEY = SecretStr(secrets.token_hex(32))
SENDER = Attribution(user_id="en-officer-17", issue="release/2026/0042")
MAX_SKEW = 120.0


@pytest.fixture(scope="module")
def justice_server(database_url: str, data_dir: Path) -> Iterator[str]:
    """SXVİS served by uvicorn on a loopback port, configured with the Ministry of Justice's key."""
    settings = Settings(
        mode="development", data_dir=data_dir, database_url=database_url, justice_max_skew_seconds=MAX_SKEW
    )
    justice = MinistryEndpoint(base_url="http://127.0.0.1:9/justice/", client_id="AZ/GOV/EN", hmac_key=KEY)
    hub = Integrations(IntegrationSettings(ministry={"justice": justice}))
    with SimulatorServer(create_app(settings, integrations=hub)) as server:
        yield server.url


def signed(
    notice: dict[str, Any], *, key: SecretStr = KEY, age_seconds: float = 0, message_id: str | None = None
) -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps(notice)
    headers = sign(
        key,
        method="POST",
        path=PATH,
        body=body,
        client_id="AZ/GOV/EN",
        attribution=SENDER,
        message_id=message_id or str(uuid.uuid4()),
        now=clock.now() - timedelta(seconds=age_seconds),
    )
    return body, {**headers, "Content-Type": "application/json"}


def post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{url}{PATH}", content=body, headers=headers, timeout=10)


async def registered_fin(api: Api) -> str:
    fin: str = person_input()["fin"]
    result = await api.execute(REGISTER_PERSON, input=person_input(fin=fin))
    assert result.payload("registerPerson")["errors"] == []
    return fin


def notice_for(fin: str, released_on: date | None = None) -> dict[str, Any]:
    day = released_on or clock.today() - timedelta(days=1)
    return {"fin": fin, "releasedOn": day.isoformat(), "institution": "Penitentiary institution No. 2"}


async def counts(db: Database) -> dict[str, int]:
    """Rows in every table a release notice could write to."""
    async with db.transaction() as session:
        return {
            table: int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
            for table in ("circumstances", "inbound_messages", "access_events")
        }


async def person_id_of(db: Database, fin: str) -> uuid.UUID:
    async with db.transaction() as session:
        found = await session.scalar(text("SELECT id FROM persons WHERE fin = :fin"), {"fin": fin})
    assert found is not None
    return uuid.UUID(str(found))


async def test_a_signed_release_notice_records_the_circumstance(
    api: Api, db: Database, justice_server: str
) -> None:
    fin = await registered_fin(api)
    released_on = clock.today() - timedelta(days=2)
    body, headers = signed(notice_for(fin, released_on))

    response = post(justice_server, body, headers)

    assert response.status_code == 202, response.text
    assert response.json() == {"status": "accepted", "messageId": headers["X-Road-Id"]}
    async with db.transaction() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT category, since, source_agency, recorded_by FROM circumstances"
                    " WHERE person_id = :id"
                ),
                {"id": await person_id_of(db, fin)},
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("RELEASED_FROM_PRISON", released_on, "EN", f"{SENDER.user_id}@EN")
    ]


async def test_a_recorded_release_notice_is_in_the_access_log_as_the_ministrys_client(
    api: Api, db: Database, justice_server: str
) -> None:
    fin = await registered_fin(api)
    body, headers = signed(notice_for(fin))

    assert post(justice_server, body, headers).status_code == 202

    async with db.transaction() as session:
        event = (
            await session.execute(
                text(
                    "SELECT actor_user, actor_agency, actor_roles, action, outcome, details->>'message_id'"
                    " FROM access_events WHERE person_id = :id AND action = 'circumstance:record'"
                ),
                {"id": await person_id_of(db, fin)},
            )
        ).one()
    assert tuple(event) == (
        SENDER.user_id,
        "EN",
        ["integration"],
        "circumstance:record",
        "ALLOWED",
        headers["X-Road-Id"],
    )


async def test_a_tampered_release_notice_is_refused_and_changes_nothing(
    api: Api, db: Database, justice_server: str
) -> None:
    fin = await registered_fin(api)
    other_fin = await registered_fin(api)
    body, headers = signed(notice_for(fin))
    tampered = body.replace(fin.encode(), other_fin.encode())
    before = await counts(db)

    response = post(justice_server, tampered, headers)

    assert response.status_code == 401
    assert response.json()["code"] == "signature_rejected"
    assert await counts(db) == before


async def test_a_release_notice_signed_with_another_key_is_refused_and_changes_nothing(
    api: Api, db: Database, justice_server: str
) -> None:
    fin = await registered_fin(api)
    body, headers = signed(notice_for(fin), key=SecretStr(secrets.token_hex(32)))
    before = await counts(db)

    assert post(justice_server, body, headers).status_code == 401
    assert await counts(db) == before


async def test_a_replayed_release_notice_is_refused_and_changes_nothing(
    api: Api, db: Database, justice_server: str
) -> None:
    fin = await registered_fin(api)
    body, headers = signed(notice_for(fin))
    assert post(justice_server, body, headers).status_code == 202
    before = await counts(db)

    replay = post(justice_server, body, headers)

    assert replay.status_code == 409
    assert replay.json()["code"] == "replayed"
    assert await counts(db) == before


async def test_a_stale_release_notice_is_refused_and_changes_nothing(
    api: Api, db: Database, justice_server: str
) -> None:
    fin = await registered_fin(api)
    body, headers = signed(notice_for(fin), age_seconds=MAX_SKEW + 60)
    before = await counts(db)

    response = post(justice_server, body, headers)

    assert response.status_code == 401
    assert "stale" in response.json()["message"]
    assert await counts(db) == before


async def test_a_notice_for_a_fin_the_registry_does_not_hold_gets_the_same_answer_and_records_nobody(
    db: Database, justice_server: str
) -> None:
    """The answer must not tell the sender whether someone is in a registry of vulnerable persons."""
    body, headers = signed(notice_for(person_input()["fin"]))

    response = post(justice_server, body, headers)

    assert response.status_code == 202
    assert response.json() == {"status": "accepted", "messageId": headers["X-Road-Id"]}
    async with db.transaction() as session:
        kept = (
            await session.execute(
                text("SELECT outcome, person_id FROM inbound_messages WHERE message_id = :id"),
                {"id": headers["X-Road-Id"]},
            )
        ).one()
        circumstances = await session.scalar(text("SELECT count(*) FROM circumstances"))
    assert tuple(kept) == ("unmatched", None)
    assert circumstances == 0


async def test_the_ministry_of_justice_simulator_sends_a_notice_that_sxvis_records(
    api: Api, db: Database, justice_server: str
) -> None:
    fin = await registered_fin(api)
    simulator = create_simulator_app({"justice": KEY})
    with SimulatorServer(simulator) as ministry:
        order = {"to": justice_server, "fin": fin, "releasedOn": clock.today().isoformat()}
        async with httpx.AsyncClient(base_url=ministry.url, timeout=15) as client:
            answer = await client.post("/_admin/send/justice/release-notice", json=order)

    assert answer.status_code == 200, answer.text
    assert answer.json()["sxvisStatus"] == 202
    async with db.transaction() as session:
        categories = await session.scalars(
            text("SELECT category FROM circumstances WHERE person_id = :id"),
            {"id": await person_id_of(db, fin)},
        )
        assert list(categories) == ["RELEASED_FROM_PRISON"]
