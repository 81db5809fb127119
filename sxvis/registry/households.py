"""Reading households and their members, within the reader's remit.

A household is visible when its head or one of its members is; its members are listed only where the
member is visible. Protected members whose identity the reader may not see are left out: a
pseudonym listed in a household would tell where the protected person lives.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.registry import persons
from sxvis.registry.models import Household, HouseholdMember, Person


async def get_households(session: AsyncSession, actor: Actor, *, ids: Sequence[uuid.UUID]) -> list[Household]:
    actor.require(persons.READ)
    member_visible = exists().where(
        HouseholdMember.household_id == Household.id,
        remit.person_id_visible(actor, HouseholdMember.person_id),
    )
    query = select(Household).where(
        Household.id.in_(ids),
        or_(remit.person_id_visible(actor, Household.head_person_id), member_visible),
    )
    found = list((await session.execute(query)).scalars())
    if found:
        await audit.record(
            session,
            actor,
            action="household:read",
            entity_type="household",
            entity_id=found[0].id if len(found) == 1 else None,
            details={"households": [str(h.id) for h in found]},
        )
    return found


async def members_of(
    session: AsyncSession, actor: Actor, *, household_ids: Sequence[uuid.UUID]
) -> list[HouseholdMember]:
    actor.require(persons.READ)
    shown = select(Person.id).where(and_(remit.person_visible(actor), remit.identity_disclosed(actor)))
    query = (
        select(HouseholdMember)
        .where(HouseholdMember.household_id.in_(household_ids), HouseholdMember.person_id.in_(shown))
        .order_by(HouseholdMember.household_id, HouseholdMember.created_at, HouseholdMember.person_id)
    )
    found = list((await session.execute(query)).scalars())
    if found:
        await audit.record(
            session,
            actor,
            action="household:read",
            entity_type="household_member",
            person_ids=sorted({m.person_id for m in found}),
        )
    return found
