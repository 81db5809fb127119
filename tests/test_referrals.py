"""Referrals between institutions (issue 6, first slice): creation, the moves, the remit they carry.

Rules named where a test proves one (../shared/domain/README.md): rule 2 (consent of the person, 000 §16,
002 step 1), rule 10 (anonymity of a domestic-violence victim referred to SXA, 002 steps 3-5), rule 12
(an immediate response for urgent cases, Strategy 8.4.5), rule 13 (access within the remit, 8.2.3).
"""

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from sxvis import clock
from sxvis.database import Database
from sxvis.database.engine import plain_url
from tests.conftest import Api
from tests.documents import PERSON_BY_ID, REGISTER_PERSON
from tests.factories import person_input

FIELDS = "id status urgency dueAt overdue flaggedForReview outcome person { id fin pseudonym }"
CREATE = f"""
mutation C($input: CreateReferralInput!) {{
  createReferral(input: $input) {{ referral {{ {FIELDS} }} errors {{ field code message }} }}
}}
"""


def move_document(name: str, input_type: str) -> str:
    return f"""
mutation M($input: {input_type}!) {{
  {name}(input: $input) {{ referral {{ {FIELDS} history {{ fromStatus toStatus actorAgencyCode note }} }}
    errors {{ field code message }} }}
}}
"""


ACCEPT = move_document("acceptReferral", "MoveReferralInput")
REJECT = move_document("rejectReferral", "ReasonedMoveInput")
START = move_document("startReferral", "MoveReferralInput")
COMPLETE = move_document("completeReferral", "CompleteReferralInput")
CANCEL = move_document("cancelReferral", "ReasonedMoveInput")
LIST = "query L($f: ReferralFilter) { referrals(filter: $f) { edges { node { id status } } } }"


def dost(api: Api) -> Api:
    return api.as_("social_worker", agency="DOST")


def receiver(api: Api, agency: str = "DSMF") -> Api:
    return api.as_("social_worker", agency=agency)


async def register(api: Api, **overrides: Any) -> dict[str, Any]:
    payload = (await dost(api).execute(REGISTER_PERSON, input=person_input(**overrides))).payload(
        "registerPerson"
    )
    assert payload["errors"] == []
    return payload["person"]  # type: ignore[no-any-return]


async def refer(api: Api, person_id: str, **overrides: Any) -> dict[str, Any]:
    values = {
        "personId": person_id,
        "toAgencyCode": "DSMF",
        "reason": "Needs targeted social assistance",
        "urgency": "ROUTINE",
        "idempotencyKey": uuid.uuid4().hex,
        **overrides,
    }
    return (await dost(api).execute(CREATE, input=values)).payload("createReferral")  # type: ignore[no-any-return]


async def test_rule_13_a_referral_brings_the_person_into_the_receivers_remit(api: Api) -> None:
    person = await register(api)
    assert (await receiver(api).execute(PERSON_BY_ID, id=person["id"])).ok()["person"] is None
    payload = await refer(api, person["id"])
    assert payload["errors"] == []
    assert payload["referral"]["status"] == "REQUESTED"
    assert (await receiver(api).execute(PERSON_BY_ID, id=person["id"])).ok()["person"]["fin"] == person["fin"]


async def test_rule_13_after_a_rejection_the_receiver_keeps_the_referral_but_not_the_person(api: Api) -> None:
    person = await register(api)
    referral = (await refer(api, person["id"]))["referral"]
    rejected = await receiver(api).execute(REJECT, input={"id": referral["id"], "reason": "Not our service"})
    assert rejected.payload("rejectReferral")["errors"] == []
    seen = await receiver(api).execute(
        f"query R($id: ID!) {{ referral(id: $id) {{ {FIELDS} }} }}", id=referral["id"]
    )
    assert seen.ok()["referral"]["status"] == "REJECTED"
    assert seen.ok()["referral"]["person"] is None
    assert (await receiver(api).execute(PERSON_BY_ID, id=person["id"])).ok()["person"] is None


async def test_the_moves_follow_the_states_and_each_is_in_the_history(api: Api) -> None:
    person = await register(api)
    referral_id = (await refer(api, person["id"]))["referral"]["id"]
    dsmf = receiver(api)
    assert (await dsmf.execute(ACCEPT, input={"id": referral_id})).payload("acceptReferral")["errors"] == []
    assert (await dsmf.execute(START, input={"id": referral_id})).payload("startReferral")["errors"] == []
    done = (await dsmf.execute(COMPLETE, input={"id": referral_id, "outcome": "Assistance granted"})).payload(
        "completeReferral"
    )
    assert done["errors"] == []
    assert done["referral"]["outcome"] == "Assistance granted"
    steps = [(h["fromStatus"], h["toStatus"], h["actorAgencyCode"]) for h in done["referral"]["history"]]
    assert steps == [
        (None, "REQUESTED", "DOST"),
        ("REQUESTED", "ACCEPTED", "DSMF"),
        ("ACCEPTED", "IN_PROGRESS", "DSMF"),
        ("IN_PROGRESS", "COMPLETED", "DSMF"),
    ]


async def test_an_invalid_move_is_invalid_transition_naming_the_current_state(api: Api) -> None:
    person = await register(api)
    referral_id = (await refer(api, person["id"]))["referral"]["id"]
    payload = (await receiver(api).execute(COMPLETE, input={"id": referral_id, "outcome": "x"})).payload(
        "completeReferral"
    )
    (error,) = payload["errors"]
    assert error["code"] == "INVALID_TRANSITION"
    assert "REQUESTED" in error["message"]


async def test_only_the_receiver_answers_and_only_the_sender_cancels(api: Api) -> None:
    person = await register(api)
    referral_id = (await refer(api, person["id"]))["referral"]["id"]
    by_sender = await dost(api).execute(ACCEPT, input={"id": referral_id})
    assert by_sender.errors[0]["extensions"]["code"] == "FORBIDDEN"
    by_receiver = await receiver(api).execute(CANCEL, input={"id": referral_id, "reason": "changed my mind"})
    assert by_receiver.errors[0]["extensions"]["code"] == "FORBIDDEN"
    cancelled = await dost(api).execute(CANCEL, input={"id": referral_id, "reason": "The family moved away"})
    assert cancelled.payload("cancelReferral")["referral"]["status"] == "CANCELLED"


async def test_a_rejection_without_a_reason_changes_nothing(api: Api) -> None:
    person = await register(api)
    referral_id = (await refer(api, person["id"]))["referral"]["id"]
    payload = (await receiver(api).execute(REJECT, input={"id": referral_id, "reason": "  "})).payload(
        "rejectReferral"
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("reason", "INVALID")]
    seen = await receiver(api).execute(
        f"query R($id: ID!) {{ referral(id: $id) {{ {FIELDS} }} }}", id=referral_id
    )
    assert seen.ok()["referral"]["status"] == "REQUESTED"


async def test_the_same_idempotency_key_returns_the_same_referral(api: Api, db: Database) -> None:
    person = await register(api)
    first = await refer(api, person["id"], idempotencyKey="dost-2026-0001")
    again = await refer(api, person["id"], idempotencyKey="dost-2026-0001")
    assert first["referral"]["id"] == again["referral"]["id"]
    async with db.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM referrals"))).scalar_one() == 1


async def test_the_same_key_sent_twice_at_once_makes_one_referral(api: Api, db: Database) -> None:
    person = await register(api)
    results = await asyncio.gather(*(refer(api, person["id"], idempotencyKey="racing-key") for _ in range(4)))
    assert len({r["referral"]["id"] for r in results}) == 1
    async with db.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM referrals"))).scalar_one() == 1


async def test_two_moves_at_once_one_wins_the_other_gets_conflict(api: Api, db: Database) -> None:
    person = await register(api)
    referral_id = (await refer(api, person["id"]))["referral"]["id"]
    from strawberry import relay

    raw_id = relay.GlobalID.from_id(referral_id).node_id
    async with db.transaction() as holder:  # another move holding the referral's lock
        await holder.execute(text("SELECT 1 FROM referrals WHERE id = :id FOR UPDATE"), {"id": raw_id})
        blocked = await receiver(api).execute(ACCEPT, input={"id": referral_id})
    assert [e["code"] for e in blocked.payload("acceptReferral")["errors"]] == ["CONFLICT"]
    outcomes = await asyncio.gather(
        receiver(api).execute(ACCEPT, input={"id": referral_id}),
        receiver(api).execute(ACCEPT, input={"id": referral_id}),
    )
    payloads = [o.payload("acceptReferral") for o in outcomes]
    assert sum(1 for p in payloads if p["errors"] == []) == 1
    assert {p["errors"][0]["code"] for p in payloads if p["errors"]} <= {"CONFLICT", "INVALID_TRANSITION"}


async def test_rule_2_a_non_state_body_needs_the_persons_consent(api: Api) -> None:
    person = await register(api)
    refused = await refer(api, person["id"], toAgencyCode="NGO-QADIN")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("consentId", "CONSENT_REQUIRED")]
    consent = await dost(api).execute(
        "mutation($i: RecordConsentInput!) { recordConsent(input: $i) { errors { code } } }",
        i={
            "personId": person["id"],
            "agencyCode": "NGO-QADIN",
            "purpose": "shelter",
            "validUntil": "2099-01-01",
        },
    )
    assert consent.payload("recordConsent")["errors"] == []
    accepted = await refer(api, person["id"], toAgencyCode="NGO-QADIN")
    assert accepted["errors"] == []
    assert accepted["referral"]["flaggedForReview"] is False


async def test_rule_2_an_emergency_to_a_non_state_body_goes_without_consent_and_is_flagged(api: Api) -> None:
    person = await register(api)
    payload = await refer(api, person["id"], toAgencyCode="NGO-QADIN", urgency="EMERGENCY")
    assert payload["errors"] == []
    assert payload["referral"]["flaggedForReview"] is True


async def test_rule_12_an_emergency_is_due_within_two_hours(api: Api) -> None:
    person = await register(api)
    before = clock.now()
    payload = await refer(api, person["id"], urgency="EMERGENCY")
    from datetime import datetime

    due = datetime.fromisoformat(payload["referral"]["dueAt"])
    assert before + timedelta(hours=2) <= due <= clock.now() + timedelta(hours=2)


async def test_rule_10_a_protected_person_is_referred_to_sxa_under_its_pseudonym(api: Api) -> None:
    victim = await register(api, protected=True, lastName="Qurbanova")
    payload = await refer(api, victim["id"], toAgencyCode="SXA", urgency="URGENT")
    referral_id = payload["referral"]["id"]
    seen = await api.as_("case_manager", agency="SXA").execute(
        f"query R($id: ID!) {{ referral(id: $id) {{ {FIELDS} }} }}", id=referral_id
    )
    person = seen.ok()["referral"]["person"]
    assert person["pseudonym"] is not None
    assert person["fin"] is None
    assert victim["fin"] not in json.dumps(seen.body)
    assert "Qurbanova" not in json.dumps(seen.body, ensure_ascii=False)


async def test_an_agency_lists_its_incoming_and_outgoing_referrals_only(api: Api) -> None:
    person = await register(api)
    await refer(api, person["id"])
    incoming = await receiver(api).execute(LIST, f={"direction": "INCOMING"})
    outgoing = await dost(api).execute(LIST, f={"direction": "OUTGOING"})
    other = await receiver(api, "DMX").execute(LIST, f=None)
    assert len(incoming.ok()["referrals"]["edges"]) == 1
    assert len(outgoing.ok()["referrals"]["edges"]) == 1
    assert other.ok()["referrals"]["edges"] == []


async def test_the_next_page_of_referrals_continues_where_the_last_ended(api: Api) -> None:
    person = await register(api)
    made = {(await refer(api, person["id"]))["referral"]["id"] for _ in range(3)}
    page = "query P($a: String) { referrals(first: 2, after: $a) { edges { cursor node { id } } } }"
    first = (await dost(api).execute(page, a=None)).ok()["referrals"]["edges"]
    rest = (await dost(api).execute(page, a=first[-1]["cursor"])).ok()["referrals"]["edges"]
    assert len(first) == 2
    assert {edge["node"]["id"] for edge in first + rest} == made


async def test_a_cursor_this_api_did_not_give_is_refused(api: Api) -> None:
    page = "query P($a: String) { referrals(first: 2, after: $a) { edges { node { id } } } }"
    result = await dost(api).execute(page, a="bm90IGEgY3Vyc29y")
    extensions = result.errors[0]["extensions"]
    assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "after")


async def test_each_move_notifies_the_referral_stream_on_commit(api: Api, database_url: str) -> None:
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(plain_url(database_url))
    await listener.add_listener("sxvis_referrals", lambda *args: heard.put_nowait(args[-1]))
    try:
        person = await register(api)
        referral_id = (await refer(api, person["id"]))["referral"]["id"]
        await receiver(api).execute(ACCEPT, input={"id": referral_id})
        events = [json.loads(await asyncio.wait_for(heard.get(), timeout=2)) for _ in range(2)]
    finally:
        await listener.close()
    assert [(e["status"], e["to_agency"]) for e in events] == [("REQUESTED", "DSMF"), ("ACCEPTED", "DSMF")]


@pytest.mark.parametrize("move", ["create", "accept"])
async def test_every_step_writes_an_access_event(api: Api, db: Database, move: str) -> None:
    person = await register(api)
    referral_id = (await refer(api, person["id"]))["referral"]["id"]
    if move == "accept":
        await receiver(api).execute(ACCEPT, input={"id": referral_id})
    async with db.transaction() as session:
        actions = set(
            (
                await session.execute(text("SELECT action FROM access_events WHERE entity_type = 'referral'"))
            ).scalars()
        )
    assert f"referral:{move}" in actions
