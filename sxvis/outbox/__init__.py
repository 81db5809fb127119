"""The transactional outbox: messages to ministries written with the change that causes them, delivered
by `sxvis worker` exactly once at the receiver (by message id), retried with backoff, and set aside as
dead letters when they cannot be delivered.

- `service`: `enqueue` (in the caller's transaction), the operator's depth and dead letters, and
  `retry_dead_letter`;
- `messages`: what is sent and when (a domestic-violence report to the police, a decision to E-sosial);
- `delivery`: one delivery round, with `SELECT … FOR UPDATE SKIP LOCKED`;
- `models`: the tables (migration 0011).
"""

from sxvis.outbox.delivery import Deliverer, Outgoing, Receipt, RetryPolicy, RoundReport, deliver_due
from sxvis.outbox.messages import DecisionKind, post_decision, report_domestic_violence
from sxvis.outbox.models import DeadLetter, OutboxMessage
from sxvis.outbox.service import (
    CHANNEL,
    DeadLetterSummary,
    OutboxDepth,
    Queued,
    dead_letters,
    enqueue,
    outbox_depths,
    retry_dead_letter,
)

__all__ = [
    "CHANNEL",
    "DeadLetter",
    "DeadLetterSummary",
    "DecisionKind",
    "Deliverer",
    "OutboxDepth",
    "OutboxMessage",
    "Outgoing",
    "Queued",
    "Receipt",
    "RetryPolicy",
    "RoundReport",
    "dead_letters",
    "deliver_due",
    "enqueue",
    "outbox_depths",
    "post_decision",
    "report_domestic_violence",
    "retry_dead_letter",
]
