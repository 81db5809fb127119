"""`sxvis serve --demo` on a fresh data folder, as the README's quick start runs it: the demo must work with
nothing else running, so it starts the ministry simulators itself, points the adapters at them, and
delivers the outbox in-process (issue 7, items 4 and 5)."""

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import Server

ALL_CHECKS = ["DISABILITY", "EMPLOYMENT", "ADDRESS_RESIDENTS", "TARGETED_AID", "PENSION"]
FIRST_PERSON = "{ persons(first: 1) { edges { node { id } } } }"
RUN_CHECKS = """mutation($i: RunChecksInput!) {
  runChecks(input: $i) { checks { kind status sourceSystem messageId } errors { code message } } }"""
RECORD = """mutation($i: RecordCircumstanceInput!) { recordCircumstance(input: $i) { errors { code } } }"""
STATUS = "{ integrationStatus { name lastSuccessAt outboxDepth deadLetters } }"


@pytest.fixture(scope="module")
def demo() -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix="sxvis-demo-"))
    server = Server(folder / "sxvis-data", "--demo")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def first_person(demo: Server) -> str:
    answer = demo.graphql(FIRST_PERSON)
    person_id: str = answer["data"]["persons"]["edges"][0]["node"]["id"]
    return person_id


def test_the_demo_answers_checks_from_its_own_simulators(demo: Server) -> None:
    answer = demo.graphql(RUN_CHECKS, i={"personId": first_person(demo), "checks": ALL_CHECKS})

    checks = answer["data"]["runChecks"]["checks"]
    assert {check["kind"] for check in checks} == set(ALL_CHECKS)
    assert {check["status"] for check in checks} <= {"OK", "NOT_FOUND"}, checks
    assert all(check["messageId"] for check in checks)


def test_the_demo_delivers_an_outbound_message_without_a_separate_worker(demo: Server) -> None:
    # Rule: a domestic-violence case is reported to the police (passport 09-03-00-00, steps 4-5).
    person_id = first_person(demo)
    recorded = demo.graphql(
        RECORD, i={"personId": person_id, "category": "DOMESTIC_VIOLENCE_VICTIM", "since": "2026-11-20"}
    )
    assert recorded["data"]["recordCircumstance"]["errors"] == []

    operator = demo.token(user="ops", agency="SXA", roles=("system_admin",))
    police: dict[str, Any] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = demo.graphql(STATUS, token=operator)["data"]["integrationStatus"]
        police = next(adapter for adapter in status if adapter["name"] == "police")
        if police["lastSuccessAt"] is not None and police["outboxDepth"] == 0:
            break
        time.sleep(0.3)
    assert police["lastSuccessAt"] is not None, police
    assert (police["outboxDepth"], police["deadLetters"]) == (0, 0)
