"""Reading households and their members."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis.registry.models import Household, HouseholdMember


async def get_households(session: AsyncSession, *, ids: Sequence[uuid.UUID]) -> list[Household]:
    return list((await session.execute(select(Household).where(Household.id.in_(ids)))).scalars())


async def members_of(session: AsyncSession, *, household_ids: Sequence[uuid.UUID]) -> list[HouseholdMember]:
    query = (
        select(HouseholdMember)
        .where(HouseholdMember.household_id.in_(household_ids))
        .order_by(HouseholdMember.household_id, HouseholdMember.created_at, HouseholdMember.person_id)
    )
    return list((await session.execute(query)).scalars())
