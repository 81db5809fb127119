"""Referral statistics (issue 6, item 10): the figures on a known set, small counts suppressed, nothing
personal, and only for those the policy names.

Rules named where a test proves one (../shared/domain/README.md): rule 13 (agencies get access to the
centralised database each within its remit, Strategy 8.2.3: figures over every agency carry no person,
and a count small enough to point at someone is not shown), rule 12 (urgent cases need an immediate
response, Strategy 8.4.5: the share answered within the deadline is what shows it).
"""

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from strawberry import relay

from sxvis import clock
from sxvis.database import Database
from sxvis.suppression import buckets
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

RECEIVER = "DOST-BAKI-1"  # region AZ-01
ELSEWHERE = "DOST-GENCE"  # region AZ-04
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=clock.BAKU)  # a Monday morning
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}

STATISTICS = """
query S($f: ReferralStatisticsFilter) {
  referralStatistics(filter: $f) {
    total { value suppressed }
    byUrgency { key count suppressed }
    byStatus { key count suppressed }
    byOutcome { key count suppressed }
    answered { value suppressed }
    medianResponseSeconds { value suppressed }
    p90ResponseSeconds { value suppressed }
    answeredWithinDeadline { value suppressed }
    overdue { value suppressed }
    overdueByUrgency { key count suppressed }
  }
}
"""

# The known set, all sent by SXA to DOST-BAKI-1 at T0, due five hours later:
# (urgency, final status, hours until the receiver's first answer, or None if unanswered).
ANSWERED = [
    ("ROUTINE", "COMPLETED", 1),
    ("ROUTINE", "COMPLETED", 2),
    ("ROUTINE", "REJECTED", 3),
    ("URGENT", "COMPLETED", 4),
    ("URGENT", "COMPLETED", 5),
    ("URGENT", "COMPLETED", 6),
    ("URGENT", "FAILED", 7),
    ("URGENT", "IN_PROGRESS", 8),
]
UNANSWERED = [("ROUTINE", "REQUESTED", None)] * 5


async def insert(
    db: Database, person_id: str, urgency: str, status: str, answer_hours: int | None, *, to: str = RECEIVER
) -> None:
    referral_id = uuid.uuid4()
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO referrals (id, person_id, from_agency, to_agency, reason, urgency, status,"
                " idempotency_key, due_at, created_by, created_at)"
                " VALUES (:id, :person, 'SXA', :to, 'statistics fixture', CAST(:urgency AS referral_urgency),"
                " CAST(:status AS referral_status), :key, :due, 'fixture@SXA', :created)"
            ),
            {
                "id": referral_id,
                "person": person_id,
                "to": to,
                "urgency": urgency,
                "status": status,
                "key": uuid.uuid4().hex,
                "due": T0 + timedelta(hours=5),
                "created": T0,
            },
        )
        moves = [(None, "REQUESTED", "SXA", T0)]
        if answer_hours is not None:
            first = "REJECTED" if status == "REJECTED" else "ACCEPTED"
            moves.append(("REQUESTED", first, to, T0 + timedelta(hours=answer_hours)))
        for before, after, agency, at in moves:
            await session.execute(
                text(
                    "INSERT INTO referral_history (referral_id, from_status, to_status, actor_user,"
                    " actor_agency, at) VALUES (:r, CAST(:b AS referral_status), CAST(:a AS referral_status),"
                    " 'fixture', :agency, :at)"
                ),
                {"r": referral_id, "b": before, "a": after, "agency": agency, "at": at},
            )


@pytest.fixture
async def known_set(api: Api, db: Database) -> dict[str, Any]:
    """The thirteen referrals above, one more to another region, one more in another month."""
    registered = (await api.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")
    person = registered["person"]
    person["uuid"] = relay.GlobalID.from_id(person["id"]).node_id
    for urgency, status, hours in ANSWERED + UNANSWERED:
        await insert(db, person["uuid"], urgency, status, hours)
    await insert(db, person["uuid"], "EMERGENCY", "ACCEPTED", 1, to=ELSEWHERE)
    async with db.transaction() as session:  # one in April, outside the period asked for
        await session.execute(
            text(
                "UPDATE referrals SET created_at = created_at + interval '40 days' WHERE id = ("
                "SELECT id FROM referrals WHERE to_agency = :to LIMIT 1)"
            ),
            {"to": ELSEWHERE},
        )
    await insert(db, person["uuid"], "EMERGENCY", "ACCEPTED", 1, to=ELSEWHERE)
    return person  # type: ignore[no-any-return]


def auditor(api: Api) -> Api:
    return api.as_("auditor", agency="VXSIDA", user="auditor-stats")


def by_key(found: list[dict[str, Any]]) -> dict[str, int | None]:
    return {b["key"]: b["count"] for b in found}


async def test_the_counts_of_a_known_set_are_right(api: Api, known_set: dict[str, Any]) -> None:
    result = await auditor(api).execute(STATISTICS, f={**MARCH, "region": "AZ-01"})
    stats = result.ok()["referralStatistics"]
    assert stats["total"] == {"value": 13, "suppressed": False}
    assert by_key(stats["byUrgency"]) == {"ROUTINE": 8, "URGENT": 5, "EMERGENCY": None}
    assert stats["answered"] == {"value": 8, "suppressed": False}
    assert stats["overdue"] == {"value": 5, "suppressed": False}
    assert by_key(stats["overdueByUrgency"]) == {"ROUTINE": 5, "URGENT": None, "EMERGENCY": None}


async def test_rule_12_response_times_and_the_share_answered_in_time_are_right(
    api: Api, known_set: dict[str, Any]
) -> None:
    stats = (await auditor(api).execute(STATISTICS, f={**MARCH, "region": "AZ-01"})).ok()[
        "referralStatistics"
    ]
    # Answers after 1..8 hours: median 4.5 h; p90 (interpolated) 7.3 h.
    assert stats["medianResponseSeconds"] == {"value": pytest.approx(4.5 * 3600), "suppressed": False}
    assert stats["p90ResponseSeconds"] == {"value": pytest.approx(7.3 * 3600), "suppressed": False}
    # Due an answer: the 8 answered and the 5 left past their deadline; in time: answers within 5 hours.
    assert stats["answeredWithinDeadline"] == {"value": pytest.approx(5 / 13), "suppressed": False}


async def test_rule_13_counts_below_five_are_suppressed_and_cannot_be_worked_back(
    api: Api, known_set: dict[str, Any]
) -> None:
    stats = (await auditor(api).execute(STATISTICS, f={**MARCH, "region": "AZ-01"})).ok()[
        "referralStatistics"
    ]
    # Statuses: REQUESTED 5, COMPLETED 5, and 1 each REJECTED, FAILED, IN_PROGRESS. The three ones add
    # up to 3, which 13 - 5 - 5 would reveal: COMPLETED (the smaller key of the tie) is hidden too.
    assert by_key(stats["byStatus"]) == {
        "REQUESTED": 5,
        "ACCEPTED": None,
        "REJECTED": None,
        "CANCELLED": None,
        "IN_PROGRESS": None,
        "COMPLETED": None,
        "FAILED": None,
    }
    assert all(b["suppressed"] is (b["count"] is None) for b in stats["byStatus"])
    # Outcomes: OPEN 6 (5 requested, 1 in progress), COMPLETED 5, FAILED 1, REJECTED 1.
    assert by_key(stats["byOutcome"]) == {
        "OPEN": 6,
        "COMPLETED": None,
        "FAILED": None,
        "REJECTED": None,
        "CANCELLED": None,
    }


async def test_rule_13_a_slice_with_fewer_than_five_referrals_shows_nothing_but_suppression(
    api: Api, known_set: dict[str, Any]
) -> None:
    stats = (await auditor(api).execute(STATISTICS, f={**MARCH, "region": "AZ-04"})).ok()[
        "referralStatistics"
    ]
    assert stats["total"] == {"value": None, "suppressed": True}
    assert {b["count"] for b in stats["byUrgency"] + stats["byStatus"] + stats["byOutcome"]} == {None}
    for figure in ("medianResponseSeconds", "p90ResponseSeconds", "answeredWithinDeadline"):
        assert stats[figure] == {"value": None, "suppressed": True}


def test_secondary_suppression_hides_the_smallest_shown_count_while_a_small_one_could_be_derived() -> None:
    found = buckets(["A", "B", "C"], {"A": 9, "B": 6, "C": 2}, 17)
    assert [(b.key, b.count.value) for b in found] == [("A", 9), ("B", None), ("C", None)]


async def test_rule_13_no_personal_data_leaves_and_the_read_is_logged_as_an_aggregate(
    api: Api, db: Database, known_set: dict[str, Any]
) -> None:
    result = await auditor(api).execute(STATISTICS, f=MARCH)
    body = json.dumps(result.body, ensure_ascii=False)
    assert known_set["fin"] not in body
    assert known_set["id"] not in body
    assert known_set["uuid"] not in body
    assert known_set["lastName"] not in body
    async with db.transaction() as session:
        event = (
            await session.execute(
                text(
                    "SELECT person_id, person_ids, details FROM access_events"
                    " WHERE action = 'referral:statistics' AND actor_user = 'auditor-stats'"
                    " ORDER BY id DESC LIMIT 1"
                )
            )
        ).one()
    assert event.person_id is None
    assert event.person_ids == []
    assert event.details["from"] == "2025-03-01"


@pytest.mark.parametrize(
    ("role", "agency"),
    [("auditor", "VXSIDA"), ("agency_admin", "DOST"), ("social_worker", "SXA"), ("partner_agency", "EESMN")],
)
async def test_the_policy_lets_auditors_agency_admins_and_registry_wide_agencies_read_them(
    api: Api, known_set: dict[str, Any], role: str, agency: str
) -> None:
    result = await api.as_(role, agency=agency).execute(STATISTICS, f=MARCH)
    # Every agency's referrals, not only the caller's: 13 to Baku and 1 to Ganja in March.
    assert result.ok()["referralStatistics"]["total"] == {"value": 14, "suppressed": False}


async def test_rule_13_a_social_worker_of_an_agency_without_the_registry_wide_grant_is_forbidden(
    api: Api, db: Database
) -> None:
    result = await api.as_("social_worker", agency="DOST").execute(STATISTICS, f=MARCH)
    assert result.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert result.data.get("referralStatistics") is None
