"""Service statistics for the Strategy's indicators: persons by category and region; applications by
service, channel and outcome; the share decided within the passport's deadline; the median days to a
decision; queue lengths and waiting times.

Aggregated in SQL by `sxvis_service_statistics` (migration 0014), which runs as the owner so that the
figures cover every agency while the caller sees no row. Nothing personal comes out, and small counts
are suppressed by the rule `referralStatistics` follows too (`sxvis.suppression`: a count below five,
and any count from which one could be worked out; figures resting on fewer than five). Reading them is
logged as an aggregate read that names no person.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.actors import Actor
from sxvis.applications.enums import ApplicationStatus
from sxvis.catalogue.enums import ApplicationForm
from sxvis.errors import ValidationFailed
from sxvis.registry.enums import CircumstanceCategory
from sxvis.suppression import Bucket, Count, Figure, buckets, figure, suppress

STATISTICS = "application:statistics"
OUTCOMES = ("OPEN", *(s.value for s in ApplicationStatus if s.value not in ("SUBMITTED", "ASSESSED")))

_QUERY = text(
    "SELECT sxvis_service_statistics(CAST(:start AS timestamptz), CAST(:end AS timestamptz),"
    " CAST(:region AS text), CAST(:agency AS text), CAST(:service AS text), CAST(:now AS timestamptz))"
)


@dataclass(frozen=True, kw_only=True)
class ServiceStatisticsFilter:
    start: date | None = None  # submitted on or after this Baku date
    end: date | None = None  # submitted on or before this Baku date
    region: str | None = None  # the handling agency's region (persons: their own region)
    agency_code: str | None = None  # handled by this agency
    service_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class ServiceStatistics:
    persons: Count
    persons_by_category: list[Bucket]
    persons_by_region: list[Bucket]
    applications: Count
    by_service: list[Bucket]
    by_channel: list[Bucket]
    by_outcome: list[Bucket]
    decided: Count
    decided_within_deadline: Figure  # share of the decided applications with a deadline
    median_days_to_decision: Figure
    waiting: Count
    queues: list[Bucket]  # by "service:kind"
    median_waiting_days: Figure  # from the queue to the allocation


async def service_statistics(
    session: AsyncSession, actor: Actor, *, filter: ServiceStatisticsFilter
) -> ServiceStatistics:
    actor.require(STATISTICS)
    if filter.start is not None and filter.end is not None and filter.end < filter.start:
        raise ValidationFailed("The period ends before it starts.", field="to")
    raw: Mapping[str, Any] = (
        await session.execute(
            _QUERY,
            {
                "start": _midnight(filter.start),
                "end": _midnight(filter.end + timedelta(days=1) if filter.end else None),
                "region": filter.region,
                "agency": filter.agency_code,
                "service": filter.service_code,
                "now": clock.now(),
            },
        )
    ).scalar_one()
    await audit.record(
        session,
        actor,
        action=STATISTICS,
        entity_type="service_statistics",
        details={
            "from": None if filter.start is None else filter.start.isoformat(),
            "to": None if filter.end is None else filter.end.isoformat(),
            "region": filter.region,
            "agency": filter.agency_code,
            "service": filter.service_code,
        },
    )
    return summarise(raw)


def summarise(raw: Mapping[str, Any]) -> ServiceStatistics:
    persons = int(raw["persons"])
    total = int(raw["applications"])
    decided = int(raw["decided"])
    timed = int(raw["timed"])
    waiting = int(raw["waiting"])
    served = int(raw["served"])
    return ServiceStatistics(
        persons=suppress(persons),
        # A person may be in several categories: the buckets do not add up to the total, so each is
        # suppressed on its own (no subtraction can reveal one).
        persons_by_category=buckets([c.value for c in CircumstanceCategory], raw["persons_by_category"], 0),
        persons_by_region=buckets(sorted(raw["persons_by_region"]), raw["persons_by_region"], persons),
        applications=suppress(total),
        by_service=buckets(sorted(raw["by_service"]), raw["by_service"], total),
        by_channel=buckets([f.value for f in ApplicationForm], raw["by_channel"], total),
        by_outcome=buckets(OUTCOMES, raw["by_outcome"], total),
        decided=suppress(decided),
        decided_within_deadline=figure(int(raw["on_time"]) / timed if timed else None, timed),
        median_days_to_decision=figure(raw["median_days"], decided),
        waiting=suppress(waiting),
        queues=buckets(sorted(raw["queues"]), raw["queues"], waiting),
        median_waiting_days=figure(raw["median_wait_days"], served),
    )


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0), tzinfo=clock.BAKU)
