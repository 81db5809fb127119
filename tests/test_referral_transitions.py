"""The referral's moves as a table: every state × every move × the sender, the receiver and a third agency,
allowed exactly where DESIGN.md ("Referrals and cases") says, and the races between moves.

The design: REQUESTED → ACCEPTED | REJECTED | CANCELLED; ACCEPTED → IN_PROGRESS → COMPLETED | FAILED.
The sender may cancel; the receiver accepts, rejects, starts, completes and fails. A third agency does
not see the referral at all, so any move of its is NOT_FOUND. The expected table is written here from
that text, not read from the service's own table, so the two can disagree.
"""

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from strawberry import relay

from sxvis.database import Database
from tests.conftest import Api
from tests.test_referrals import ACCEPT, CANCEL, move_document, refer, register

STATES = ["REQUESTED", "ACCEPTED", "IN_PROGRESS", "COMPLETED", "FAILED", "REJECTED", "CANCELLED"]
SENDER, RECEIVER, THIRD = "DOST", "DSMF", "DMX"

DESIGN: dict[str, tuple[str, set[str], str]] = {
    # move: (who may make it, from which states, to which state)
    "accept": (RECEIVER, {"REQUESTED"}, "ACCEPTED"),
    "reject": (RECEIVER, {"REQUESTED"}, "REJECTED"),
    "cancel": (SENDER, {"REQUESTED"}, "CANCELLED"),
    "start": (RECEIVER, {"ACCEPTED"}, "IN_PROGRESS"),
    "complete": (RECEIVER, {"IN_PROGRESS"}, "COMPLETED"),
    "fail": (RECEIVER, {"IN_PROGRESS"}, "FAILED"),
}
DOCUMENTS = {
    "accept": ("acceptReferral", move_document("acceptReferral", "MoveReferralInput"), {}),
    "reject": (
        "rejectReferral",
        move_document("rejectReferral", "ReasonedMoveInput"),
        {"reason": "No place"},
    ),
    "cancel": ("cancelReferral", move_document("cancelReferral", "ReasonedMoveInput"), {"reason": "Moved"}),
    "start": ("startReferral", move_document("startReferral", "MoveReferralInput"), {}),
    "complete": (
        "completeReferral",
        move_document("completeReferral", "CompleteReferralInput"),
        {"outcome": "Service delivered"},
    ),
    "fail": ("failReferral", move_document("failReferral", "ReasonedMoveInput"), {"reason": "Did not come"}),
}


async def referral_in(api: Api, db: Database, state: str) -> str:
    """A referral from DOST to DSMF, put straight into `state` (the moves that lead there are tested
    elsewhere; here only the move out of it matters)."""
    person = await register(api)
    referral_id: str = (await refer(api, person["id"]))["referral"]["id"]
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE referrals SET status = CAST(:s AS referral_status) WHERE id = :id"),
            {"s": state, "id": uuid.UUID(relay.GlobalID.from_id(referral_id).node_id)},
        )
    return referral_id


async def state_and_moves(db: Database, referral_id: str) -> tuple[str, int]:
    raw = uuid.UUID(relay.GlobalID.from_id(referral_id).node_id)
    async with db.transaction() as session:
        status = await session.scalar(text("SELECT status::text FROM referrals WHERE id = :id"), {"id": raw})
        moves = await session.scalar(
            text("SELECT count(*) FROM referral_history WHERE referral_id = :id"), {"id": raw}
        )
    return str(status), int(moves or 0)


@pytest.mark.parametrize("agency", [SENDER, RECEIVER, THIRD])
@pytest.mark.parametrize("move", sorted(DESIGN))
@pytest.mark.parametrize("state", STATES)
async def test_a_move_is_allowed_exactly_where_the_design_says(
    api: Api, db: Database, state: str, move: str, agency: str
) -> None:
    referral_id = await referral_in(api, db, state)
    before = await state_and_moves(db, referral_id)
    name, document, extra = DOCUMENTS[move]
    who, from_states, to_state = DESIGN[move]

    result = await api.as_("social_worker", agency=agency).execute(
        document, input={"id": referral_id, **extra}
    )

    after = await state_and_moves(db, referral_id)
    if agency == who and state in from_states:
        assert result.payload(name)["errors"] == []
        assert after == (to_state, before[1] + 1)
        return
    if agency == THIRD:  # not its referral: it does not learn that the referral exists
        assert [error["code"] for error in result.payload(name)["errors"]] == ["NOT_FOUND"]
    elif agency != who:
        assert [error["extensions"]["code"] for error in result.errors] == ["FORBIDDEN"]
    else:
        assert [error["code"] for error in result.payload(name)["errors"]] == ["INVALID_TRANSITION"]
    assert after == before


async def history_of(db: Database, referral_id: str) -> list[str]:
    raw = uuid.UUID(relay.GlobalID.from_id(referral_id).node_id)
    async with db.transaction() as session:
        rows = await session.scalars(
            text("SELECT to_status::text FROM referral_history WHERE referral_id = :id ORDER BY id"),
            {"id": raw},
        )
        return list(rows)


def winners(results: list[Any], names: list[str]) -> int:
    return sum(1 for result, name in zip(results, names, strict=True) if result.payload(name)["errors"] == [])


async def test_two_accepts_at_once_one_wins_and_the_history_shows_one_move(api: Api, db: Database) -> None:
    person = await register(api)
    referral_id = (await refer(api, person["id"]))["referral"]["id"]
    receiver = api.as_("social_worker", agency=RECEIVER)

    results = await asyncio.gather(*(receiver.execute(ACCEPT, input={"id": referral_id}) for _ in range(2)))

    assert winners(list(results), ["acceptReferral"] * 2) == 1
    assert await history_of(db, referral_id) == ["REQUESTED", "ACCEPTED"]


async def test_an_accept_against_a_cancel_one_wins_and_the_history_shows_one_move(
    api: Api, db: Database
) -> None:
    person = await register(api)
    referral_id = (await refer(api, person["id"]))["referral"]["id"]

    results = await asyncio.gather(
        api.as_("social_worker", agency=RECEIVER).execute(ACCEPT, input={"id": referral_id}),
        api.as_("social_worker", agency=SENDER).execute(CANCEL, input={"id": referral_id, "reason": "Moved"}),
    )

    assert winners(list(results), ["acceptReferral", "cancelReferral"]) == 1
    history = await history_of(db, referral_id)
    assert history[0] == "REQUESTED"
    assert history[1:] in (["ACCEPTED"], ["CANCELLED"])
