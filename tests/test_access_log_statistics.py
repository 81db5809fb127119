"""The access log's small additions for the console: `accessLog` filtered by the declared purpose,
`accessLogStatistics` (counts by day and outcome, aggregated in SQL, the question logged) and
`auditChainStatus` (the chain as `sxvis audit verify` finds it, at most a minute old)."""

from datetime import timedelta

from sqlalchemy import text

from sxvis import clock
from sxvis.audit.statistics import READ
from sxvis.database import Database
from tests.conftest import Api
from tests.test_access_log_api import ACCESS_LOG, auditor, log, nodes, register, unique

STATISTICS = """
query S($from: Date!, $to: Date!) { accessLogStatistics(from: $from, to: $to) { day allowed denied failed } }
"""
CHAIN = (
    "query C { auditChainStatus { intact eventsChecked headEventId headHash waiting brokenAt checkedAt } }"
)


async def test_the_access_log_is_filtered_by_the_purpose_the_caller_declared(api: Api) -> None:
    user = unique("worker")
    worker = api.as_("case_manager", agency="SXA", user=user)
    await register(worker)
    emergency = api.as_("case_manager", agency="SXA", user=user, headers={"X-Purpose-Of-Use": "EMERGENCY"})
    await register(emergency)
    reader = auditor(api)
    found = nodes(await log(reader, filter={"actorUserId": user, "purpose": "EMERGENCY"}))
    assert [event["purpose"] for event in found] == ["EMERGENCY"]
    managed = nodes(await log(reader, filter={"actorUserId": user, "purpose": "CASE_MANAGEMENT"}))
    assert {event["purpose"] for event in managed} == {"CASE_MANAGEMENT"}


async def test_statistics_count_each_days_accesses_by_outcome_and_the_question_is_logged(
    api: Api, db: Database
) -> None:
    reader = auditor(api)
    today = clock.today()
    first = today - timedelta(days=2)
    before = (await reader.execute(STATISTICS, **{"from": first.isoformat(), "to": today.isoformat()})).ok()
    refused = await api.as_("social_worker", agency="SXA", user=unique("curious")).execute(ACCESS_LOG)
    assert refused.errors
    after = (await reader.execute(STATISTICS, **{"from": first.isoformat(), "to": today.isoformat()})).ok()
    days = after["accessLogStatistics"]
    assert [day["day"] for day in days] == [(first + timedelta(days=n)).isoformat() for n in range(3)]
    assert days[-1]["denied"] == before["accessLogStatistics"][-1]["denied"] + 1
    async with db.transaction() as session:
        logged = await session.scalar(
            text(
                "SELECT count(*) FROM access_events WHERE actor_user = :user"
                " AND action = 'access_log:read' AND entity_type = 'access_log_statistics'"
            ),
            {"user": reader.user},
        )
    assert logged == 2


async def test_statistics_refuse_a_window_longer_than_a_year(api: Api) -> None:
    result = await auditor(api).execute(STATISTICS, **{"from": "2025-01-01", "to": "2026-06-01"})
    assert result.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_chain_status_answers_as_verify_does_and_is_forbidden_without_the_log(api: Api) -> None:
    status = (await auditor(api).execute(CHAIN)).ok()["auditChainStatus"]
    assert status["intact"] is True
    assert status["brokenAt"] is None
    assert len(status["headHash"]) == 64
    again = (await auditor(api).execute(CHAIN)).ok()["auditChainStatus"]
    assert again["checkedAt"] == status["checkedAt"]  # a second ask within the minute reuses the check
    refused = await api.as_("social_worker", agency="SXA").execute(CHAIN)
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_stale_chain_status_is_answered_at_once_and_refreshed_in_the_background(db: Database) -> None:
    import asyncio

    from sxvis.actors import Actor
    from sxvis.audit import statistics

    reader = Actor(
        user_id=unique("auditor"),
        agency_code="EESMN",
        roles=frozenset({"auditor"}),
        permissions=frozenset({READ}),
    )
    async with db.transaction() as session:
        first = await statistics.chain_status(db, session, reader, ttl=0)
        stale = await statistics.chain_status(db, session, reader, ttl=0)
    assert stale.checked_at == first.checked_at  # answered from the last check, not waiting for a new one
    for _ in range(100):
        if statistics._cache[db].checked_at > first.checked_at:
            break
        await asyncio.sleep(0.05)
    async with db.transaction() as session:
        fresh = await statistics.chain_status(db, session, reader)
    assert fresh.checked_at > first.checked_at
    assert fresh.result.intact
