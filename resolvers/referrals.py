"""Resolvers of referrals: one scoped transaction each, one service call."""

import uuid
from collections.abc import Sequence

from resolvers.context import Context
from resolvers.registry import changing_person, in_transaction
from sxvis.pagination import Page
from sxvis.referrals import service
from sxvis.referrals.models import Referral


async def create_referral(ctx: Context, data: service.NewReferral) -> Referral:
    times = ctx.response_times
    return await changing_person(
        ctx,
        lambda s: service.create_referral(s, ctx.actor, data=data, response_times=times),
        person_id=data.person_id,
        action=service.CREATE,
    )


async def move_referral(
    ctx: Context,
    *,
    referral_id: uuid.UUID,
    move: str,
    note: str | None,
    reason: str | None = None,
    outcome: str | None = None,
    irp_reference: str | None = None,
) -> Referral:
    return await in_transaction(
        ctx,
        lambda s: service.move_referral(
            s,
            ctx.actor,
            referral_id=referral_id,
            move=move,
            note=note,
            reason=reason,
            outcome=outcome,
            irp_reference=irp_reference,
        ),
    )


async def find_referrals(
    ctx: Context,
    *,
    filter: service.ReferralFilter,
    first: int | None,
    after: str | None,
    fields: Sequence[str] = (),
) -> Page[Referral]:
    async with ctx.db.scoped_session(ctx.scope) as session:
        return await service.find_referrals(
            session, ctx.actor, filter=filter, first=first, after=after, fields=fields
        )


async def referral(ctx: Context, *, referral_id: uuid.UUID, fields: Sequence[str]) -> Referral | None:
    return await ctx.loaders.referral.load(referral_id, fields)


async def count_referrals(ctx: Context, *, filter: service.ReferralFilter) -> int:
    async with ctx.db.scoped_session(ctx.scope) as session:
        return await service.count_referrals(session, ctx.actor, filter=filter)
