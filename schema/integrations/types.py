"""Types of the operator view: each ministry adapter's health, its outbox, its dead letters."""

from datetime import datetime
from enum import Enum

import strawberry

from integrations.breaker import CircuitState as DomainCircuitState
from resolvers.integrations import AdapterStatus
from schema.relay import global_id
from sxvis.outbox import DeadLetterSummary

CircuitState = strawberry.enum(
    Enum("CircuitState", {m.name: m.value for m in DomainCircuitState}),  # type: ignore[misc]
    name="CircuitState",
    description="A ministry endpoint's circuit breaker: CLOSED (calls go through), OPEN (refused at "
    "once), HALF_OPEN (one probe decides).",
)


@strawberry.type(
    description="A message the outbox gave up on (its content is not shown: it may be personal)."
)
class DeadLetter:
    id: strawberry.ID = strawberry.field(description="Give it to retryDeadLetter; also its message id.")
    message_id: str = strawberry.field(description="The X-Road-Id it was, and will again be, sent with.")
    ministry: str
    kind: str
    attempts: int
    last_error: str | None
    created_at: datetime
    dead_at: datetime


@strawberry.type(description="One ministry adapter, as the operator sees it.")
class IntegrationStatus:
    name: str = strawberry.field(description="The adapter's settings key: tseras, esosial, police …")
    configured: bool = strawberry.field(description="False: no endpoint is configured; messages wait.")
    circuit_state: CircuitState  # type: ignore[valid-type]
    consecutive_failures: int
    retry_in_seconds: float | None = strawberry.field(description="While open: until the next probe.")
    last_success_at: datetime | None = strawberry.field(
        description="The last answered call (this server) or delivered message (any worker)."
    )
    recent_calls: int = strawberry.field(description="Calls by this server in the last five minutes.")
    recent_error_rate: float | None = strawberry.field(
        description="Share of those calls that failed (5xx, timeout, no connection, circuit open)."
    )
    p95_latency_ms: float | None = strawberry.field(description="95th percentile latency of those calls.")
    outbox_depth: int = strawberry.field(description="Messages waiting to be delivered.")
    oldest_pending_at: datetime | None
    dead_letters: int = strawberry.field(description="Messages given up on, waiting for an operator.")
    recent_dead_letters: list[DeadLetter] = strawberry.field(description="The latest twenty of them.")


def dead_letter_of(letter: DeadLetterSummary) -> DeadLetter:
    return DeadLetter(
        id=global_id("DeadLetter", letter.id),
        message_id=str(letter.id),
        ministry=letter.ministry,
        kind=letter.kind,
        attempts=letter.attempts,
        last_error=letter.last_error,
        created_at=letter.created_at,
        dead_at=letter.dead_at,
    )


def integration_status_of(status: AdapterStatus) -> IntegrationStatus:
    breaker, recent = status.breaker, status.recent
    return IntegrationStatus(
        name=status.name,
        configured=status.configured,
        circuit_state=CircuitState(breaker.state.value),
        consecutive_failures=breaker.consecutive_failures,
        retry_in_seconds=breaker.retry_in_seconds,
        last_success_at=status.last_success_at,
        recent_calls=recent.calls,
        recent_error_rate=recent.error_rate,
        p95_latency_ms=None if recent.p95_seconds is None else round(recent.p95_seconds * 1000, 3),
        outbox_depth=status.outbox.pending,
        oldest_pending_at=status.outbox.oldest_pending_at,
        dead_letters=status.outbox.dead,
        recent_dead_letters=[dead_letter_of(letter) for letter in status.dead_letters],
    )
