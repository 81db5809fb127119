"""`calendarDays`: the public holidays and the operator's entries in a period."""

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers import calendar as resolve
from resolvers.context import Context
from schema.calendar.types import CalendarDay, calendar_day_of
from schema.errors import answer


@strawberry.type
class CalendarQuery:
    @strawberry.field(
        description="Days from `from` to `to` (inclusive, at most 400 days) that are not what their weekday "
        "says: public holidays, and the operator's holidays and transferred working days (which win)."
    )
    async def calendar_days(
        self,
        info: Info[Context, None],
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> list[CalendarDay]:
        async def work() -> list[CalendarDay]:
            days = await resolve.calendar_days(info.context, start=from_, end=to)
            return [calendar_day_of(d) for d in days]

        return await answer(work)
