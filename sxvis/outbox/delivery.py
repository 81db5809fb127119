"""Delivering the outbox: claim due messages, hand each to its ministry's adapter, record what happened.

One round, in one transaction of the owner's connection:

1. claim up to `batch_size` due messages, urgent first, with `SELECT … FOR UPDATE SKIP LOCKED`: rows
   another worker holds are skipped, not waited for, so several workers share the outbox and no message
   is sent by two at once;
2. deliver them concurrently (each adapter's client keeps its own concurrency limit), every try of a
   message carrying its id as `X-Road-Id`;
3. mark each one: delivered (with the ministry's receipt and an access event for the disclosure),
   due again later (exponential backoff with jitter), or moved to the dead letters (after
   `max_attempts`, or at once when the ministry refuses it as wrong: asking again won't help);
4. commit.

Exactly once at the receiver: a worker that dies between the ministry's answer and the commit (SIGKILL,
power loss) leaves its rows unmarked and unlocked (PostgreSQL ends the transaction with the
connection); the next round sends them again with the same message ids, and the receiver answers
`duplicate` instead of storing them twice. The worker marks a message delivered only after an answer.
"""

import asyncio
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.actors import Actor
from sxvis.database import Database
from sxvis.errors import IntegrationError, MinistryUnavailable
from sxvis.outbox.models import DeadLetter, OutboxMessage

log = structlog.get_logger(__name__)

WORKER = Actor(
    user_id="outbox-worker", agency_code="VXSIDA", roles=frozenset({"integration"}), name="SXVİS outbox"
)
"""Who the access log names for a delivery: the worker process, acting for the message's own author."""
_ERROR_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message as an adapter sees it: everything to send it, nothing about the outbox's bookkeeping."""

    id: uuid.UUID
    ministry: str
    kind: str
    payload: Mapping[str, Any]
    user: str
    issue: str
    attempt: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """The ministry's answer: `received`, or `duplicate` when it already had this message id."""

    status: str
    reference: str | None = None


class Deliverer(Protocol):
    """An outbound adapter (E-sosial, police): sends one message, or raises an `IntegrationError`
    (`MinistryUnavailable` when trying later may help)."""

    @property
    def name(self) -> str: ...

    async def deliver(self, message: Outgoing) -> Receipt: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int
    backoff_initial: float
    backoff_max: float

    def next_attempt(self, attempts: int, now: datetime) -> datetime:
        """Exponential backoff (initial × 2^(attempts−1), capped) with "equal jitter": half the delay is
        fixed, half random, so messages that failed together do not all come back together."""
        delay = min(self.backoff_max, self.backoff_initial * 2 ** max(0, attempts - 1))
        return now + timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))


@dataclass(frozen=True, slots=True)
class RoundReport:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0


async def deliver_due(
    db: Database, deliverers: Mapping[str, Deliverer], *, policy: RetryPolicy, batch_size: int
) -> RoundReport:
    """One round (see the module's docstring); `db` is the owner's, which the outbox's RLS lets through."""
    async with db.transaction() as session:
        claimed = list(
            (
                await session.execute(
                    select(OutboxMessage)
                    .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= clock.now())
                    .order_by(OutboxMessage.urgent.desc(), OutboxMessage.next_attempt_at)
                    .limit(batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).scalars()
        )
        if not claimed:
            return RoundReport()
        outcomes = await asyncio.gather(*(_attempt(deliverers, row) for row in claimed))
        now = clock.now()
        delivered = retried = dead = 0
        for row, outcome in zip(claimed, outcomes, strict=True):
            row.attempts += 1
            if isinstance(outcome, Receipt):
                await _mark_delivered(session, row, outcome, now)
                delivered += 1
            elif (
                isinstance(outcome, MinistryUnavailable | _Unexpected) and row.attempts < policy.max_attempts
            ):
                row.last_error = _error_text(outcome)
                row.next_attempt_at = policy.next_attempt(row.attempts, now)
                log.warning(
                    "outbox.retry_later",
                    message_id=str(row.id),
                    ministry=row.ministry,
                    attempts=row.attempts,
                    next_attempt_at=row.next_attempt_at.isoformat(),
                    error=row.last_error,
                )
                retried += 1
            else:
                await _bury(session, row, _error_text(outcome), now)
                dead += 1
        return RoundReport(claimed=len(claimed), delivered=delivered, retried=retried, dead=dead)


class _Unexpected(Exception):
    """A failure that is not the ministry's answer (a bug, a missing adapter): retried like an outage."""


async def _attempt(deliverers: Mapping[str, Deliverer], row: OutboxMessage) -> Receipt | Exception:
    deliverer = deliverers.get(row.ministry)
    if deliverer is None:
        return _Unexpected(f"no adapter is configured for {row.ministry!r}")
    message = Outgoing(
        id=row.id,
        ministry=row.ministry,
        kind=row.kind,
        payload=row.payload,
        user=row.attribution_user,
        issue=row.attribution_issue,
        attempt=row.attempts + 1,
    )
    try:
        return await deliverer.deliver(message)
    except IntegrationError as err:
        return err
    except Exception as err:
        log.exception("outbox.delivery_crashed", message_id=str(row.id), ministry=row.ministry)
        return _Unexpected(f"{type(err).__name__}: {err}")


async def _mark_delivered(session: AsyncSession, row: OutboxMessage, receipt: Receipt, now: datetime) -> None:
    row.delivered_at = now
    row.last_error = None
    row.receipt = {"status": receipt.status, "reference": receipt.reference}
    await audit.record(
        session,
        WORKER,
        action="outbox:deliver",
        entity_type="outbox_message",
        entity_id=row.id,
        person_id=row.person_id,
        purpose="DATA_EXCHANGE",
        details={
            "ministry": row.ministry,
            "kind": row.kind,
            "attempts": row.attempts,
            "receipt": receipt.status,
            "on_behalf_of": row.attribution_user,
        },
    )
    log.info(
        "outbox.delivered",
        message_id=str(row.id),
        ministry=row.ministry,
        kind=row.kind,
        attempts=row.attempts,
        receipt=receipt.status,
    )


async def _bury(session: AsyncSession, row: OutboxMessage, error: str, now: datetime) -> None:
    session.add(
        DeadLetter(
            id=row.id,
            ministry=row.ministry,
            kind=row.kind,
            person_id=row.person_id,
            agency_code=row.agency_code,
            payload=row.payload,
            attribution_user=row.attribution_user,
            attribution_issue=row.attribution_issue,
            urgent=row.urgent,
            attempts=row.attempts,
            last_error=error,
            created_at=row.created_at,
            dead_at=now,
        )
    )
    await session.delete(row)
    log.error(
        "outbox.dead_letter",
        message_id=str(row.id),
        ministry=row.ministry,
        kind=row.kind,
        attempts=row.attempts,
        error=error,
    )


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:_ERROR_LIMIT]
