"""Logging denials: a refused operation leaves an access event, in a transaction of its own.

The refused operation's transaction rolls back (it must change nothing), so its denial cannot be
written there; the front calls `log_denials` after it, before the answer leaves.

A change that names a person the caller may not see (a protected person another agency protects,
named by the real id; a person outside the caller's remit) is answered NOT_FOUND, as an id that names
nobody is (hidden is absent, `remit.person_reachable`), yet it is an attempt on that person: the front
calls `log_hidden_person` after the rollback, and the event is a denial of the same shape.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from sxvis import audit
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.database import Database
from sxvis.database.scope import RowScope
from sxvis.errors import AccessDenied
from sxvis.registry.models import Person

PROTECTED_IDENTITY = "protected identity"
OUTSIDE_REMIT = "outside the agency's remit"

# Only the id and the protecting agency of whoever an id names (migration 0004, SECURITY DEFINER).
_HIDDEN = text("SELECT id, protected_by FROM sxvis_hidden_person(:id, NULL)")


async def log_denials(db: Database, actor: Actor, denials: Iterable[AccessDenied]) -> None:
    refused = list(denials)
    if not refused:
        return
    async with db.scoped(RowScope.of(actor)) as connection:
        for denial in refused:
            await _record(connection, actor, denial)


async def log_hidden_person(db: Database, actor: Actor, *, person_id: uuid.UUID, action: str) -> None:
    """After a change that named `person_id` was answered NOT_FOUND: if the id names a person the actor
    may not reach, log the attempt as a denial against them (reason: protected identity, or outside the
    remit). An id that names nobody, or a person the actor reaches (the NOT_FOUND was about something
    else), logs nothing. The caller's answer does not depend on it: both lookups run for any id."""
    async with db.scoped(RowScope.of(actor)) as connection:
        reached = select(Person.id).where(Person.id == person_id, remit.person_reachable(actor, person_id))
        if await connection.scalar(reached) is not None:
            return
        hidden = (await connection.execute(_HIDDEN, {"id": uuid.UUID(int=person_id.int)})).first()
        if hidden is not None:
            reason = PROTECTED_IDENTITY if hidden.protected_by else OUTSIDE_REMIT
            await _record(connection, actor, AccessDenied(reason, action=action, person_id=hidden.id))


async def _record(connection: AsyncConnection, actor: Actor, denial: AccessDenied) -> None:
    person = denial.person_id if isinstance(denial.person_id, uuid.UUID) else None
    await audit.record(
        connection,
        actor,
        action=denial.action or "unknown",
        entity_type=(denial.action or "unknown").split(":", 1)[0],
        entity_id=person,
        person_id=person,
        outcome=audit.Outcome.DENIED,
        reason=denial.message,
    )
