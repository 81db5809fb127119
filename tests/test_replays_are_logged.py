"""Replays are accesses too (issue 13, item 8): a request repeated under its idempotency key returns
the existing record, and whoever sent it is logged as having been shown it, the replay marked.

`createReferral` is the one mutation that takes an idempotency key. The other mutations that answer a
repetition without a change (`grantRole`/`revokeRole` with `changed: false`, `removeCalendarDay`,
`retryDeadLetter`) show no personal data; a repeated `reviewBreakGlass`, `enrollInService` or
`openCase` is refused with an error and shows nothing; a `runChecks` that reuses a fresh fact is logged
like any other (tests/test_checks.py).
"""

import asyncio
import uuid
from typing import Any

from sqlalchemy import text
from strawberry import relay

from sxvis.database import Database
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

CREATE = """
mutation Refer($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id reason } errors { field code message } }
}
"""
LOG = """
query Log($action: String!, $actor: String!) {
  accessLog(filter: {action: $action, actorId: $actor}, first: 100) {
    edges { node { action entityId personId replay actor { user } } }
  }
}
"""


async def registered(api: Api) -> dict[str, Any]:
    result = await api.as_("social_worker", agency="DOST").execute(REGISTER_PERSON, input=person_input())
    return result.payload("registerPerson")["person"]  # type: ignore[no-any-return]


def referral_input(person_id: str, key: str) -> dict[str, Any]:
    return {
        "personId": person_id,
        "toAgencyCode": "DSMF",
        "reason": "Needs targeted social assistance",
        "urgency": "ROUTINE",
        "idempotencyKey": key,
    }


async def create_events(db: Database, referral_id: str) -> list[dict[str, Any]]:
    raw_id = relay.GlobalID.from_id(referral_id).node_id
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT actor_user, person_id, outcome, coalesce((details ->> 'replay')::boolean, false)"
                " AS replay FROM access_events WHERE action = 'referral:create' AND entity_id = :id"
                " ORDER BY id"
            ),
            {"id": raw_id},
        )
        return [dict(row._mapping) for row in rows]


async def test_a_repeated_create_referral_is_logged_as_a_replay_by_whoever_sent_it(
    api: Api, db: Database
) -> None:
    person = await registered(api)
    key = f"replay-{uuid.uuid4().hex}"
    first = await api.as_("social_worker", agency="DOST", user="first-desk").execute(
        CREATE, input=referral_input(person["id"], key)
    )
    again = await api.as_("social_worker", agency="DOST", user="second-desk").execute(
        CREATE, input=referral_input(person["id"], key)
    )
    referral_id = first.payload("createReferral")["referral"]["id"]
    assert again.payload("createReferral")["referral"]["id"] == referral_id
    events = await create_events(db, referral_id)
    assert [(e["actor_user"], e["replay"], e["outcome"]) for e in events] == [
        ("first-desk", False, "ALLOWED"),
        ("second-desk", True, "ALLOWED"),
    ]
    assert {str(e["person_id"]) for e in events} == {relay.GlobalID.from_id(person["id"]).node_id}


async def test_requests_racing_on_one_key_are_each_logged_once(api: Api, db: Database) -> None:
    person = await registered(api)
    key = f"race-{uuid.uuid4().hex}"
    results = await asyncio.gather(
        *(
            api.as_("social_worker", agency="DOST", user=f"desk-{i}").execute(
                CREATE, input=referral_input(person["id"], key)
            )
            for i in range(4)
        )
    )
    ids = {r.payload("createReferral")["referral"]["id"] for r in results}
    assert len(ids) == 1
    events = await create_events(db, ids.pop())
    assert sorted(e["actor_user"] for e in events) == [f"desk-{i}" for i in range(4)]
    assert sorted(e["replay"] for e in events) == [False, True, True, True]


async def test_an_auditor_sees_the_replay_marked_in_the_access_log(api: Api) -> None:
    person = await registered(api)
    key = f"audited-{uuid.uuid4().hex}"
    dost = api.as_("social_worker", agency="DOST", user=f"audited-{uuid.uuid4().hex[:8]}")
    for _ in range(2):
        assert (await dost.execute(CREATE, input=referral_input(person["id"], key))).payload(
            "createReferral"
        )["errors"] == []
    log = await api.as_("auditor", agency="VXSIDA").execute(LOG, action="referral:create", actor=dost.user)
    marks = [edge["node"]["replay"] for edge in log.ok()["accessLog"]["edges"]]
    assert marks == [True, False]  # newest first
