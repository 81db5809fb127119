"""Overdue urgent and emergency referrals are escalated once, to both agencies, and it is in the history
(issue 6, item 6; rule 12, Strategy 8.4.5: urgent cases need an immediate response)."""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from sxvis import clock
from sxvis.database import Database
from sxvis.referrals.escalation import escalate_overdue
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

CREATE = """
mutation C($input: CreateReferralInput!) { createReferral(input: $input) { referral { id } errors { code } } }
"""
HISTORY = "query H($id: ID!) { referral(id: $id) { history { toStatus actorAgencyCode note } } }"
NOTICES = "{ notices { edges { node { kind message } } } }"


async def referral(api: Api, urgency: str) -> str:
    dost = api.as_("social_worker", agency="DOST")
    person = (await dost.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")["person"]
    created = await dost.execute(
        CREATE,
        input={
            "personId": person["id"],
            "toAgencyCode": "DSMF",
            "reason": "Child left without care",
            "urgency": urgency,
            "idempotencyKey": uuid.uuid4().hex,
        },
    )
    return created.payload("createReferral")["referral"]["id"]  # type: ignore[no-any-return]


async def escalate(db: Database, *, hours_later: float) -> int:
    with clock.frozen_at(clock.now() + timedelta(hours=hours_later)):
        async with db.transaction() as session:
            return await escalate_overdue(session)


async def kinds(api: Api, agency: str) -> list[dict[str, Any]]:
    found = await api.as_("social_worker", agency=agency).execute(NOTICES)
    return [e["node"] for e in found.ok()["notices"]["edges"] if e["node"]["kind"] == "REFERRAL_OVERDUE"]


async def test_an_overdue_emergency_is_escalated_to_both_agencies_once(api: Api, db: Database) -> None:
    referral_id = await referral(api, "EMERGENCY")
    assert await escalate(db, hours_later=1) == 0  # not due yet
    assert await escalate(db, hours_later=3) == 1
    assert await escalate(db, hours_later=4) == 0  # once
    assert len(await kinds(api, "DOST")) == 1
    assert len(await kinds(api, "DSMF")) == 1
    history = (await api.as_("social_worker", agency="DOST").execute(HISTORY, id=referral_id)).ok()
    assert history["referral"]["history"][-1]["note"].startswith("escalated")


async def test_an_answered_referral_is_not_escalated(api: Api, db: Database) -> None:
    referral_id = await referral(api, "EMERGENCY")
    accepted = await api.as_("social_worker", agency="DSMF").execute(
        "mutation A($input: MoveReferralInput!) { acceptReferral(input: $input) { errors { code } } }",
        input={"id": referral_id},
    )
    assert accepted.payload("acceptReferral")["errors"] == []
    assert await escalate(db, hours_later=3) == 0


async def test_a_routine_referral_is_not_escalated(api: Api, db: Database) -> None:
    await referral(api, "ROUTINE")
    assert await escalate(db, hours_later=24 * 20) == 0


async def test_escalation_is_recorded_in_the_database_in_one_transaction(api: Api, db: Database) -> None:
    await referral(api, "URGENT")
    assert await escalate(db, hours_later=24 * 6) == 1
    async with db.transaction() as session:
        escalated = (
            await session.execute(text("SELECT count(*) FROM referrals WHERE escalated_at IS NOT NULL"))
        ).scalar_one()
        lines = (
            await session.execute(
                text("SELECT count(*) FROM referral_history WHERE actor_user = 'sxvis-escalation'")
            )
        ).scalar_one()
    assert (escalated, lines) == (1, 1)
