"""`MinistryClient` against a ministry played by a swapped transport: signing, retries, breaker, limits."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date

import httpx
import pytest
from pydantic import SecretStr

from integrations.breaker import CircuitState
from integrations.client import MinistryClient
from integrations.errors import (
    CircuitOpen,
    MalformedAnswer,
    MinistryFailed,
    MinistryRejected,
    MinistryTimedOut,
    MinistryUnreachable,
    NotKnownToMinistry,
)
from integrations.protocol import DisabilityRecord
from integrations.settings import MinistryEndpoint
from integrations.signing import HEADER_ISSUE, HEADER_MESSAGE_ID, HEADER_USER, Attribution, verify

KEY = SecretStr("shared-with-tseras")
OFFICIAL = Attribution(user_id="AZ/SXA/worker-17", issue="APP-2025-000042")
Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def endpoint(**overrides: object) -> MinistryEndpoint:
    settings: dict[str, object] = {
        "base_url": "http://tseras.test/api/v1/",
        "client_id": "AZ/GOV/SXVIS",
        "hmac_key": KEY,
        "connect_timeout": 0.1,
        "read_timeout": 0.15,
        "budget_seconds": 2.0,
        "max_concurrency": 4,
        "retry_attempts": 3,
        "retry_backoff_initial": 0.001,
        "retry_backoff_max": 0.005,
        "retry_jitter": 0.001,
        "breaker_failure_threshold": 5,
        "breaker_reset_seconds": 30,
    } | overrides
    return MinistryEndpoint.model_validate(settings)


class Ministry:
    """Plays the ministry: answers with `handler`, and keeps every request it received."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.received: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        return await self.handler(request)


def answering(*statuses: int) -> Handler:
    """Answer with these statuses in turn, then repeat the last one."""
    remaining = list(statuses)

    async def handler(request: httpx.Request) -> httpx.Response:
        status = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return httpx.Response(status, json={"group": 2, "cause": "general illness", "valid_until": None})

    return handler


def raising(error: type[httpx.TransportError]) -> Handler:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise error("simulated", request=request)

    return handler


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def clients() -> AsyncIterator[Callable[..., MinistryClient]]:
    made: list[MinistryClient] = []

    def make(
        ministry: Ministry, monotonic: Callable[[], float] = time.monotonic, **overrides: object
    ) -> MinistryClient:
        client = MinistryClient(
            "tseras", endpoint(**overrides), transport=httpx.MockTransport(ministry), monotonic=monotonic
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


async def test_every_request_carries_headers_whose_signature_verifies(
    clients: Callable[..., MinistryClient],
) -> None:
    ministry = Ministry(answering(200))
    await clients(ministry).post("disability", on_behalf=OFFICIAL, payload={"fin": "5ABC123"})
    (request,) = ministry.received
    envelope = verify(
        KEY,
        method=request.method,
        path=request.url.raw_path.decode(),
        body=request.content,
        headers=request.headers,
    )
    assert envelope.client_id == "AZ/GOV/SXVIS"
    assert request.headers[HEADER_USER] == "AZ/SXA/worker-17"
    assert request.headers[HEADER_ISSUE] == "APP-2025-000042"
    assert request.url.path == "/api/v1/disability"


async def test_query_string_is_covered_by_the_signature(clients: Callable[..., MinistryClient]) -> None:
    ministry = Ministry(answering(200))
    await clients(ministry).get("disability", on_behalf=OFFICIAL, params={"fin": "5ABC123"})
    (request,) = ministry.received
    assert request.url.raw_path == b"/api/v1/disability?fin=5ABC123"
    verify(KEY, method="GET", path="/api/v1/disability?fin=5ABC123", body=b"", headers=request.headers)


async def test_answer_carries_the_message_id_and_reads_as_a_typed_record(
    clients: Callable[..., MinistryClient],
) -> None:
    ministry = Ministry(answering(200))
    answer = await clients(ministry).get("disability", on_behalf=OFFICIAL, message_id="outbox-message-1")
    assert answer.message_id == "outbox-message-1"
    assert ministry.received[0].headers[HEADER_MESSAGE_ID] == "outbox-message-1"
    assert answer.parse(DisabilityRecord) == DisabilityRecord(
        group=2, cause="general illness", valid_until=None
    )


async def test_answer_of_the_wrong_shape_is_malformed(clients: Callable[..., MinistryClient]) -> None:
    async def odd(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"group": "severe"})

    answer = await clients(Ministry(odd)).get("disability", on_behalf=OFFICIAL)
    with pytest.raises(MalformedAnswer, match="wrong shape"):
        answer.parse(DisabilityRecord)


async def test_get_is_retried_on_503_with_the_same_message_id_then_succeeds(
    clients: Callable[..., MinistryClient],
) -> None:
    ministry = Ministry(answering(503, 503, 200))
    answer = await clients(ministry).get("disability", on_behalf=OFFICIAL)
    assert answer.attempts == 3
    assert {request.headers[HEADER_MESSAGE_ID] for request in ministry.received} == {answer.message_id}


async def test_get_is_retried_when_the_ministry_asks_to_slow_down(
    clients: Callable[..., MinistryClient],
) -> None:
    ministry = Ministry(answering(429, 200))
    assert (await clients(ministry).get("disability", on_behalf=OFFICIAL)).attempts == 2


async def test_post_is_not_retried(clients: Callable[..., MinistryClient]) -> None:
    ministry = Ministry(answering(503, 200))
    with pytest.raises(MinistryFailed) as failed:
        await clients(ministry).post("cabinet/decisions", on_behalf=OFFICIAL, payload={"decision": 1})
    assert failed.value.status_code == 503
    assert len(ministry.received) == 1


async def test_post_marked_idempotent_is_retried_under_one_message_id(
    clients: Callable[..., MinistryClient],
) -> None:
    ministry = Ministry(answering(503, 200))
    answer = await clients(ministry).post(
        "cabinet/decisions", on_behalf=OFFICIAL, payload={"decision": 1}, message_id="m-1", idempotent=True
    )
    assert answer.attempts == 2
    assert [request.headers[HEADER_MESSAGE_ID] for request in ministry.received] == ["m-1", "m-1"]


async def test_client_error_is_not_retried(clients: Callable[..., MinistryClient]) -> None:
    async def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text="fin is malformed")

    ministry = Ministry(refuse)
    with pytest.raises(MinistryRejected, match="fin is malformed") as rejected:
        await clients(ministry).get("disability", on_behalf=OFFICIAL)
    assert rejected.value.status_code == 400
    assert len(ministry.received) == 1


async def test_not_found_is_an_answer_not_an_outage(clients: Callable[..., MinistryClient]) -> None:
    ministry = Ministry(answering(404))
    client = clients(ministry, breaker_failure_threshold=1)
    with pytest.raises(NotKnownToMinistry):
        await client.get("disability", on_behalf=OFFICIAL)
    assert len(ministry.received) == 1
    assert client.breaker.state is CircuitState.CLOSED


async def test_timeouts_are_retried_then_reported_unavailable(clients: Callable[..., MinistryClient]) -> None:
    ministry = Ministry(raising(httpx.ReadTimeout))
    with pytest.raises(MinistryTimedOut, match="ReadTimeout"):
        await clients(ministry).get("disability", on_behalf=OFFICIAL)
    assert len(ministry.received) == 3


async def test_refused_connection_is_reported_unreachable(clients: Callable[..., MinistryClient]) -> None:
    ministry = Ministry(raising(httpx.ConnectError))
    with pytest.raises(MinistryUnreachable, match="ConnectError"):
        await clients(ministry).get("disability", on_behalf=OFFICIAL)
    assert len(ministry.received) == 3


async def test_open_breaker_fails_fast_without_sending(clients: Callable[..., MinistryClient]) -> None:
    ministry = Ministry(answering(500))
    client = clients(ministry, breaker_failure_threshold=2, retry_attempts=1)
    for _ in range(2):
        with pytest.raises(MinistryFailed):
            await client.get("disability", on_behalf=OFFICIAL)
    with pytest.raises(CircuitOpen):
        await client.get("disability", on_behalf=OFFICIAL)
    assert len(ministry.received) == 2
    assert client.breaker.state is CircuitState.OPEN


async def test_breaker_stops_retries_once_it_opens(clients: Callable[..., MinistryClient]) -> None:
    ministry = Ministry(answering(503))
    client = clients(ministry, breaker_failure_threshold=2, retry_attempts=5)
    with pytest.raises(CircuitOpen):
        await client.get("disability", on_behalf=OFFICIAL)
    assert len(ministry.received) == 2


async def test_after_the_reset_time_a_successful_probe_closes_the_breaker(
    clients: Callable[..., MinistryClient],
) -> None:
    monotonic = FakeMonotonic()
    ministry = Ministry(answering(500, 500, 200))
    client = clients(ministry, monotonic, breaker_failure_threshold=2, retry_attempts=1)
    for _ in range(2):
        with pytest.raises(MinistryFailed):
            await client.get("disability", on_behalf=OFFICIAL)
    monotonic.now += 30
    assert client.breaker.state is CircuitState.HALF_OPEN
    await client.get("disability", on_behalf=OFFICIAL)
    assert client.breaker.status().state is CircuitState.CLOSED


async def test_a_failed_probe_reopens_the_breaker(clients: Callable[..., MinistryClient]) -> None:
    monotonic = FakeMonotonic()
    ministry = Ministry(answering(500))
    client = clients(ministry, monotonic, breaker_failure_threshold=2, retry_attempts=1)
    for _ in range(2):
        with pytest.raises(MinistryFailed):
            await client.get("disability", on_behalf=OFFICIAL)
    monotonic.now += 30
    with pytest.raises(MinistryFailed):
        await client.get("disability", on_behalf=OFFICIAL)
    assert client.breaker.state is CircuitState.OPEN
    with pytest.raises(CircuitOpen):
        await client.get("disability", on_behalf=OFFICIAL)
    assert len(ministry.received) == 3


async def test_no_more_requests_in_flight_than_the_concurrency_limit(
    clients: Callable[..., MinistryClient],
) -> None:
    in_flight = peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return httpx.Response(200, json={})

    ministry = Ministry(slow)
    client = clients(ministry, max_concurrency=3)
    await asyncio.gather(*(client.get("disability", on_behalf=OFFICIAL) for _ in range(12)))
    assert len(ministry.received) == 12
    assert peak == 3


async def test_caller_never_waits_longer_than_the_budget(clients: Callable[..., MinistryClient]) -> None:
    async def hangs(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200)

    client = clients(Ministry(hangs), budget_seconds=0.3)
    started = time.monotonic()
    with pytest.raises(MinistryTimedOut, match=r"0\.3 s budget"):
        await client.get("disability", on_behalf=OFFICIAL)
    assert time.monotonic() - started < 0.6  # 0.3 s budget, not the 10 s hang
    # The hung try counts against the ministry's health like any other failure.
    assert client.breaker.status().consecutive_failures == 1


async def test_queueing_for_a_slot_counts_against_the_budget(clients: Callable[..., MinistryClient]) -> None:
    async def hangs(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200)

    client = clients(Ministry(hangs), budget_seconds=0.3, max_concurrency=1)
    started = time.monotonic()
    outcomes = await asyncio.gather(
        *(client.get("disability", on_behalf=OFFICIAL) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(outcome, MinistryTimedOut) for outcome in outcomes)
    assert time.monotonic() - started < 0.6  # 0.3 s budget, not the 10 s hang


async def test_silent_server_on_loopback_times_out_at_the_read_timeout() -> None:
    """Over a real socket, with httpx's own transport: the read timeout, not the budget, ends each try."""

    async def accept_and_say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client hangs up
        writer.close()

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = MinistryClient(
        "tseras", endpoint(base_url=f"http://127.0.0.1:{port}/", read_timeout=0.05, retry_attempts=2)
    )
    started = time.monotonic()
    try:
        with pytest.raises(MinistryTimedOut, match="ReadTimeout"):
            await client.get("disability", on_behalf=OFFICIAL)
    finally:
        await client.aclose()
        server.close()
        await server.wait_closed()
    assert 0.1 <= time.monotonic() - started < 1.0


def test_disability_record_shape_is_a_plain_typed_value() -> None:
    record = DisabilityRecord(group=1, cause="since childhood", valid_until=date(2027, 1, 31))
    assert record.valid_until == date(2027, 1, 31)
