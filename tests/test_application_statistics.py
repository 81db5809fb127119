"""`serviceStatistics` (issue 16 item 8): the Strategy's indicators aggregated in SQL over every agency,
no personal data, counts below five suppressed as `referralStatistics` does, each reading logged."""

from sqlalchemy import text

from sxvis.database import Database
from tests.applications_support import ASSESS, DECIDE, HOME_CARE, VOUCHERS, register, submitted
from tests.conftest import Api

STATISTICS = """
query S($filter: ServiceStatisticsFilter) {
  serviceStatistics(filter: $filter) {
    applications { value suppressed }
    byService { key count suppressed }
    byOutcome { key count suppressed }
    decided { value suppressed }
    decidedWithinDeadline { value suppressed }
    medianDaysToDecision { value suppressed }
    waiting { value suppressed }
    queues { key count suppressed }
  }
}
"""


async def test_figures_count_every_agency_and_suppress_small_counts(api: Api, db: Database) -> None:
    # The access log is append-only and outlives each test's registry: count this test's events only.
    async with db.transaction() as session:
        before = (await session.execute(text("SELECT coalesce(max(id), 0) FROM access_events"))).scalar_one()
    for _ in range(6):
        person = await register(api)
        application = await submitted(api, personId=person["id"], serviceCode=HOME_CARE)
        await api.execute(ASSESS, input={"id": application["id"], "need": "help"})
        refused = await api.execute(
            DECIDE, input={"id": application["id"], "decision": "REFUSE", "ground": "NO_LEGAL_BASIS"}
        )
        assert refused.payload("decideApplication")["errors"] == []
    for _ in range(2):
        person = await register(api)
        await submitted(api, personId=person["id"], serviceCode=VOUCHERS, kind="REST")

    figures = (await api.as_("auditor").execute(STATISTICS)).ok()["serviceStatistics"]
    by_service = {b["key"]: (b["count"], b["suppressed"]) for b in figures["byService"]}
    by_outcome = {b["key"]: (b["count"], b["suppressed"]) for b in figures["byOutcome"]}
    assert figures["applications"] == {"value": 8, "suppressed": False}
    assert by_service == {HOME_CARE: (None, True), VOUCHERS: (None, True)}  # 2 would give away 6 (8 - 6)
    assert by_outcome["REFUSED"] == (None, True)
    assert figures["decided"] == {"value": 6, "suppressed": False}
    assert figures["decidedWithinDeadline"] == {"value": 1.0, "suppressed": False}
    assert figures["medianDaysToDecision"]["suppressed"] is False
    assert figures["waiting"] == {"value": None, "suppressed": True}

    only_home_care = (await api.as_("auditor").execute(STATISTICS, filter={"serviceCode": HOME_CARE})).ok()
    assert only_home_care["serviceStatistics"]["applications"] == {"value": 6, "suppressed": False}

    async with db.transaction() as session:
        logged = (
            await session.execute(
                text(
                    "SELECT count(*) FROM access_events WHERE action = 'application:statistics'"
                    " AND id > :before"
                ),
                {"before": before},
            )
        ).scalar_one()
    assert logged == 2


async def test_a_social_worker_of_a_centre_may_not_read_the_statistics(api: Api) -> None:
    result = await api.as_("social_worker", agency="DOST").execute(STATISTICS)
    assert result.errors[0]["extensions"]["code"] == "FORBIDDEN"
