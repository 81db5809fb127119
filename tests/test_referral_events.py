"""The live inbox (issue 6, item 8): `referralEvents` over graphql-transport-ws, against real servers.

Two `sxvis serve` processes (one worker process each) share the tests' database. Moves go by HTTP to the
first; subscribers listen on a real websocket to the second, so every event crosses processes through
PostgreSQL LISTEN/NOTIFY, as it does between the workers of one server.

A subscriber cannot tell when the server has registered its subscription (graphql-transport-ws has no
acknowledgement of `subscribe`), so `until_live` sends warm-up referrals until one is heard; events are
then delivered in commit order, and each test picks its own referral's events by id.

Rules named where a test proves one (../shared/domain/README.md): rule 10 (anonymity of a
domestic-violence victim referred to SXA, 002 steps 3-5), rule 13 (access within the remit, Strategy
8.2.3).
"""

import asyncio
import base64
import json
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import text
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from authz.authentication import issue_dev_token
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.referrals.events import APPLICATION_NAME
from tests import test_domestic_violence as dv
from tests.documents import REGISTER_PERSON
from tests.factories import person_input, token_for_agency
from tests.servers import Server

PROTOCOL = Subprotocol("graphql-transport-ws")
EVENTS = """
subscription Inbox {
  referralEvents {
    fromStatus toStatus at byAgencyCode byAgency { code }
    referral { id status person { id fin pseudonym lastName } }
  }
}
"""
CREATE = """
mutation C($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id } errors { code message } }
}
"""
ACCEPT = "mutation A($input: MoveReferralInput!) { acceptReferral(input: $input) { errors { code } } }"
REJECT = "mutation R($input: ReasonedMoveInput!) { rejectReferral(input: $input) { errors { code } } }"
WAIT = 15.0  # seconds a test waits for a message that must come


@pytest.fixture(scope="module")
def workers(database: Database, database_url: str) -> Iterator[tuple[Server, Server]]:
    """(mover, listener): two server processes on the tests' database, with one data folder between them
    (one signing key, one pseudonym key)."""
    folder = Path(tempfile.mkdtemp(prefix="sxvis-live-"))
    shared = {"SXVIS_DATABASE_URL": database_url}
    started: list[Server] = []
    try:
        for _ in range(2):  # one after the other: the first start installs what both need
            server = Server(folder / "data", environment=shared)
            started.append(server)
            server.wait_ready()
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def token(server: Server, agency: str, *, role: str = "social_worker", ttl: timedelta | None = None) -> str:
    user = f"{role}-{agency.lower()}-{uuid.uuid4().hex[:6]}"
    settings = Settings(data_dir=server.data_dir)
    return issue_dev_token(settings, user=user, agency=agency, roles=(role,), ttl=ttl or timedelta(hours=1))


async def graphql(server: Server, bearer: str, document: str, **variables: object) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        response = await client.post(
            f"{server.url}/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {bearer}"},
        )
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body
    return body["data"]  # type: ignore[no-any-return]


async def register(server: Server, **overrides: Any) -> dict[str, Any]:
    data = await graphql(server, token(server, "DOST"), REGISTER_PERSON, input=person_input(**overrides))
    assert data["registerPerson"]["errors"] == []
    return data["registerPerson"]["person"]  # type: ignore[no-any-return]


async def refer(server: Server, person_id: str, to: str) -> str:
    values = {
        "personId": person_id,
        "toAgencyCode": to,
        "reason": "Needs support",
        "urgency": "ROUTINE",
        "idempotencyKey": uuid.uuid4().hex,
    }
    data = await graphql(server, token(server, "DOST"), CREATE, input=values)
    assert data["createReferral"]["errors"] == [], data
    return data["createReferral"]["referral"]["id"]  # type: ignore[no-any-return]


class Subscriber:
    """One websocket with one `referralEvents` subscription; every message it received, in order."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.received: list[dict[str, Any]] = []

    async def message(self, within: float = WAIT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.socket.recv(), within)
        message: dict[str, Any] = json.loads(raw)
        self.received.append(message)
        return message

    async def event(self, within: float = WAIT) -> dict[str, Any]:
        message = await self.message(within)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]["referralEvents"]  # type: ignore[no-any-return]

    async def event_of(self, referral_id: str, status: str) -> dict[str, Any]:
        """The event of this referral's move to `status`, passing over other referrals' events."""
        deadline = time.monotonic() + WAIT
        while True:
            event = await self.event(max(0.1, deadline - time.monotonic()))
            if event["referral"]["id"] == referral_id and event["toStatus"] == status:
                return event


@asynccontextmanager
async def connected(server: Server, payload: dict[str, Any]) -> AsyncIterator[ClientConnection]:
    async with connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=WAIT) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        yield socket


@asynccontextmanager
async def subscribed(server: Server, bearer: str, document: str = EVENTS) -> AsyncIterator[Subscriber]:
    async with connected(server, {"Authorization": f"Bearer {bearer}"}) as socket:
        ack = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
        assert ack["type"] == "connection_ack", ack
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
        yield Subscriber(socket)


async def until_live(subscriber: Subscriber, mover: Server, agency: str) -> None:
    """Send warm-up referrals to `agency` until the subscriber hears one: from then on it hears all."""
    person = await register(mover)
    for _ in range(40):
        await refer(mover, person["id"], agency)
        try:
            await subscriber.event(within=0.5)
            return
        except TimeoutError:
            continue
    raise AssertionError(f"the subscription of {agency} never heard a referral to it")


async def close_of(socket: ClientConnection, within: float = WAIT) -> tuple[int | None, str]:
    """How the server closed the socket (code, reason), reading past any message before it."""
    try:
        async with asyncio.timeout(within):
            while True:
                await socket.recv()
    except ConnectionClosed as closed:
        frame = closed.rcvd
        return (frame.code, frame.reason) if frame is not None else (None, "")
    raise AssertionError("unreachable")  # pragma: no cover


async def test_rule_13_a_referral_made_through_one_worker_reaches_the_receiver_subscribed_on_the_other(
    workers: tuple[Server, Server], db: Database
) -> None:
    mover, listener = workers
    async with subscribed(listener, token(listener, "DSMF")) as dsmf:
        await until_live(dsmf, mover, "DSMF")
        person = await register(mover)
        referral_id = await refer(mover, person["id"], "DSMF")
        event = await dsmf.event_of(referral_id, "REQUESTED")
    assert event["fromStatus"] is None
    assert event["byAgencyCode"] == "DOST"
    assert event["byAgency"] == {"code": "DOST"}
    assert event["referral"]["person"]["fin"] == person["fin"]


async def test_the_sender_hears_the_receivers_answer(workers: tuple[Server, Server], db: Database) -> None:
    mover, listener = workers
    async with subscribed(listener, token(listener, "DOST")) as dost:
        await until_live(dost, mover, "DSMF")  # DOST sends the warm-up referrals
        person = await register(mover)
        referral_id = await refer(mover, person["id"], "DSMF")
        accepted = await graphql(mover, token(mover, "DSMF"), ACCEPT, input={"id": referral_id})
        assert accepted["acceptReferral"]["errors"] == []
        event = await dost.event_of(referral_id, "ACCEPTED")
    assert (event["fromStatus"], event["byAgencyCode"]) == ("REQUESTED", "DSMF")
    assert event["referral"]["status"] == "ACCEPTED"


async def test_rule_13_a_third_agency_hears_nothing_of_a_referral_between_two_others(
    workers: tuple[Server, Server], db: Database
) -> None:
    mover, listener = workers
    async with subscribed(listener, token(listener, "DMX")) as dmx:
        await until_live(dmx, mover, "DMX")
        person = await register(mover)
        between_others = await refer(mover, person["id"], "DSMF")
        # Events reach a process in commit order, and its subscribers in that order: a referral to DMX
        # made after the other one is heard after anything the other one could have brought.
        marker = await refer(mover, person["id"], "DMX")
        await dmx.event_of(marker, "REQUESTED")
    heard = [
        m["payload"]["data"]["referralEvents"]["referral"]["id"] for m in dmx.received if m["type"] == "next"
    ]
    assert marker in heard
    assert between_others not in heard


async def test_each_delivery_is_logged_with_the_subscriber_as_actor_before_it_is_sent(
    workers: tuple[Server, Server], db: Database
) -> None:
    mover, listener = workers
    bearer = token(listener, "DSMF")
    async with subscribed(listener, bearer) as dsmf:
        await until_live(dsmf, mover, "DSMF")
        person = await register(mover)
        referral_id = await refer(mover, person["id"], "DSMF")
        await dsmf.event_of(referral_id, "REQUESTED")
        # Read at once, after the event arrived: the delivery's access event was committed before it left.
        async with db.transaction() as session:
            rows = (
                await session.execute(
                    text(
                        "SELECT actor_user, actor_agency, person_id, operation_name, details, fields"
                        " FROM access_events WHERE action = 'referral:read' AND entity_id = :id"
                        " AND outcome = 'ALLOWED' AND details->>'delivery' = 'referralEvents'"
                    ),
                    {"id": str(uuid.UUID(_raw_id(referral_id)))},
                )
            ).all()
    subscriber_user = _claims(bearer)["sub"]
    assert len(rows) == 1
    assert rows[0].actor_user == subscriber_user
    assert rows[0].actor_agency == "DSMF"
    assert str(rows[0].person_id) == _raw_id(person["id"])
    assert rows[0].operation_name == "Inbox"
    assert rows[0].details["to"] == "REQUESTED"
    assert rows[0].fields == ["id", "status", "person"]  # what the delivery showed (issue 13, item 9)


async def test_rule_13_after_a_rejection_the_receivers_event_carries_the_referral_without_the_person(
    workers: tuple[Server, Server], db: Database
) -> None:
    mover, listener = workers
    async with subscribed(listener, token(listener, "DSMF")) as dsmf:
        await until_live(dsmf, mover, "DSMF")
        person = await register(mover)
        referral_id = await refer(mover, person["id"], "DSMF")
        assert (await dsmf.event_of(referral_id, "REQUESTED"))["referral"]["person"] is not None
        rejected = await graphql(
            mover, token(mover, "DSMF"), REJECT, input={"id": referral_id, "reason": "Not our service"}
        )
        assert rejected["rejectReferral"]["errors"] == []
        event = await dsmf.event_of(referral_id, "REJECTED")
    assert event["referral"]["status"] == "REJECTED"
    assert event["referral"]["person"] is None


async def test_rule_10_a_protected_person_reaches_the_receivers_inbox_under_its_pseudonym(
    workers: tuple[Server, Server], db: Database
) -> None:
    mover, listener = workers
    async with subscribed(listener, token(listener, "SXA", role="case_manager")) as sxa:
        await until_live(sxa, mover, "SXA")
        victim = await register(mover, protected=True, lastName="Qurbanova")
        referral_id = await refer(mover, victim["id"], "SXA")
        event = await sxa.event_of(referral_id, "REQUESTED")
    shown = event["referral"]["person"]
    assert shown["pseudonym"] is not None
    assert shown["fin"] is None
    assert shown["lastName"] is None
    wire = json.dumps(event, ensure_ascii=False)
    assert victim["fin"] not in wire
    assert "Qurbanova" not in wire


DV_EVENTS = """
subscription Inbox {
  referralEvents {
    fromStatus toStatus byAgencyCode
    referral {
      id reason caseId status history { note actorUser actorAgencyCode }
      person {
        id pseudonym fin lastName firstName patronymic birthDate age addressLine phone email
        household { id } circumstances { note recordedBy since }
        cases { id managerId timeline { summary note } }
      }
    }
  }
}
"""


async def test_rule_10_sxas_inbox_delivers_a_domestic_violence_referral_without_the_victims_identity(
    workers: tuple[Server, Server], db: Database
) -> None:
    """002 step 5: the placement request of `registerDomesticViolenceCase` reaches SXA's live inbox with
    nothing that names the victim: no FIN, names, birth date, address, contacts, real id or interviews."""
    mover, listener = workers
    given = dv.victim()
    async with subscribed(listener, token(listener, "SXA", role="case_manager"), DV_EVENTS) as sxa:
        await until_live(sxa, mover, "SXA")
        data = await graphql(mover, token(mover, dv.CENTRE), dv.REGISTER, input=dv.registration(person=given))
        registered = data["registerDomesticViolenceCase"]
        assert registered["errors"] == [], registered
        event = await sxa.event_of(registered["referral"]["id"], "REQUESTED")
    assert event["referral"]["person"]["pseudonym"] is not None
    assert dv.leaks(event, given, registered["case"]["person"]["id"]) == []


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({}, id="no token"),
        pytest.param({"token": "not-a-jwt"}, id="malformed token"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="not a bearer token"),
    ],
)
async def test_a_connection_without_a_valid_token_is_refused_with_4403(
    workers: tuple[Server, Server], payload: dict[str, Any]
) -> None:
    async with connected(workers[1], payload) as socket:
        code, reason = await close_of(socket)
    assert code == 4403
    assert reason.startswith("Forbidden")


async def test_a_token_signed_by_another_key_is_refused_with_4403(workers: tuple[Server, Server]) -> None:
    with tempfile.TemporaryDirectory(prefix="sxvis-other-key-") as other:
        forged = issue_dev_token(
            Settings(data_dir=Path(other)), user="x", agency="DSMF", roles=("social_worker",)
        )
    async with connected(workers[1], {"token": forged}) as socket:
        code, _ = await close_of(socket)
    assert code == 4403


async def test_a_token_for_an_agency_not_in_the_catalogue_is_refused_with_4403(
    workers: tuple[Server, Server],
) -> None:
    ghost = token_for_agency(Settings(data_dir=workers[1].data_dir), "NOPE")
    async with connected(workers[1], {"token": ghost}) as socket:
        code, reason = await close_of(socket)
    assert code == 4403
    assert "not an agency of SXVİS" in reason


@pytest.mark.parametrize("form", ["Authorization", "token"])
async def test_connection_init_takes_the_token_in_either_form(
    workers: tuple[Server, Server], form: str
) -> None:
    bearer = token(workers[1], "DSMF")
    payload = {"Authorization": f"Bearer {bearer}"} if form == "Authorization" else {"token": bearer}
    async with connected(workers[1], payload) as socket:
        ack = json.loads(await asyncio.wait_for(socket.recv(), WAIT))
    assert ack["type"] == "connection_ack"


async def test_a_subscribe_before_connection_init_is_closed_with_4401(workers: tuple[Server, Server]) -> None:
    async with connect(workers[1].ws_url, subprotocols=[PROTOCOL], open_timeout=WAIT) as socket:
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
        code, _ = await close_of(socket)
    assert code == 4401


async def test_an_expired_token_ends_the_subscription_even_without_events(
    workers: tuple[Server, Server],
) -> None:
    started = time.monotonic()
    async with subscribed(workers[1], token(workers[1], "DMX", ttl=timedelta(seconds=3))) as dmx:
        code, reason = await close_of(dmx.socket, within=30)
    assert code == 4403
    assert "expired" in reason
    assert time.monotonic() - started >= 2  # at the token's exp, not at once
    assert not [m for m in dmx.received if m["type"] == "next"]


async def test_queries_are_not_served_over_the_socket(workers: tuple[Server, Server]) -> None:
    async with subscribed(workers[1], token(workers[1], "DSMF"), "{ agencies { code } }") as dsmf:
        message = await dsmf.message()
    assert message["type"] == "error"
    assert "not allowed" in message["payload"][0]["message"]


async def test_a_subscriber_without_referral_read_is_forbidden_and_the_denial_logged(
    workers: tuple[Server, Server], db: Database
) -> None:
    bearer = token(workers[1], "VXSIDA", role="auditor")
    async with subscribed(workers[1], bearer) as auditor:
        message = await auditor.message()
    assert message["type"] == "next"
    assert message["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with db.transaction() as session:
        denied = (
            (
                await session.execute(
                    text("SELECT action FROM access_events WHERE actor_user = :user AND outcome = 'DENIED'"),
                    {"user": _claims(bearer)["sub"]},
                )
            )
            .scalars()
            .all()
        )
    assert denied == ["referral:read"]


async def test_the_listener_reconnects_when_its_connection_drops(
    workers: tuple[Server, Server], db: Database
) -> None:
    mover, listener = workers
    async with subscribed(listener, token(listener, "DSMF")) as dsmf:
        await until_live(dsmf, mover, "DSMF")
        async with db.transaction() as session:
            ended = (
                await session.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = :name"
                    ),
                    {"name": APPLICATION_NAME},
                )
            ).scalar_one()
        assert ended == 2  # one LISTEN connection per worker process
        await until_live(dsmf, mover, "DSMF")  # heard again once the connection is back
        person = await register(mover)
        referral_id = await refer(mover, person["id"], "DSMF")
        event = await dsmf.event_of(referral_id, "REQUESTED")
    assert event["referral"]["id"] == referral_id


def _raw_id(global_id: str) -> str:
    """The UUID behind a Relay global id ("Type:uuid", base64)."""
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def _claims(bearer: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(bearer, options={"verify_signature": False})
    return claims
