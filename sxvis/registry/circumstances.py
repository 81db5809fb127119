"""Recording a person's difficult life circumstances (Strategy §3) and reading them back."""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock, outbox
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.catalogue.models import Agency
from sxvis.errors import NotFound
from sxvis.registry import persons, validation
from sxvis.registry.enums import CircumstanceCategory
from sxvis.registry.models import Circumstance

RECORD = "circumstance:record"


async def record_circumstance(
    session: AsyncSession,
    actor: Actor,
    *,
    person_id: uuid.UUID,
    category: CircumstanceCategory,
    since: date,
    until: date | None = None,
    source_agency: str | None = None,
    note: str | None = None,
) -> Circumstance:
    actor.require(RECORD)
    person = await persons.person_for_change(session, actor, person_id, field="person_id")
    validation.period(since, until, today=clock.today(), since_field="since", until_field="until")
    source = source_agency or actor.agency_code
    if not await session.scalar(select(exists().where(Agency.code == source))):
        raise NotFound(f"No agency has the code {source!r}.", field="source_agency")
    circumstance = Circumstance(
        id=uuid.uuid4(),
        person_id=person_id,
        category=category,
        since=since,
        until=until,
        source_agency=source,
        note=(note or "").strip() or None,
        recorded_by=actor.label,
    )
    session.add(circumstance)
    await session.flush()
    await audit.record(
        session,
        actor,
        action=RECORD,
        entity_type="circumstance",
        entity_id=circumstance.id,
        person_id=person_id,
        details={"category": category.value},
    )
    if category is CircumstanceCategory.DOMESTIC_VIOLENCE_VICTIM:
        # Rule 10 (passport 09-03-00-00, step 4): the police are informed; urgently, pseudonymously,
        # through the outbox, so the report exists if and only if this circumstance commits.
        await outbox.report_domestic_violence(session, actor, person=person, circumstance=circumstance)
    return circumstance


async def circumstances_of(
    session: AsyncSession, actor: Actor, *, person_ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[Circumstance]:
    """The circumstances of persons in the actor's remit; the read is logged with the persons it covered."""
    actor.require(persons.READ)
    query = (
        select(Circumstance)
        .where(Circumstance.person_id.in_(person_ids), remit.person_id_visible(actor, Circumstance.person_id))
        .order_by(Circumstance.person_id, Circumstance.since.desc(), Circumstance.id)
    )
    found = list((await session.execute(query)).scalars())
    # Logged even when empty: "no circumstances" is also something learnt about these persons.
    await audit.record(
        session,
        actor,
        action="circumstance:read",
        entity_type="circumstance",
        person_ids=sorted(set(person_ids)),
        fields=fields,
        details={"circumstances": len(found)},
    )
    return found
