"""An application's deadlines, from its passport's durations and units, on the working-day calendar.

- Assessment (rule 3, 000 §16: "müraciət daxil olduğu gün … qiymətləndirilir"): the end of the Baku day
  the application arrives.
- Front office, back office and the service deadline (rule 4, 001 §12-17): the passport's durations,
  each a number with a unit. The back office starts where the front office ends.
- Posting the decision (rule 5, 001 step 10: "Xidmətin göstərilmə müddətinin bitməsinə ən az bir iş günü
  qalmış"): the end of the last working day before the day of the service deadline, so that at least
  one working day is left. Where no working day lies between arrival and the deadline (a one-day
  service), the posting is due by the deadline itself.

Units: a month is a calendar month; hours and minutes are elapsed time. A day ("gün") is a working day
by default: the passports print only "gün", and 001 counts its one posting margin in "iş günü" (working
days) while 000 §12 receives applications "iş günlərində" (on working days). `DayCount.CALENDAR`
(`SXVIS_APPLICATION_DAY_COUNT=CALENDAR`) counts every day instead; docs/api.md quotes the sources.
A day-counted deadline ends at 23:59:59 Baku time of its last day.
"""

import calendar as months
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sxvis import clock
from sxvis.applications.enums import DayCount, DeadlineKind
from sxvis.catalogue.enums import DurationUnit
from sxvis.catalogue.models import Service
from sxvis.referrals.calendar import WorkingCalendar

HORIZON = timedelta(days=400)
"""How far ahead a calendar is loaded for one application (the longest passport spans less)."""


@dataclass(frozen=True, slots=True)
class Deadlines:
    assessment: datetime
    front_office: datetime | None
    back_office: datetime | None
    service: datetime | None
    decision_posting: datetime | None


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.BAKU)


def add(
    start: datetime,
    value: int,
    unit: DurationUnit,
    *,
    calendar: WorkingCalendar,
    days: DayCount,
) -> datetime:
    """`start` plus a passport duration."""
    if unit is DurationUnit.MINUTE:
        return start + timedelta(minutes=value)
    if unit is DurationUnit.HOUR:
        return start + timedelta(hours=value)
    local = start.astimezone(clock.BAKU)
    if unit is DurationUnit.MONTH:
        month = local.month - 1 + value
        year = local.year + month // 12
        month = month % 12 + 1
        last = min(local.day, months.monthrange(year, month)[1])
        return end_of(date(year, month, last))
    day = local.date()
    if value == 0:
        return start
    if days is DayCount.CALENDAR:
        return end_of(day + timedelta(days=value))
    remaining = value
    while remaining:
        day += timedelta(days=1)
        if calendar.is_working(day):
            remaining -= 1
    return end_of(day)


def last_working_day_before(day: date, calendar: WorkingCalendar) -> date:
    before = day - timedelta(days=1)
    while not calendar.is_working(before):
        before -= timedelta(days=1)
    return before


def of_service(
    service: Service, *, submitted_at: datetime, calendar: WorkingCalendar, days: DayCount
) -> Deadlines:
    arrived = submitted_at.astimezone(clock.BAKU).date()
    front = back = total = posting = None
    if service.front_office_duration_value is not None and service.front_office_duration_unit is not None:
        front = add(
            submitted_at,
            service.front_office_duration_value,
            service.front_office_duration_unit,
            calendar=calendar,
            days=days,
        )
    if (
        front is not None
        and service.back_office_duration_value is not None
        and service.back_office_duration_unit is not None
    ):
        back = add(
            front,
            service.back_office_duration_value,
            service.back_office_duration_unit,
            calendar=calendar,
            days=days,
        )
    if service.total_duration_value is not None and service.total_duration_unit is not None:
        total = add(
            submitted_at,
            service.total_duration_value,
            service.total_duration_unit,
            calendar=calendar,
            days=days,
        )
    if total is not None:
        margin_day = last_working_day_before(total.astimezone(clock.BAKU).date(), calendar)
        posting = end_of(margin_day) if margin_day >= arrived else total
    return Deadlines(
        assessment=end_of(arrived),
        front_office=front,
        back_office=back,
        service=total,
        decision_posting=posting,
    )


def listed(d: "Deadlines") -> list[tuple[DeadlineKind, datetime]]:
    out = [(DeadlineKind.ASSESSMENT, d.assessment)]
    for kind, moment in (
        (DeadlineKind.FRONT_OFFICE, d.front_office),
        (DeadlineKind.BACK_OFFICE, d.back_office),
        (DeadlineKind.DECISION_POSTING, d.decision_posting),
        (DeadlineKind.SERVICE, d.service),
    ):
        if moment is not None:
            out.append((kind, moment))
    return out
