"""The operator view (issue 7, item 7): `integrationStatus`, `retryDeadLetter` and `/metrics`.

The app holds real clients to the ministry simulators (real HTTP on loopback); deliveries go through
those very clients, so the view shows what they saw.
"""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from authz.authentication import issue_dev_token
from integrations.hub import Integrations
from integrations.outbound import outbound_adapters
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.outbox import RetryPolicy, deliver_due, enqueue
from sxvis.outbox.messages import DECISION, DOMESTIC_VIOLENCE_REPORT, ESOSIAL, POLICE
from sxvis.web.app import create_app
from tests.conftest import Api
from tests.factories import WORKER
from tests.simulators import Ministries

SCRAPER_TOKEN = "scrape-" + uuid.uuid4().hex
STATUS = """
query S {
  integrationStatus {
    name configured circuitState consecutiveFailures lastSuccessAt recentCalls recentErrorRate
    p95LatencyMs outboxDepth deadLetters recentDeadLetters { id messageId kind attempts lastError }
  }
}
"""
RETRY = """
mutation R($input: RetryDeadLetterInput!) {
  retryDeadLetter(input: $input) { messageId ministry errors { field code message } }
}
"""
ONCE = RetryPolicy(max_attempts=1, backoff_initial=0.0, backoff_max=0.0)
LATER = RetryPolicy(max_attempts=5, backoff_initial=60.0, backoff_max=60.0)


class Operator:
    def __init__(self, api: Api, hub: Integrations, http: httpx.AsyncClient) -> None:
        self.admin = api.as_("system_admin", agency="VXSIDA", user="operator")
        self.worker = api.as_("social_worker", agency="SXA", user="worker")
        self.hub = hub
        self.http = http


@pytest.fixture
async def operator(
    db: Database, app_database: Database, settings: Settings, ministries: Ministries
) -> AsyncIterator[Operator]:
    configured = settings.model_copy(update={"metrics_token": SecretStr(SCRAPER_TOKEN)})
    async with ministries.integrations(retry_attempts=1) as hub:
        app = create_app(configured, database=app_database, integrations=hub)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sxvis.test") as client:
            yield Operator(Api(client, configured), hub, client)
        await app.state.gate.close()


async def put(db: Database, ministry: str, kind: str, count: int = 1) -> list[str]:
    async with db.transaction() as session:
        queued = [
            await enqueue(session, WORKER, ministry=ministry, kind=kind, payload={"n": n}, issue=f"t/{n}")
            for n in range(count)
        ]
    return [str(q.id) for q in queued]


async def deliver(db: Database, hub: Integrations, policy: RetryPolicy) -> None:
    await deliver_due(db, outbound_adapters(hub.clients), policy=policy, batch_size=50)


async def a_dead_letter(db: Database, hub: Integrations, ministries: Ministries) -> str:
    [message_id] = await put(db, POLICE, DOMESTIC_VIOLENCE_REPORT)
    ministries.faults(POLICE, down=True)
    await deliver(db, hub, ONCE)
    ministries.heal()
    return message_id


def by_name(result: dict[str, list[dict[str, object]]]) -> dict[str, dict[str, object]]:
    return {adapter["name"]: adapter for adapter in result["integrationStatus"]}  # type: ignore[misc]


async def test_integration_status_shows_a_healthy_adapters_last_success_and_latency(
    db: Database, operator: Operator
) -> None:
    await put(db, ESOSIAL, DECISION)
    await deliver(db, operator.hub, LATER)

    esosial = by_name((await operator.admin.execute(STATUS)).ok())[ESOSIAL]

    assert esosial["configured"] is True
    assert esosial["circuitState"] == "CLOSED"
    assert esosial["lastSuccessAt"] is not None
    assert (esosial["recentCalls"], esosial["recentErrorRate"], esosial["outboxDepth"]) == (1, 0.0, 0)
    assert isinstance(esosial["p95LatencyMs"], float)


async def test_integration_status_shows_a_failing_adapters_errors_outbox_and_dead_letters(
    db: Database, operator: Operator, ministries: Ministries
) -> None:
    dead_id = await a_dead_letter(db, operator.hub, ministries)
    ministries.faults(POLICE, down=True)
    await put(db, POLICE, DOMESTIC_VIOLENCE_REPORT, count=2)
    await deliver(db, operator.hub, LATER)

    police = by_name((await operator.admin.execute(STATUS)).ok())[POLICE]

    assert police["recentErrorRate"] == 1.0
    assert police["consecutiveFailures"] == 3
    assert (police["outboxDepth"], police["deadLetters"]) == (2, 1)
    [letter] = police["recentDeadLetters"]  # type: ignore[misc]
    assert (letter["messageId"], letter["kind"], letter["attempts"]) == (dead_id, DOMESTIC_VIOLENCE_REPORT, 1)
    assert "503" in letter["lastError"]


async def test_integration_status_is_forbidden_to_a_social_worker(operator: Operator) -> None:
    result = await operator.worker.execute(STATUS)

    assert [e["extensions"]["code"] for e in result.errors] == ["FORBIDDEN"]


async def test_retry_dead_letter_puts_it_back_in_the_outbox_under_its_message_id_and_logs_it(
    db: Database, operator: Operator, ministries: Ministries
) -> None:
    dead_id = await a_dead_letter(db, operator.hub, ministries)
    letter = by_name((await operator.admin.execute(STATUS)).ok())[POLICE]["recentDeadLetters"][0]  # type: ignore[index]

    payload = (await operator.admin.execute(RETRY, input={"id": letter["id"]})).payload("retryDeadLetter")

    assert payload == {"messageId": dead_id, "ministry": POLICE, "errors": []}
    async with db.transaction() as session:
        waiting = (await session.execute(text("SELECT id::text, attempts FROM outbox_messages"))).one()
        dead = await session.scalar(text("SELECT count(*) FROM outbox_dead_letters"))
        logged = await session.scalar(
            text(
                "SELECT actor_user FROM access_events WHERE action = 'dead_letter:retry' AND entity_id = :id"
            ),
            {"id": dead_id},
        )
    assert (tuple(waiting), dead, logged) == ((dead_id, 0), 0, "operator")


async def test_a_retried_dead_letter_is_delivered_once(
    db: Database, operator: Operator, ministries: Ministries
) -> None:
    dead_id = await a_dead_letter(db, operator.hub, ministries)
    letter = by_name((await operator.admin.execute(STATUS)).ok())[POLICE]["recentDeadLetters"][0]  # type: ignore[index]
    await operator.admin.execute(RETRY, input={"id": letter["id"]})

    await deliver(db, operator.hub, LATER)

    assert [m["message_id"] for m in ministries.received(POLICE)] == [dead_id]


async def test_retry_dead_letter_of_an_id_that_names_none_is_a_payload_error(operator: Operator) -> None:
    from schema.relay import global_id

    payload = (
        await operator.admin.execute(RETRY, input={"id": global_id("DeadLetter", uuid.uuid4())})
    ).payload("retryDeadLetter")

    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]


async def test_retry_dead_letter_is_forbidden_to_a_social_worker(
    db: Database, operator: Operator, ministries: Ministries
) -> None:
    from schema.relay import global_id

    dead_id = await a_dead_letter(db, operator.hub, ministries)
    result = await operator.worker.execute(RETRY, input={"id": global_id("DeadLetter", dead_id)})

    assert [e["extensions"]["code"] for e in result.errors] == ["FORBIDDEN"]


# /metrics


async def test_metrics_without_a_token_is_unauthorized(operator: Operator) -> None:
    response = await operator.http.get("/metrics")

    assert response.status_code == 401
    assert "sxvis_" not in response.text


async def test_metrics_with_a_token_lacking_the_permission_is_forbidden(
    operator: Operator, settings: Settings
) -> None:
    token = issue_dev_token(settings, user="w", agency="SXA", roles=["social_worker"])

    response = await operator.http.get("/metrics", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403


async def test_metrics_with_a_wrong_scraper_token_is_unauthorized(operator: Operator) -> None:
    response = await operator.http.get("/metrics", headers={"Authorization": "Bearer not-the-token"})

    assert response.status_code == 401


async def test_metrics_show_requests_latency_breakers_and_the_outbox(
    db: Database, operator: Operator, ministries: Ministries
) -> None:
    await put(db, ESOSIAL, DECISION)
    await deliver(db, operator.hub, LATER)
    await a_dead_letter(db, operator.hub, ministries)
    await put(db, POLICE, DOMESTIC_VIOLENCE_REPORT, count=2)

    response = await operator.http.get("/metrics", headers={"Authorization": f"Bearer {SCRAPER_TOKEN}"})

    assert response.status_code == 200
    lines = response.text.splitlines()
    assert any(
        line.startswith('sxvis_ministry_requests_total{adapter="esosial",outcome="ok"}') for line in lines
    )
    assert any(
        line.startswith('sxvis_ministry_requests_total{adapter="police",outcome="failed"}') for line in lines
    )
    assert any(line.startswith('sxvis_ministry_request_seconds_bucket{adapter="esosial"') for line in lines)
    assert 'sxvis_ministry_breaker_state{adapter="esosial"} 0.0' in lines
    assert 'sxvis_outbox_pending{ministry="police"} 2.0' in lines
    assert 'sxvis_outbox_dead_letters{ministry="police"} 1.0' in lines


async def test_metrics_are_open_to_a_system_admins_token(operator: Operator, settings: Settings) -> None:
    token = issue_dev_token(settings, user="op", agency="VXSIDA", roles=["system_admin"])

    response = await operator.http.get("/metrics", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert "sxvis_outbox_pending" in response.text
