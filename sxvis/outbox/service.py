"""Putting messages in the outbox, and what operators do with it: see its depth, retry dead letters.

`enqueue` writes in the caller's transaction and never commits: the message exists if and only if the
change that causes it commits (a rolled-back circumstance sends nothing to the police). It also NOTIFYs
`sxvis_outbox`, delivered at commit, so an idle worker wakes at once instead of at its next poll.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit
from sxvis.actors import Actor
from sxvis.errors import NotFound
from sxvis.outbox.models import OutboxMessage

CHANNEL = "sxvis_outbox"
STATUS = "integration:status"
RETRY = "dead_letter:retry"
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


@dataclass(frozen=True, slots=True)
class Queued:
    """What `enqueue` wrote: the message id (the receiver's deduplication key) and where it goes."""

    id: uuid.UUID
    ministry: str
    kind: str


@dataclass(frozen=True, slots=True)
class OutboxDepth:
    """One ministry's outbox, as the operator view shows it: counts and times, nothing about persons."""

    ministry: str
    pending: int
    dead: int
    last_delivered_at: datetime | None
    oldest_pending_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeadLetterSummary:
    id: uuid.UUID
    ministry: str
    kind: str
    attempts: int
    last_error: str | None
    created_at: datetime
    dead_at: datetime


async def enqueue(
    session: AsyncSession,
    actor: Actor,
    *,
    ministry: str,
    kind: str,
    payload: Mapping[str, Any],
    issue: str,
    person_id: uuid.UUID | None = None,
    urgent: bool = False,
) -> Queued:
    """Add one message to the outbox in the caller's transaction, attributed to the actor and `issue`.

    The caller has already checked that the actor may make the change that causes the message; the
    message is a consequence of that change, not an action of its own.
    """
    message_id = uuid.uuid4()
    # A plain INSERT, no RETURNING: the row is read back by nobody in this transaction.
    await session.execute(
        insert(OutboxMessage).values(
            id=message_id,
            ministry=ministry,
            kind=kind,
            person_id=person_id,
            agency_code=actor.agency_code,
            payload=dict(payload),
            attribution_user=header_safe(actor.label),
            attribution_issue=header_safe(issue),
            urgent=urgent,
        )
    )
    await session.execute(_NOTIFY, {"channel": CHANNEL, "payload": ministry})
    return Queued(id=message_id, ministry=ministry, kind=kind)


def header_safe(value: str) -> str:
    """`value` as printable ASCII (X-Road headers are ASCII): user ids in Azerbaijani are percent-encoded."""
    return quote(value, safe="@:/-._~+=") or "-"


async def outbox_depths(
    session: AsyncSession, actor: Actor, *, ministries: Sequence[str]
) -> dict[str, OutboxDepth]:
    actor.require(STATUS)
    rows = await session.execute(
        text("SELECT * FROM sxvis_outbox_status(CAST(:names AS text[]))"), {"names": list(ministries)}
    )
    return {
        row.ministry: OutboxDepth(
            ministry=row.ministry,
            pending=row.pending,
            dead=row.dead,
            last_delivered_at=row.last_delivered_at,
            oldest_pending_at=row.oldest_pending_at,
        )
        for row in rows
    }


async def dead_letters(
    session: AsyncSession, actor: Actor, *, ministry: str, limit: int = 20
) -> list[DeadLetterSummary]:
    """The ministry's most recent dead letters: ids, kinds and errors, never payloads (no personal data)."""
    actor.require(STATUS)
    rows = await session.execute(
        text("SELECT * FROM sxvis_dead_letters(:ministry, :limit)"), {"ministry": ministry, "limit": limit}
    )
    return [
        DeadLetterSummary(
            id=row.id,
            ministry=row.ministry,
            kind=row.kind,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            dead_at=row.dead_at,
        )
        for row in rows
    ]


async def retry_dead_letter(session: AsyncSession, actor: Actor, *, message_id: uuid.UUID) -> Queued:
    """Move a dead letter back into the outbox, due now, its attempts reset and its message id kept (so a
    copy the ministry did receive is deduplicated there). Audited against the person it concerns."""
    actor.require(RETRY)
    row = (
        await session.execute(text("SELECT * FROM sxvis_retry_dead_letter(:id)"), {"id": message_id})
    ).one_or_none()
    if row is None:
        raise NotFound("No dead letter has this id.", field="id")
    await audit.record(
        session,
        actor,
        action=RETRY,
        entity_type="outbox_message",
        entity_id=row.id,
        person_id=row.person_id,
        details={"ministry": row.ministry, "kind": row.kind},
    )
    await session.execute(_NOTIFY, {"channel": CHANNEL, "payload": row.ministry})
    return Queued(id=row.id, ministry=row.ministry, kind=row.kind)
