"""Resolvers of applications: one scoped transaction each, one service call (they translate)."""

import uuid
from collections.abc import Awaitable, Callable, Sequence

from resolvers.checks import sources
from resolvers.context import Context
from resolvers.registry import changing_person, in_transaction
from sxvis.applications import service, statistics
from sxvis.applications.enums import DayCount, Decision
from sxvis.applications.models import Application
from sxvis.catalogue.enums import RefusalGround
from sxvis.pagination import Page


def intake(ctx: Context) -> service.Intake:
    return service.Intake(
        sources=sources(ctx), freshness=ctx.freshness, days=DayCount(ctx.settings.application_day_count)
    )


async def submit_application(ctx: Context, data: service.NewApplication) -> Application:
    found = await changing_person(
        ctx,
        lambda s: service.submit_application(s, ctx.actor, data=data, intake=intake(ctx)),
        person_id=data.person_id,
        action=service.SUBMIT,
    )
    ctx.loaders.applications.prime([found])
    return found


async def assess_application(
    ctx: Context, *, application_id: uuid.UUID, need: str, note: str | None
) -> Application:
    return await _moved(
        ctx,
        lambda s: service.assess_application(
            s, ctx.actor, application_id=application_id, need=need, note=note
        ),
    )


async def decide_application(
    ctx: Context,
    *,
    application_id: uuid.UUID,
    decision: Decision,
    ground: RefusalGround | None,
    note: str | None,
    provider_code: str | None,
    irp_reference: str | None,
) -> Application:
    return await _moved(
        ctx,
        lambda s: service.decide_application(
            s,
            ctx.actor,
            application_id=application_id,
            decision=decision,
            ground=ground,
            note=note,
            provider_code=provider_code,
            irp_reference=irp_reference,
        ),
    )


async def withdraw_application(ctx: Context, *, application_id: uuid.UUID, reason: str) -> Application:
    return await _moved(
        ctx,
        lambda s: service.withdraw_application(s, ctx.actor, application_id=application_id, reason=reason),
    )


async def allocate_from_queue(
    ctx: Context, *, service_code: str, kind: str | None, count: int
) -> list[Application]:
    served = await in_transaction(
        ctx,
        lambda s: service.allocate_from_queue(
            s, ctx.actor, service_code=service_code, kind=kind, count=count
        ),
    )
    ctx.loaders.applications.prime(served)
    return served


async def _moved(ctx: Context, work: Callable[..., Awaitable[Application]]) -> Application:
    found = await in_transaction(ctx, work)
    ctx.loaders.applications.prime([found])
    return found


async def application(
    ctx: Context, *, application_id: uuid.UUID, fields: Sequence[str]
) -> Application | None:
    return await ctx.loaders.applications.application.load((application_id, tuple(fields)))


async def find_applications(
    ctx: Context,
    *,
    filter: service.ApplicationFilter,
    first: int | None,
    after: str | None,
    fields: Sequence[str],
) -> tuple[Page[Application], Callable[[], Awaitable[int]]]:
    async with ctx.db.scoped_session(ctx.scope) as session:
        page = await service.find_applications(
            session, ctx.actor, filter=filter, first=first, after=after, fields=fields
        )

    async def count() -> int:
        async with ctx.db.scoped_session(ctx.scope) as session:
            return await service.count_applications(session, ctx.actor, filter=filter)

    return page, count


async def service_statistics(
    ctx: Context, *, filter: statistics.ServiceStatisticsFilter
) -> statistics.ServiceStatistics:
    return await in_transaction(ctx, lambda s: statistics.service_statistics(s, ctx.actor, filter=filter))
