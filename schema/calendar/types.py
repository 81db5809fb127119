"""The working-day calendar as GraphQL types and inputs."""

from datetime import date
from enum import Enum

import strawberry

from schema.errors import RegistryError
from sxvis.referrals import calendar


@strawberry.enum(description="What a day is, against what its weekday says.")
class CalendarDayKind(Enum):
    HOLIDAY = "HOLIDAY"  # a non-working day (a public holiday, or one the government declared)
    WORKING_DAY = "WORKING_DAY"  # a transferred working day (e.g. a Saturday worked to bridge a holiday)


@strawberry.enum(description="Where a calendar day comes from.")
class CalendarDaySource(Enum):
    PUBLIC = "PUBLIC"  # Azerbaijan's public holidays (the `holidays` package)
    OPERATOR = "OPERATOR"  # the operator's table (decrees moving working days, extra holidays)


KIND_OF = {
    CalendarDayKind.HOLIDAY: calendar.DayKind.HOLIDAY,
    CalendarDayKind.WORKING_DAY: calendar.DayKind.WORKING,
}
API_KIND = {domain: api for api, domain in KIND_OF.items()}


@strawberry.type(description="A day that is not what its weekday says, as referral deadlines count it.")
class CalendarDay:
    day: date
    kind: CalendarDayKind
    source: CalendarDaySource
    note: str | None


def calendar_day_of(d: calendar.ListedDay) -> CalendarDay:
    return CalendarDay(day=d.day, kind=API_KIND[d.kind], source=CalendarDaySource(d.source), note=d.note)


@strawberry.input
class SetCalendarDayInput:
    day: date
    kind: CalendarDayKind
    note: str | None = strawberry.field(default=None, description="Why, e.g. the decree.")


@strawberry.input
class RemoveCalendarDayInput:
    day: date


@strawberry.type
class CalendarDayPayload:
    calendar_day: CalendarDay | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class RemoveCalendarDayPayload:
    removed: bool | None = strawberry.field(
        default=None, description="False if the operator had no entry for that day."
    )
    errors: list[RegistryError] = strawberry.field(default_factory=list)
