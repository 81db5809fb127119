"""Resolvers of the working-day calendar: one scoped transaction, one service call."""

from datetime import date

from resolvers.context import Context
from resolvers.registry import in_transaction
from sxvis.referrals import calendar


async def set_calendar_day(
    ctx: Context, *, day: date, kind: calendar.DayKind, note: str | None
) -> calendar.ListedDay:
    return await in_transaction(
        ctx, lambda s: calendar.set_calendar_day(s, ctx.actor, day=day, kind=kind, note=note)
    )


async def remove_calendar_day(ctx: Context, *, day: date) -> bool:
    return await in_transaction(ctx, lambda s: calendar.remove_calendar_day(s, ctx.actor, day=day))


async def calendar_days(ctx: Context, *, start: date, end: date) -> list[calendar.ListedDay]:
    return await in_transaction(ctx, lambda s: calendar.calendar_days(s, ctx.actor, start=start, end=end))
