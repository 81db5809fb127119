"""Logging denials: a refused operation leaves an access event, in a transaction of its own.

The refused operation's transaction rolls back (it must change nothing), so its denial cannot be
written there; the front calls `log_denials` after it, before the answer leaves.
"""

import uuid
from collections.abc import Iterable

from sxvis import audit
from sxvis.actors import Actor
from sxvis.database import Database
from sxvis.database.scope import RowScope
from sxvis.errors import AccessDenied


async def log_denials(db: Database, actor: Actor, denials: Iterable[AccessDenied]) -> None:
    refused = list(denials)
    if not refused:
        return
    async with db.scoped(RowScope.of(actor)) as connection:
        for denial in refused:
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
