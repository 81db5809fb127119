"""The circuit breaker: closed, open after N consecutive failures, one probe after the reset time."""

import pytest

from integrations.breaker import CircuitBreaker, CircuitState
from integrations.errors import CircuitOpen


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def breaker(monotonic: FakeMonotonic) -> CircuitBreaker:
    return CircuitBreaker("tseras", failure_threshold=3, reset_seconds=30, monotonic=monotonic)


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.failed(breaker.admit())


def test_a_new_breaker_is_closed_and_admits_calls(breaker: CircuitBreaker) -> None:
    assert breaker.state is CircuitState.CLOSED
    assert breaker.admit().probe is False


def test_stays_closed_below_the_failure_threshold(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    assert breaker.state is CircuitState.CLOSED
    assert breaker.status().consecutive_failures == 2


def test_a_success_forgives_earlier_failures(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    breaker.succeeded(breaker.admit())
    fail(breaker, 2)
    assert breaker.state is CircuitState.CLOSED


def test_opens_after_threshold_consecutive_failures(breaker: CircuitBreaker) -> None:
    fail(breaker, 3)
    assert breaker.state is CircuitState.OPEN
    status = breaker.status()
    assert status.opened_at is not None
    assert status.retry_in_seconds == 30


def test_open_breaker_refuses_at_once_saying_when_it_will_probe(
    breaker: CircuitBreaker, monotonic: FakeMonotonic
) -> None:
    fail(breaker, 3)
    monotonic.advance(10)
    with pytest.raises(CircuitOpen) as refused:
        breaker.admit()
    assert refused.value.retry_in_seconds == 20
    assert "tseras" in str(refused.value)


def test_half_opens_after_the_reset_time(breaker: CircuitBreaker, monotonic: FakeMonotonic) -> None:
    fail(breaker, 3)
    monotonic.advance(30)
    assert breaker.state is CircuitState.HALF_OPEN


def test_half_open_lets_exactly_one_probe_through(breaker: CircuitBreaker, monotonic: FakeMonotonic) -> None:
    fail(breaker, 3)
    monotonic.advance(30)
    assert breaker.admit().probe is True
    with pytest.raises(CircuitOpen):
        breaker.admit()


def test_successful_probe_closes_the_circuit(breaker: CircuitBreaker, monotonic: FakeMonotonic) -> None:
    fail(breaker, 3)
    monotonic.advance(30)
    breaker.succeeded(breaker.admit())
    assert breaker.state is CircuitState.CLOSED
    assert breaker.status().consecutive_failures == 0
    assert breaker.admit().probe is False


def test_failed_probe_opens_the_circuit_for_another_reset_time(
    breaker: CircuitBreaker, monotonic: FakeMonotonic
) -> None:
    fail(breaker, 3)
    monotonic.advance(30)
    breaker.failed(breaker.admit())
    assert breaker.state is CircuitState.OPEN
    monotonic.advance(29)
    with pytest.raises(CircuitOpen):
        breaker.admit()
    monotonic.advance(1)
    assert breaker.admit().probe is True


def test_a_straggler_admitted_before_opening_does_not_close_the_circuit(breaker: CircuitBreaker) -> None:
    straggler = breaker.admit()
    fail(breaker, 3)
    breaker.succeeded(straggler)
    assert breaker.state is CircuitState.OPEN
