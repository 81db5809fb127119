"""A circuit breaker per ministry endpoint, so a dead ministry costs its callers nothing but a fast refusal.

closed ──N consecutive failures──▶ open ──reset time passes──▶ half-open: one probe goes through
  ▲                                  ▲                                   │
  └──────────── probe succeeds ──────┼───────────────────────────────────┤
                                     └──────────── probe fails ──────────┘

Why our own and not a library: the two maintained-looking asyncio breakers on PyPI did not fit.
`purgatory` (3.0) reads `time.time()` inside its states (no injectable clock, so tests would sleep through
the reset time), lets every request through while half-open instead of one probe, and brings a message bus
and unit-of-work layer for storage we do not need. `aiobreaker` has had no release since 2021 and uses the
deprecated `datetime.utcnow`. The whole state machine is the sixty lines below.

The breaker does no I/O and never awaits, so there is no lock: asyncio switches tasks only at an await.
Every permit `admit` hands out must be settled with `succeeded` or `failed` (the client does so in a
`finally`), or a half-open breaker would wait for its probe forever.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from integrations.errors import CircuitOpen
from sxvis import clock


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class Permit:
    """Leave to make one call; `probe` marks the single call that decides whether the circuit closes."""

    probe: bool


@dataclass(frozen=True, slots=True)
class BreakerStatus:
    """What the operator view shows of a breaker."""

    state: CircuitState
    consecutive_failures: int
    opened_at: datetime | None
    retry_in_seconds: float | None


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int,
        reset_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_seconds <= 0:
            raise ValueError("a breaker needs failure_threshold >= 1 and reset_seconds > 0")
        self.name = name
        self._threshold = failure_threshold
        self._reset_seconds = reset_seconds
        self._monotonic = monotonic
        self._failures = 0
        self._opened_at: float | None = None
        self._opened_at_wall: datetime | None = None
        self._probe_in_flight = False

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._probe_in_flight or self._retry_in() == 0:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def status(self) -> BreakerStatus:
        return BreakerStatus(
            state=self.state,
            consecutive_failures=self._failures,
            opened_at=self._opened_at_wall,
            retry_in_seconds=None if self._opened_at is None else self._retry_in(),
        )

    def admit(self) -> Permit:
        """Leave to call, or `CircuitOpen` at once while the circuit is open or its probe is out."""
        if self._opened_at is None:
            return Permit(probe=False)
        if self._probe_in_flight or self._retry_in() > 0:
            raise CircuitOpen(self.name, retry_in_seconds=self._retry_in())
        self._probe_in_flight = True
        return Permit(probe=True)

    def succeeded(self, permit: Permit) -> None:
        # While open, only the probe's outcome counts: a straggler admitted before the circuit opened
        # says little about the ministry now.
        if permit.probe or self._opened_at is None:
            self._failures = 0
            self._opened_at = self._opened_at_wall = None
            self._probe_in_flight = False

    def failed(self, permit: Permit) -> None:
        if permit.probe:
            self._failures += 1
            self._probe_in_flight = False
            self._open()
        elif self._opened_at is None:
            self._failures += 1
            if self._failures >= self._threshold:
                self._open()

    def _open(self) -> None:
        self._opened_at = self._monotonic()
        self._opened_at_wall = clock.now()

    def _retry_in(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self._reset_seconds - self._monotonic())
