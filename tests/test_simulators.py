"""The ministry simulators: signed, identified, deduplicated, recorded, faulty on demand, and consistent
with the demo registry. All over real HTTP on loopback (issue 7, item 5 and "Tests that must exist")."""

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import orjson
import pytest
from pydantic import SecretStr

from integrations.errors import MinistryFailed, MinistryRejected
from integrations.hub import Integrations
from integrations.signing import (
    HEADER_CLIENT,
    HEADER_ISSUE,
    HEADER_MESSAGE_ID,
    HEADER_USER,
    Attribution,
    verify,
)
from integrations.simulators import MINISTRIES, demo_keys, endpoint_settings
from integrations.simulators.running import CLIENT_ID
from sxvis.checks import CheckKind, Requester
from sxvis.registry.enums import CircumstanceCategory
from sxvis.seed.demo import generate
from tests.servers import free_port
from tests.simulators import FAST, Ministries

OFFICIAL = Attribution(user_id="aysel@SXA", issue="person/7d3c1b0e")
DISABLING = {
    CircumstanceCategory.ADULT_WITH_DISABILITY.value,
    CircumstanceCategory.CHILD_WITH_DISABILITY.value,
}
NEVER_DISABLED = DISABLING | {CircumstanceCategory.UNABLE_TO_SELF_CARE.value}


def demo_registry() -> tuple[list, dict[object, set[str]]]:
    """The persons the simulators were started with (seed 2026, 200 persons) and their circumstances."""
    persons, held = [], {}
    for batch in generate(2026, 200):
        persons += batch.persons
        for c in batch.circumstances:
            if c.until is None or c.until >= date.today():
                held.setdefault(c.person_id, set()).add(c.category)
    return persons, held


async def test_every_request_carries_the_xroad_headers_and_a_signature_the_ministry_verifies(
    ministries: Ministries,
) -> None:
    requester = Requester(user_id=OFFICIAL.user_id, issue=OFFICIAL.issue)
    async with ministries.integrations() as hub:
        for kind in CheckKind:
            await hub.ask(kind, fin="1234567", requester=requester)
        for name, path in (("esosial", "decisions"), ("police", "reports")):
            await hub.clients[name].post(path, on_behalf=OFFICIAL, payload={"about": "person/7d3c1b0e"})
    for name in MINISTRIES:
        (received,) = ministries.received(name)
        headers = received["headers"]
        assert headers[HEADER_CLIENT.lower()] == CLIENT_ID
        assert headers[HEADER_USER.lower()] == OFFICIAL.user_id
        assert headers[HEADER_ISSUE.lower()] == OFFICIAL.issue
        assert headers[HEADER_MESSAGE_ID.lower()] == received["message_id"]
        body = b"" if received["body"] is None else orjson.dumps(received["body"])
        method = "GET" if received["body"] is None else "POST"
        verify(ministries.keys[name], method=method, path=received["path"], body=body, headers=headers)


async def test_a_query_is_received_with_its_attribution(ministries: Ministries) -> None:
    async with ministries.integrations() as hub:
        answer = await hub.clients["pension"].get("persons/1234567/pension", on_behalf=OFFICIAL)
    (received,) = ministries.received("pension")
    assert received["path"] == "/pension/persons/1234567/pension"
    assert (received["user_id"], received["issue"]) == (OFFICIAL.user_id, OFFICIAL.issue)
    assert received["message_id"] == answer.message_id
    verify(
        ministries.keys["pension"], method="GET", path=received["path"], body=b"", headers=received["headers"]
    )


async def test_the_simulator_refuses_a_wrong_signature_and_keeps_nothing(ministries: Ministries) -> None:
    wrong = {**ministries.keys, "tseras": SecretStr("not-the-ministry-key")}
    async with Integrations(endpoint_settings(ministries.url, wrong, **FAST)) as hub:
        with pytest.raises(MinistryRejected) as refused:
            await hub.clients["tseras"].get("persons/1234567/disability", on_behalf=OFFICIAL)
    assert refused.value.status_code == 401
    assert "signature does not match" in refused.value.detail
    assert ministries.received("tseras") == []
    assert ministries.rejected("tseras")[0]["reason"] == "signature does not match the message"


def test_an_unsigned_request_is_refused_with_the_reason(ministries: Ministries) -> None:
    response = httpx.get(f"{ministries.url}/vemtas/persons/1234567/assistance")
    assert response.status_code == 401
    assert response.json() == {"error": "signature rejected", "reason": "missing X-SXVIS-Timestamp"}


async def test_an_outbound_message_sent_twice_is_received_once(ministries: Ministries) -> None:
    async with ministries.integrations() as hub:
        police = hub.clients["police"]
        payload = {"case": "DV-1", "urgency": "EMERGENCY"}
        first = await police.post("reports", on_behalf=OFFICIAL, payload=payload, message_id="report-1")
        again = await police.post("reports", on_behalf=OFFICIAL, payload=payload, message_id="report-1")
    assert first.json() == {"status": "received", "messageId": "report-1"}
    assert again.json() == {"status": "duplicate", "messageId": "report-1"}
    assert [r["message_id"] for r in ministries.received("police")] == ["report-1"]
    assert ministries.received("police")[0]["body"] == payload


async def test_a_query_asked_again_with_its_message_id_gets_the_same_answer_and_is_kept_once(
    ministries: Ministries,
) -> None:
    ministries.put(
        "employment", "1234567", {"employed": True, "employer": "Azərsu ASC", "since": "2020-01-01"}
    )
    async with ministries.integrations() as hub:
        client = hub.clients["employment"]
        first = await client.get("persons/1234567/contracts", on_behalf=OFFICIAL, message_id="q-1")
        ministries.put("employment", "1234567", {"employed": False, "employer": None, "since": None})
        again = await client.get("persons/1234567/contracts", on_behalf=OFFICIAL, message_id="q-1")
    assert again.json() == first.json()
    assert len(ministries.received("employment")) == 1


async def test_a_ministry_set_down_answers_503_until_healed(ministries: Ministries) -> None:
    ministries.faults("vemtas", down=True)
    async with ministries.integrations(retry_attempts=1) as hub:
        with pytest.raises(MinistryFailed) as failed:
            await hub.clients["vemtas"].get("persons/1234567/assistance", on_behalf=OFFICIAL)
        assert failed.value.status_code == 503
        assert ministries.received("vemtas") == []
        ministries.heal()
        answer = await hub.clients["vemtas"].get("persons/1234567/assistance", on_behalf=OFFICIAL)
    assert answer.status_code == 200


async def test_an_error_rate_of_one_fails_every_request_with_500(ministries: Ministries) -> None:
    ministries.faults("pension", error_rate=1.0)
    async with ministries.integrations(retry_attempts=2) as hub:
        with pytest.raises(MinistryFailed) as failed:
            await hub.clients["pension"].get("persons/1234567/pension", on_behalf=OFFICIAL)
    assert failed.value.status_code == 500


def test_faults_are_refused_when_malformed_and_for_unknown_ministries(ministries: Ministries) -> None:
    assert ministries.admin.put("/faults/tseras", json={"latency_ms": -1}).status_code == 422
    assert ministries.admin.put("/faults/nowhere", json={}).status_code == 404
    assert set(ministries.admin.get("/faults").json()) == set(MINISTRIES)


async def test_a_demo_person_with_a_disability_has_a_tseras_record_and_one_without_none(
    ministries: Ministries,
) -> None:
    persons, held = demo_registry()
    disabled = next(p for p in persons if held.get(p.id, set()) & DISABLING)
    able = next(p for p in persons if not held.get(p.id, set()) & NEVER_DISABLED)
    async with ministries.integrations() as hub:
        assert hub.disability is not None
        found = await hub.disability.disability_of(disabled.fin, on_behalf=OFFICIAL)
        none = await hub.disability.disability_of(able.fin, on_behalf=OFFICIAL)
    assert found.record is not None
    assert 1 <= found.record.group <= 3
    assert none.record is None


async def test_the_address_registry_lists_the_demo_household_of_the_person(ministries: Ministries) -> None:
    persons, _ = demo_registry()
    by_household: dict[object, list] = {}
    for p in persons:
        if p.household_id is not None:
            by_household.setdefault(p.household_id, []).append(p)
    family = next(members for members in by_household.values() if len(members) >= 3)
    async with ministries.integrations() as hub:
        assert hub.address is not None
        answer = await hub.address.residents_of(family[0].fin, on_behalf=OFFICIAL)
    assert answer.record is not None
    assert {r.fin for r in answer.record.residents} == {p.fin for p in family[1:]}


def test_sxvis_simulate_starts_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SXVIS_")} | {
        "SXVIS_DATA_DIR": str(tmp_path)
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "sxvis", "simulate", "--port", str(port), "--persons", "50"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(3 * len(MINISTRIES))]
        printed = dict(line.removeprefix("export ").split("=", 1) for line in lines)
        assert printed["SXVIS_MINISTRY__TSERAS__BASE_URL"] == f"http://127.0.0.1:{port}/tseras/"
        keys = demo_keys(tmp_path)
        assert printed["SXVIS_MINISTRY__TSERAS__HMAC_KEY"] == keys["tseras"].get_secret_value()
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_admin/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "sxvis simulate did not answer"
                time.sleep(0.1)
        assert health.json()["ministries"] == list(MINISTRIES)
        settings = endpoint_settings(f"http://127.0.0.1:{port}", keys, **FAST)
        import asyncio

        async def ask() -> int:
            async with Integrations(settings) as hub:
                answer = await hub.clients["pension"].get("persons/1234567/pension", on_behalf=OFFICIAL)
                return answer.status_code

        assert asyncio.run(ask()) == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
