"""Referral statistics: how many, how urgent, how they ended, how fast receivers answer.

Aggregated in SQL by `sxvis_referral_statistics` (migration 0009), which runs as the owner so that
the figures cover every agency's referrals while the caller sees no row. Nothing personal comes out:
counts and times only, small ones suppressed by the registry's one rule (`sxvis.suppression`: a count
below five, any count from which one could be worked out, times and the on-time share resting on fewer
than five referrals).

Reading them is an access like any other: logged, as an aggregate read that names no person.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.actors import Actor
from sxvis.errors import ValidationFailed
from sxvis.referrals.enums import ReferralStatus, Urgency
from sxvis.suppression import Bucket, Count, Figure, buckets, figure, suppress

STATISTICS = "referral:statistics"

OUTCOMES = ("OPEN", "COMPLETED", "FAILED", "REJECTED", "CANCELLED")
"""How referrals ended (OPEN: not yet). The free-text outcome of a completion is not grouped: it is
written by people and may name someone."""

_QUERY = text(
    "SELECT sxvis_referral_statistics(CAST(:start AS timestamptz), CAST(:end AS timestamptz),"
    " CAST(:region AS text), CAST(:agency AS text), CAST(:now AS timestamptz))"
)


@dataclass(frozen=True, kw_only=True)
class StatisticsFilter:
    start: date | None = None  # created on or after this Baku date
    end: date | None = None  # created on or before this Baku date
    region: str | None = None  # the receiving agency's region
    agency_code: str | None = None  # sent or received by this agency


@dataclass(frozen=True, kw_only=True)
class ReferralStatistics:
    total: Count
    by_urgency: list[Bucket]
    by_status: list[Bucket]
    by_outcome: list[Bucket]
    answered: Count
    median_response_seconds: Figure
    p90_response_seconds: Figure
    answered_within_deadline: Figure  # the share of referrals due an answer that had it in time
    overdue: Count
    overdue_by_urgency: list[Bucket]


async def referral_statistics(
    session: AsyncSession, actor: Actor, *, filter: StatisticsFilter
) -> ReferralStatistics:
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
                "now": clock.now(),
            },
        )
    ).scalar_one()
    await audit.record(
        session,
        actor,
        action=STATISTICS,
        entity_type="referral_statistics",
        details={
            "from": None if filter.start is None else filter.start.isoformat(),
            "to": None if filter.end is None else filter.end.isoformat(),
            "region": filter.region,
            "agency": filter.agency_code,
        },
    )
    return summarise(raw)


def summarise(raw: Mapping[str, Any]) -> ReferralStatistics:
    """Apply the suppression rules to the raw aggregates of the SQL function."""
    total = int(raw["total"])
    answered = int(raw["answered"])
    due = int(raw["due"])
    overdue_counts = {k: int(v) for k, v in raw["overdue_by_urgency"].items()}
    overdue = sum(overdue_counts.values())
    return ReferralStatistics(
        total=suppress(total),
        by_urgency=buckets([u.value for u in Urgency], raw["by_urgency"], total),
        by_status=buckets([s.value for s in ReferralStatus], raw["by_status"], total),
        by_outcome=buckets(OUTCOMES, raw["by_outcome"], total),
        answered=suppress(answered),
        median_response_seconds=figure(raw["median_seconds"], answered),
        p90_response_seconds=figure(raw["p90_seconds"], answered),
        answered_within_deadline=figure(int(raw["answered_on_time"]) / due if due else None, due),
        overdue=suppress(overdue),
        overdue_by_urgency=buckets([u.value for u in Urgency], overdue_counts, overdue),
    )


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0), tzinfo=clock.BAKU)
