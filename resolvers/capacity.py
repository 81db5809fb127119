"""Resolvers of service capacity: one scoped transaction, one service call."""

from resolvers.context import Context
from resolvers.registry import in_transaction
from sxvis.catalogue import capacity


async def set_service_capacity(
    ctx: Context, *, agency_code: str, service_code: str, places: int
) -> capacity.Capacity:
    return await in_transaction(
        ctx,
        lambda s: capacity.set_service_capacity(
            s, ctx.actor, agency_code=agency_code, service_code=service_code, places=places
        ),
    )
