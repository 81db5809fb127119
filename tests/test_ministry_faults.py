"""The client's protections against a misbehaving ministry, over real HTTP against the simulators (issue 7,
"tests that must exist"): timeouts, retries for idempotent calls only, the circuit breaker opening and
closing again, and the concurrency limit. `test_integrations_client.py` covers the same rules with a
scripted transport for the edge cases a live server cannot stage on demand."""

import asyncio

import pytest

from integrations.breaker import CircuitState
from integrations.errors import CircuitOpen, MinistryFailed, MinistryTimedOut
from integrations.signing import Attribution
from tests.simulators import Ministries

OFFICIAL = Attribution(user_id="aysel@SXA", issue="person/7d3c1b0e")
FIN = "5ABC123"
QUERY = f"persons/{FIN}/disability"
RECORD = {"group": 2, "cause": "work injury", "valid_until": "2027-05-31"}


async def test_a_ministry_slower_than_the_read_timeout_times_out(ministries: Ministries) -> None:
    ministries.faults("tseras", latency_ms=1500)
    limits = {"connect_timeout": 0.2, "read_timeout": 0.2, "budget_seconds": 1.0, "retry_attempts": 1}
    async with ministries.integrations(**limits) as hub:
        with pytest.raises(MinistryTimedOut):
            await hub.clients["tseras"].get(QUERY, on_behalf=OFFICIAL)


async def test_a_failing_query_is_retried_under_one_message_id(ministries: Ministries) -> None:
    ministries.faults("tseras", error_rate=1.0)
    async with ministries.integrations(retry_attempts=3, retry_jitter=0, budget_seconds=5) as hub:
        with pytest.raises(MinistryFailed):
            await hub.clients["tseras"].get(QUERY, on_behalf=OFFICIAL)
    tries = ministries.attempts("tseras")["messageIds"]
    assert len(tries) == 3
    assert len(set(tries)) == 1


async def test_a_failing_post_is_not_retried(ministries: Ministries) -> None:
    ministries.faults("esosial", error_rate=1.0)
    async with ministries.integrations(retry_attempts=3, retry_jitter=0, budget_seconds=5) as hub:
        with pytest.raises(MinistryFailed):
            await hub.clients["esosial"].post("decisions", on_behalf=OFFICIAL, payload={"decision": "NO"})
    assert len(ministries.attempts("esosial")["messageIds"]) == 1


async def test_the_breaker_opens_on_repeated_failures_and_closes_when_the_ministry_recovers(
    ministries: Ministries,
) -> None:
    ministries.put("tseras", FIN, RECORD)
    ministries.faults("tseras", down=True)
    limits = {"retry_attempts": 1, "breaker_failure_threshold": 2, "breaker_reset_seconds": 0.3}
    async with ministries.integrations(**limits) as hub:
        client = hub.clients["tseras"]
        for _ in range(2):
            with pytest.raises(MinistryFailed):
                await client.get(QUERY, on_behalf=OFFICIAL)
        with pytest.raises(CircuitOpen):
            await client.get(QUERY, on_behalf=OFFICIAL)
        assert len(ministries.attempts("tseras")["messageIds"]) == 2  # the open circuit sent nothing
        assert client.breaker.state is CircuitState.OPEN

        ministries.heal()
        await asyncio.sleep(0.35)
        answer = await client.get(QUERY, on_behalf=OFFICIAL)  # the probe
        assert answer.status_code == 200
        assert client.breaker.state is CircuitState.CLOSED


async def test_no_more_requests_reach_a_ministry_at_once_than_the_concurrency_limit(
    ministries: Ministries,
) -> None:
    ministries.put("tseras", FIN, RECORD)
    ministries.faults("tseras", latency_ms=150)
    async with ministries.integrations(max_concurrency=2, budget_seconds=5) as hub:
        client = hub.clients["tseras"]
        await asyncio.gather(*(client.get(QUERY, on_behalf=OFFICIAL) for _ in range(6)))
    seen = ministries.attempts("tseras")
    assert len(seen["messageIds"]) == 6
    assert seen["peakInFlight"] == 2
