"""The working-day calendar of referral deadlines: Azerbaijan's public holidays, plus the operator's table.

The `holidays` package knows the public holidays (and their observed days). The government also moves
working days each year (a Saturday worked to bridge a holiday) and declares extra holidays; operators
keep those in `calendar_days` (`sxvis calendar …`), and a row there wins over the package.
"""

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

import holidays
from sqlalchemy import CheckConstraint, Date, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.database.base import Base, created_at


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


@dataclass
class WorkingCalendar:
    overrides: dict[date, DayKind] = field(default_factory=dict)
    _public: holidays.HolidayBase = field(default_factory=lambda: holidays.country_holidays("AZ"))

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
