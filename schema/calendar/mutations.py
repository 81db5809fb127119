"""`setCalendarDay` and `removeCalendarDay`: the operator's corrections to the working-day calendar, for
system admins (`calendar:manage`), audited; the same writes as `sxvis calendar holiday|working-day|remove`.
A change counts for referrals created afterwards; deadlines already set are not moved."""

import strawberry
from strawberry.types import Info

from resolvers import calendar as resolve
from resolvers.context import Context
from schema.calendar.types import (
    KIND_OF,
    CalendarDayPayload,
    RemoveCalendarDayInput,
    RemoveCalendarDayPayload,
    SetCalendarDayInput,
    calendar_day_of,
)
from schema.errors import RegistryError
from sxvis.errors import DomainError


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="Declare a day a holiday or a (transferred) working day, overriding the public calendar."
    )
    async def set_calendar_day(
        self, info: Info[Context, None], input: SetCalendarDayInput
    ) -> CalendarDayPayload:
        try:
            day = await resolve.set_calendar_day(
                info.context, day=input.day, kind=KIND_OF[input.kind], note=input.note
            )
        except DomainError as err:
            return CalendarDayPayload(errors=[RegistryError.of(err)])
        return CalendarDayPayload(calendar_day=calendar_day_of(day))

    @strawberry.mutation(
        description="Drop the operator's entry for a day: the public calendar applies again."
    )
    async def remove_calendar_day(
        self, info: Info[Context, None], input: RemoveCalendarDayInput
    ) -> RemoveCalendarDayPayload:
        try:
            removed = await resolve.remove_calendar_day(info.context, day=input.day)
        except DomainError as err:
            return RemoveCalendarDayPayload(errors=[RegistryError.of(err)])
        return RemoveCalendarDayPayload(removed=removed)
