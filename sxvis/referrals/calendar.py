"""The working-day calendar of referral deadlines: Azerbaijan's public holidays, plus the operator's table.

The `holidays` package knows the public holidays (and their observed days). The government also moves
working days each year (a Saturday worked to bridge a holiday) and declares extra holidays; operators
keep those in `calendar_days` (`sxvis calendar …`, or the `setCalendarDay` and `removeCalendarDay`
mutations of system admins), and a row there wins over the package. `put_day` and `drop_day` are the
table's only writers, shared by both fronts; the API's own functions add the permission and the log.
"""

import enum
import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import holidays
from sqlalchemy import CheckConstraint, Date, Text, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from sxvis import audit
from sxvis.actors import Actor
from sxvis.database.base import Base, created_at
from sxvis.errors import ValidationFailed

CATALOGUE_READ = "catalogue:read"


class DayKind(enum.StrEnum):
    WORKING = "WORKING"  # a transferred working day (e.g. a Saturday)
    HOLIDAY = "HOLIDAY"  # an extra non-working day


class CalendarDay(Base):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()

    __table_args__ = (CheckConstraint("kind IN ('WORKING', 'HOLIDAY')", name="kind_known"),)


@functools.cache
def public_holidays() -> holidays.HolidayBase:
    """Azerbaijan's public holidays, one table per process: `holidays` computes a year the first time a
    day of it is asked about (about 3 ms, with the lunar holidays), so a table per referral would spend
    that on every creation."""
    return holidays.country_holidays("AZ")


@dataclass
class WorkingCalendar:
    overrides: dict[date, DayKind] = field(default_factory=dict)
    _public: holidays.HolidayBase = field(default_factory=public_holidays)

    def is_working(self, day: date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind is DayKind.WORKING
        return day.weekday() < 5 and day not in self._public

    def holiday_name(self, day: date) -> str | None:
        if self.overrides.get(day) is DayKind.HOLIDAY:
            return "holiday (operator)"
        name: str | None = self._public.get(day)
        return name


async def load_calendar(session: AsyncSession, *, start: date, end: date) -> WorkingCalendar:
    query = select(CalendarDay).where(CalendarDay.day >= start, CalendarDay.day <= end)
    rows = (await session.scalars(query)).all()
    return WorkingCalendar(overrides={row.day: DayKind(row.kind) for row in rows})


MANAGE = "calendar:manage"
MAX_SPAN = timedelta(days=400)
"""The longest period `calendar_days` lists at once (a year and a bit)."""


@dataclass(frozen=True, slots=True)
class ListedDay:
    """A day that is not what its weekday says: a public holiday, or an operator's entry."""

    day: date
    kind: DayKind
    source: str  # "PUBLIC" (the `holidays` package) or "OPERATOR" (`calendar_days`)
    note: str | None


async def put_day(session: AsyncSession, *, day: date, kind: DayKind, note: str | None, by: str) -> None:
    """Record (or replace) the operator's entry for a day. The one write of the table, for the CLI
    (as the owner, outside any request) and the API (`set_calendar_day`) alike."""
    statement = insert(CalendarDay).values(day=day, kind=kind.value, note=note, created_by=by)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CalendarDay.day], set_={"kind": kind.value, "note": note, "created_by": by}
        )
    )


async def drop_day(session: AsyncSession, *, day: date) -> bool:
    """Remove the operator's entry for a day (the public calendar applies again); False if none."""
    result = await session.execute(
        delete(CalendarDay).where(CalendarDay.day == day).returning(CalendarDay.day)
    )
    return result.first() is not None


async def operator_days(session: AsyncSession, *, start: date, end: date) -> list[CalendarDay]:
    query = (
        select(CalendarDay).where(CalendarDay.day >= start, CalendarDay.day <= end).order_by(CalendarDay.day)
    )
    return list((await session.scalars(query)).all())


async def set_calendar_day(
    session: AsyncSession, actor: Actor, *, day: date, kind: DayKind, note: str | None
) -> ListedDay:
    actor.require(MANAGE)
    remark = (note or "").strip() or None
    await put_day(session, day=day, kind=kind, note=remark, by=actor.label)
    await _log(session, actor, day, {"kind": kind.value, "note": remark})
    return ListedDay(day, kind, "OPERATOR", remark)


async def remove_calendar_day(session: AsyncSession, actor: Actor, *, day: date) -> bool:
    actor.require(MANAGE)
    removed = await drop_day(session, day=day)
    await _log(session, actor, day, {"removed": removed})
    return removed


async def calendar_days(session: AsyncSession, actor: Actor, *, start: date, end: date) -> list[ListedDay]:
    """Public holidays and the operator's entries in the period, in day order; an entry wins over a
    public holiday on the same day. Reference data, readable by whoever reads the catalogue."""
    actor.require(CATALOGUE_READ)
    if end < start:
        raise ValidationFailed("The period ends before it starts.", field="to")
    if end - start > MAX_SPAN:
        raise ValidationFailed(f"Ask for at most {MAX_SPAN.days} days at a time.", field="to")
    listed = {
        row.day: ListedDay(row.day, DayKind(row.kind), "OPERATOR", row.note)
        for row in await operator_days(session, start=start, end=end)
    }
    public = holidays.country_holidays("AZ", years=range(start.year, end.year + 1))
    for day, name in public.items():
        if start <= day <= end and day not in listed:
            listed[day] = ListedDay(day, DayKind.HOLIDAY, "PUBLIC", str(name))
    return [listed[day] for day in sorted(listed)]


async def _log(session: AsyncSession, actor: Actor, day: date, details: dict[str, object]) -> None:
    await audit.record(
        session, actor, action=MANAGE, entity_type="calendar_day", entity_id=day.isoformat(), details=details
    )
