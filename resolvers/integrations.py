"""Resolvers of the operator view: the ministry adapters' health and the outbox, and retrying a dead letter.

The health of a client (breaker, recent calls) is this process's; the outbox's depth, last delivery and
dead letters are the database's, read through functions that disclose no personal data (migration 0011).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from integrations.breaker import BreakerStatus, CircuitState
from integrations.metrics import Recent
from integrations.outbound import OUTBOUND
from resolvers.context import Context
from sxvis.outbox import (
    DeadLetterSummary,
    OutboxDepth,
    Queued,
    dead_letters,
    outbox_depths,
    retry_dead_letter,
)

RECENT_DEAD_LETTERS = 20


@dataclass(frozen=True, slots=True)
class AdapterStatus:
    name: str
    configured: bool
    breaker: BreakerStatus
    recent: Recent
    outbox: OutboxDepth
    dead_letters: list[DeadLetterSummary]

    @property
    def last_success_at(self) -> datetime | None:
        """The later of this process's last answered call and the outbox's last delivery (which the
        worker, another process, may have made)."""
        times = [t for t in (self.recent.last_success_at, self.outbox.last_delivered_at) if t is not None]
        return max(times) if times else None


_IDLE = BreakerStatus(
    state=CircuitState.CLOSED, consecutive_failures=0, opened_at=None, retry_in_seconds=None
)
_NO_CALLS = Recent(calls=0, error_rate=None, p95_seconds=None, last_success_at=None)


async def integration_status(ctx: Context) -> list[AdapterStatus]:
    clients = ctx.integrations.clients if ctx.integrations is not None else {}
    names = sorted(set(clients) | set(OUTBOUND))
    async with ctx.db.scoped_session(ctx.scope) as session:
        depths = await outbox_depths(session, ctx.actor, ministries=names)
        letters = {
            name: await dead_letters(session, ctx.actor, ministry=name, limit=RECENT_DEAD_LETTERS)
            for name in names
            if depths[name].dead
        }
    statuses = []
    for name in names:
        client = clients.get(name)
        statuses.append(
            AdapterStatus(
                name=name,
                configured=client is not None,
                breaker=_IDLE if client is None else client.breaker.status(),
                recent=_NO_CALLS if client is None else client.stats.recent(),
                outbox=depths[name],
                dead_letters=letters.get(name, []),
            )
        )
    return statuses


async def retry(ctx: Context, *, message_id: uuid.UUID) -> Queued:
    async with ctx.db.scoped_session(ctx.scope) as session:
        return await retry_dead_letter(session, ctx.actor, message_id=message_id)
