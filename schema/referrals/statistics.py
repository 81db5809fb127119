"""`referralStatistics`: aggregate figures about referrals, with small counts suppressed.

No field here is personal: counts, shares and times over sets of referrals. A count below five is
`null` with `suppressed: true` (and so are counts from which a small one could be worked out), so that
nobody can be singled out. Needs `referral:statistics`; each reading is logged as an aggregate read.
"""

from datetime import date

import strawberry
from strawberry.types import Info

from resolvers import statistics as resolve
from resolvers.context import Context
from schema.errors import answer
from schema.vocabulary import renamed
from sxvis import suppression
from sxvis.referrals import statistics


@strawberry.input(description="Which referrals to count; every field is optional.")
class ReferralStatisticsFilter:
    from_: date | None = strawberry.field(
        default=None, name="from", description="Created on or after this day (Baku time)."
    )
    to: date | None = strawberry.field(default=None, description="Created on or before this day (Baku time).")
    region_code: str | None = strawberry.field(
        default=None, description="The receiving agency's region, e.g. AZ-01."
    )
    region: str | None = strawberry.field(
        default=None,
        description="The receiving agency's region, e.g. AZ-01.",
        deprecation_reason=renamed("regionCode"),
    )
    agency_code: str | None = strawberry.field(default=None, description="Sent or received by this agency.")


@strawberry.type(description="A count, or null when it is below five (or would reveal one that is).")
class SuppressibleCount:
    value: int | None
    suppressed: bool


@strawberry.type(
    description="A count of the referrals with one value of a dimension (an urgency, a status…)."
)
class StatisticsBucket:
    key: str
    count: int | None
    suppressed: bool


@strawberry.type(description="A figure over a set of referrals; null when the set has fewer than five.")
class SuppressibleFigure:
    value: float | None
    suppressed: bool


@strawberry.type(description="Referral figures for a period, a region or an agency; no personal data.")
class ReferralStatistics:
    total: SuppressibleCount
    by_urgency: list[StatisticsBucket]
    by_status: list[StatisticsBucket] = strawberry.field(description="By current status.")
    by_outcome: list[StatisticsBucket] = strawberry.field(
        description="How they ended: COMPLETED, FAILED, REJECTED, CANCELLED, or OPEN (not yet)."
    )
    answered: SuppressibleCount = strawberry.field(
        description="Answered (accepted or rejected) by the receiver."
    )
    median_response_seconds: SuppressibleFigure = strawberry.field(
        description="Median time from creation to the receiver's first answer."
    )
    p90_response_seconds: SuppressibleFigure = strawberry.field(
        description="90th percentile of the time from creation to the receiver's first answer."
    )
    answered_within_deadline: SuppressibleFigure = strawberry.field(
        description="Share (0 to 1) of the referrals due an answer (answered, or past their deadline "
        "unanswered) that were answered by their deadline."
    )
    overdue: SuppressibleCount = strawberry.field(description="Still unanswered after their deadline.")
    overdue_by_urgency: list[StatisticsBucket]


def _count(c: suppression.Count) -> SuppressibleCount:
    return SuppressibleCount(value=c.value, suppressed=c.suppressed)


def _figure(f: suppression.Figure) -> SuppressibleFigure:
    return SuppressibleFigure(value=f.value, suppressed=f.suppressed)


def _buckets(found: list[suppression.Bucket]) -> list[StatisticsBucket]:
    return [StatisticsBucket(key=b.key, count=b.count.value, suppressed=b.count.suppressed) for b in found]


def statistics_of(s: statistics.ReferralStatistics) -> ReferralStatistics:
    return ReferralStatistics(
        total=_count(s.total),
        by_urgency=_buckets(s.by_urgency),
        by_status=_buckets(s.by_status),
        by_outcome=_buckets(s.by_outcome),
        answered=_count(s.answered),
        median_response_seconds=_figure(s.median_response_seconds),
        p90_response_seconds=_figure(s.p90_response_seconds),
        answered_within_deadline=_figure(s.answered_within_deadline),
        overdue=_count(s.overdue),
        overdue_by_urgency=_buckets(s.overdue_by_urgency),
    )


@strawberry.type
class StatisticsQuery:
    @strawberry.field(
        description="Referrals by urgency, status and outcome, response times and deadlines, over every "
        "agency (needs referral:statistics: auditors, agency admins, registry-wide agencies)."
    )
    async def referral_statistics(
        self, info: Info[Context, None], filter: ReferralStatisticsFilter | None = None
    ) -> ReferralStatistics:
        given = filter or ReferralStatisticsFilter()

        async def work() -> ReferralStatistics:
            domain = statistics.StatisticsFilter(
                start=given.from_,
                end=given.to,
                region=(given.region_code if given.region_code is not None else given.region or "").strip()
                or None,
                agency_code=(given.agency_code or "").strip() or None,
            )
            return statistics_of(await resolve.referral_statistics(info.context, filter=domain))

        return await answer(work)
