"""What each ministry client measures: Prometheus series for `/metrics`, and recent calls for the
operator view (`integrationStatus`: last success, recent error rate, p95 latency).

Every try a `MinistryClient` makes (or refuses, with its breaker open) is recorded once, with its outcome:

| outcome         | meaning                                   | counts as an error |
|-----------------|-------------------------------------------|--------------------|
| `ok`            | a 2xx answer                              | no                 |
| `not_found`     | 404: the ministry has no such record      | no (an answer)     |
| `rejected`      | another 4xx: our request was refused      | no (the ministry works) |
| `failed`        | 5xx or 429                                | yes                |
| `timeout`       | no answer in time                         | yes                |
| `unreachable`   | no connection                             | yes                |
| `circuit_open`  | not sent: the breaker is open             | yes                |

The Prometheus series are per process (uvicorn workers and `sxvis worker` each count their own calls);
the outbox's depth and dead letters are read from the database when `/metrics` is scraped.
"""

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from prometheus_client import Counter, Gauge, Histogram

from sxvis import clock

REQUESTS = Counter(
    "sxvis_ministry_requests",
    "Requests to ministry systems (each try), by adapter and outcome.",
    ["adapter", "outcome"],
)
LATENCY = Histogram(
    "sxvis_ministry_request_seconds",
    "Time from sending a request to a ministry to its answer (tries that were sent).",
    ["adapter"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
BREAKER_STATE = Gauge(
    "sxvis_ministry_breaker_state", "Circuit breaker per adapter: 0 closed, 1 half-open, 2 open.", ["adapter"]
)
OUTBOX_PENDING = Gauge(
    "sxvis_outbox_pending", "Outbox messages not yet delivered, by ministry.", ["ministry"]
)
OUTBOX_DEAD = Gauge("sxvis_outbox_dead_letters", "Messages in the dead letters, by ministry.", ["ministry"])

WINDOW_SECONDS = 300.0
WINDOW_CALLS = 500


class Outcome(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    REJECTED = "rejected"
    FAILED = "failed"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    CIRCUIT_OPEN = "circuit_open"

    @property
    def is_error(self) -> bool:
        return self in _ERRORS


_ERRORS = frozenset({Outcome.FAILED, Outcome.TIMEOUT, Outcome.UNREACHABLE, Outcome.CIRCUIT_OPEN})


@dataclass(frozen=True, slots=True)
class Recent:
    """A client's last few minutes, as the operator view shows them."""

    calls: int
    error_rate: float | None
    p95_seconds: float | None
    last_success_at: datetime | None


class CallStats:
    """One client's recent tries (the last `WINDOW_CALLS` within `WINDOW_SECONDS`) and its last success."""

    def __init__(self, adapter: str, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.adapter = adapter
        self._monotonic = monotonic
        self._calls: deque[tuple[float, bool, float | None]] = deque(maxlen=WINDOW_CALLS)
        self._last_success: datetime | None = None

    def record(self, outcome: Outcome, seconds: float | None) -> None:
        REQUESTS.labels(self.adapter, outcome.value).inc()
        if seconds is not None:
            LATENCY.labels(self.adapter).observe(seconds)
        self._calls.append((self._monotonic(), outcome.is_error, seconds))
        if not outcome.is_error:
            self._last_success = clock.now()

    def recent(self) -> Recent:
        horizon = self._monotonic() - WINDOW_SECONDS
        window = [call for call in self._calls if call[0] >= horizon]
        latencies = sorted(seconds for _, _, seconds in window if seconds is not None)
        return Recent(
            calls=len(window),
            error_rate=sum(1 for _, error, _ in window if error) / len(window) if window else None,
            p95_seconds=_percentile(latencies, 0.95),
            last_success_at=self._last_success,
        )


def _percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list; None when there is nothing to rank."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
