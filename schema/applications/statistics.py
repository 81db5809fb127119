"""`serviceStatistics`: the Strategy's indicators over applications and the registry, aggregated in SQL,
small counts suppressed as in `referralStatistics`. Needs `application:statistics`; logged."""

from datetime import date

import strawberry
from strawberry.types import Info

from resolvers import applications as resolve
from resolvers.context import Context
from schema.errors import answer
from schema.referrals.statistics import (
    StatisticsBucket,
    SuppressibleCount,
    SuppressibleFigure,
    _buckets,
    _count,
    _figure,
)
from sxvis.applications import statistics


@strawberry.input(description="Which applications (and persons) to count; every field is optional.")
class ServiceStatisticsFilter:
    from_: date | None = strawberry.field(
        default=None, name="from", description="Submitted on or after (Baku)."
    )
    to: date | None = strawberry.field(default=None, description="Submitted on or before (Baku).")
    region: str | None = strawberry.field(
        default=None, description="The handling agency's region (for persons: their own), e.g. AZ-01."
    )
    agency_code: str | None = strawberry.field(default=None, description="Handled by this agency.")
    service_code: str | None = None


@strawberry.type(description="Figures for the Strategy's indicators; no personal data.")
class ServiceStatistics:
    persons: SuppressibleCount = strawberry.field(description="Persons with a circumstance in force.")
    persons_by_category: list[StatisticsBucket] = strawberry.field(
        description="By circumstance (a person may be in several)."
    )
    persons_by_region: list[StatisticsBucket]
    applications: SuppressibleCount
    by_service: list[StatisticsBucket]
    by_channel: list[StatisticsBucket]
    by_outcome: list[StatisticsBucket] = strawberry.field(
        description="OPEN (submitted or assessed), APPROVED, WAITING, ALLOCATED, REFUSED, WITHDRAWN."
    )
    decided: SuppressibleCount
    decided_within_deadline: SuppressibleFigure = strawberry.field(
        description="Share (0 to 1) of the decided applications with a passport deadline decided by it."
    )
    median_days_to_decision: SuppressibleFigure
    waiting: SuppressibleCount = strawberry.field(description="Waiting in a queue now.")
    queues: list[StatisticsBucket] = strawberry.field(description="Queue lengths now, by service:kind.")
    median_waiting_days: SuppressibleFigure = strawberry.field(
        description="Median days from joining a queue to being served."
    )


def statistics_of(s: statistics.ServiceStatistics) -> ServiceStatistics:
    return ServiceStatistics(
        persons=_count(s.persons),
        persons_by_category=_buckets(s.persons_by_category),
        persons_by_region=_buckets(s.persons_by_region),
        applications=_count(s.applications),
        by_service=_buckets(s.by_service),
        by_channel=_buckets(s.by_channel),
        by_outcome=_buckets(s.by_outcome),
        decided=_count(s.decided),
        decided_within_deadline=_figure(s.decided_within_deadline),
        median_days_to_decision=_figure(s.median_days_to_decision),
        waiting=_count(s.waiting),
        queues=_buckets(s.queues),
        median_waiting_days=_figure(s.median_waiting_days),
    )


@strawberry.type
class ServiceStatisticsQuery:
    @strawberry.field(
        description="Persons by category and region; applications by service, channel and outcome; the "
        "share decided within the passport's deadline; median days to a decision; queue lengths and "
        "waiting times. Over every agency; counts below five suppressed (needs application:statistics)."
    )
    async def service_statistics(
        self, info: Info[Context, None], filter: ServiceStatisticsFilter | None = None
    ) -> ServiceStatistics:
        given = filter or ServiceStatisticsFilter()

        async def work() -> ServiceStatistics:
            domain = statistics.ServiceStatisticsFilter(
                start=given.from_,
                end=given.to,
                region=(given.region or "").strip() or None,
                agency_code=(given.agency_code or "").strip() or None,
                service_code=(given.service_code or "").strip() or None,
            )
            return statistics_of(await resolve.service_statistics(info.context, filter=domain))

        return await answer(work)
