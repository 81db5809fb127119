"""Resolver of the referral statistics: one scoped transaction (the read and its access event)."""

from resolvers.context import Context
from resolvers.registry import in_transaction
from sxvis.referrals import statistics


async def referral_statistics(
    ctx: Context, *, filter: statistics.StatisticsFilter
) -> statistics.ReferralStatistics:
    return await in_transaction(ctx, lambda s: statistics.referral_statistics(s, ctx.actor, filter=filter))
