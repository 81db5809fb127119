"""Reading households and their members, within the reader's remit.

A household is visible when its head or one of its members is shown to the reader (in the remit and
disclosed, `remit.household_shown`); its members are listed only where the member is shown. Protected
members whose identity the reader may not see are left out: a pseudonym listed in a household would
tell where the protected person lives.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.registry import persons
from sxvis.registry.models import Household, HouseholdMember, Person


async def get_households(
    session: AsyncSession, actor: Actor, *, ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[Household]:
    actor.require(persons.READ)
    query = select(Household).where(Household.id.in_(ids), remit.household_shown(actor))
    found = list((await session.execute(query)).scalars())
    if found:
        await audit.record(
            session,
            actor,
            action="household:read",
            entity_type="household",
            entity_id=found[0].id if len(found) == 1 else None,
            fields=fields,
            details={"households": [str(h.id) for h in found]},
        )
    await _log_hidden(session, actor, [i for i in ids if i not in {h.id for h in found}], fields)
    return found


async def _log_hidden(
    session: AsyncSession, actor: Actor, missing: Sequence[uuid.UUID], fields: Sequence[str]
) -> None:
    """Households asked for that exist in the remit only through a protected person hidden from the
    actor: answered as nothing, and logged as a denial against that person, as `person(id)` does."""
    if not missing:
        return
    hidden = select(HouseholdMember.household_id, HouseholdMember.person_id).where(
        HouseholdMember.household_id.in_(missing),
        remit.person_id_visible(actor, HouseholdMember.person_id),
    )
    for household_id, person_id in (await session.execute(hidden)).all():
        await audit.record(
            session,
            actor,
            action="household:read",
            entity_type="household",
            entity_id=household_id,
            person_id=person_id,
            outcome=audit.Outcome.DENIED,
            reason="protected identity",
            fields=fields,
        )


async def members_of(
    session: AsyncSession, actor: Actor, *, household_ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[HouseholdMember]:
    actor.require(persons.READ)
    shown = select(Person.id).where(remit.person_shown(actor))
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
            fields=fields,
        )
    return found
