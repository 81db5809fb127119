"""The transactional outbox and `sxvis worker`, against the ministry simulators over real HTTP on loopback.

Issue 7, item 4: outbound messages are written in the transaction of the change that causes them;
`sxvis worker` delivers them (`FOR UPDATE SKIP LOCKED`, so several workers are safe), retries with
backoff, moves a message to the dead letters after a configured number of attempts; the message id makes
delivery exactly-once at the receiver. Rule 10 (passport 09-03-00-00, step 4: the police are informed of
a domestic-violence case) is what puts the first messages there.
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from integrations.outbound import outbound_adapters
from integrations.simulators import environment
from sxvis.database import Database
from sxvis.outbox import RetryPolicy, deliver_due, enqueue
from sxvis.outbox.messages import DOMESTIC_VIOLENCE_REPORT, POLICE
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import WORKER, person_input
from tests.simulators import Ministries

RECORD_CIRCUMSTANCE = """
mutation Record($input: RecordCircumstanceInput!) {
  recordCircumstance(input: $input) { circumstance { id } errors { field code message } }
}
"""
WAIT_SECONDS = 60.0
NO_BACKOFF = RetryPolicy(max_attempts=3, backoff_initial=0.0, backoff_max=0.0)


async def put_reports(db: Database, count: int) -> list[str]:
    """`count` police reports in the outbox, committed; their message ids."""
    async with db.transaction() as session:
        queued = [
            await enqueue(
                session,
                WORKER,
                ministry=POLICE,
                kind=DOMESTIC_VIOLENCE_REPORT,
                payload={"reference": str(uuid.uuid4()), "n": n},
                issue=f"test/{n}",
                urgent=True,
            )
            for n in range(count)
        ]
    return [str(q.id) for q in queued]


async def outbox_rows(db: Database) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT id::text, attempts, delivered_at, receipt->>'status' AS receipt, last_error,"
                " next_attempt_at FROM outbox_messages ORDER BY created_at"
            )
        )
        return [dict(row._mapping) for row in rows]


async def delivered_count(db: Database) -> int:
    async with db.transaction() as session:
        found = await session.scalar(
            text("SELECT count(*) FROM outbox_messages WHERE delivered_at IS NOT NULL")
        )
    return int(found or 0)


class WorkerProcess:
    """`sxvis worker` in a subprocess, pointed at the tests' database and simulators; its JSON log lines
    are collected as it writes them."""

    def __init__(self, database_url: str, data_dir: Path, ministries: Ministries, **settings: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SXVIS_")}
        env |= environment(ministries.url, ministries.keys)
        env |= {
            "SXVIS_DATABASE_URL": database_url,
            "SXVIS_DATA_DIR": str(data_dir),
            "SXVIS_LOG_JSON": "true",
            "SXVIS_OUTBOX_POLL_SECONDS": "0.2",
            **{f"SXVIS_{name.upper()}": value for name, value in settings.items()},
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sxvis", "worker"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                self.events.append(orjson.loads(line))

    def logged(self, event: str) -> int:
        return sum(1 for logged in list(self.events) if logged.get("event") == event)

    def wait_started(self) -> "WorkerProcess":
        wait_for(lambda: self.logged("worker.started") > 0, "the worker to start")
        return self

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, and wait until it has stopped and its last lines are read."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._reader.join(timeout=10)


@pytest.fixture
def workers(database_url: str, data_dir: Path, ministries: Ministries) -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for process in started:
        if process.process.poll() is None:
            process.process.kill()
            process.process.wait(timeout=10)


def start_worker(
    started: list[WorkerProcess], database_url: str, data_dir: Path, ministries: Ministries, **settings: str
) -> WorkerProcess:
    process = WorkerProcess(database_url, data_dir, ministries, **settings)
    started.append(process)
    return process


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def wait_until_delivered(db: Database, count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while await delivered_count(db) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {await delivered_count(db)} of {count} messages were delivered")
        await asyncio.sleep(0.1)


# Written with the change that causes it


async def test_recording_domestic_violence_puts_an_urgent_police_report_in_the_outbox(
    api: Api, db: Database
) -> None:
    person = (await api.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")["person"]
    result = await api.execute(
        RECORD_CIRCUMSTANCE,
        input={"personId": person["id"], "category": "DOMESTIC_VIOLENCE_VICTIM", "since": "2026-01-10"},
    )
    assert result.payload("recordCircumstance")["errors"] == []

    async with db.transaction() as session:
        row = (
            await session.execute(
                text("SELECT ministry, kind, urgent, agency_code, attribution_user FROM outbox_messages")
            )
        ).one()
    assert tuple(row) == (POLICE, DOMESTIC_VIOLENCE_REPORT, True, "SXA", "test-worker@SXA")


async def test_the_police_report_names_nobody(api: Api, db: Database) -> None:
    """Rule 10, passport 09-03-00-00 step 5: the victim's anonymity is protected; the police get the
    incident, the place by district, and the agency to ask, never the name, FIN, address or contacts."""
    given = person_input()
    person = (await api.execute(REGISTER_PERSON, input=given)).payload("registerPerson")["person"]
    await api.execute(
        RECORD_CIRCUMSTANCE,
        input={"personId": person["id"], "category": "DOMESTIC_VIOLENCE_VICTIM", "since": "2026-01-10"},
    )

    async with db.transaction() as session:
        payload = await session.scalar(text("SELECT payload FROM outbox_messages"))
    sent = orjson.dumps(payload).decode()
    for identifying in ("fin", "lastName", "firstName", "patronymic", "addressLine", "phone", "email"):
        assert given[identifying] not in sent, identifying
    assert payload["districtCode"] == given["districtCode"]
    assert payload["reportingAgency"] == "SXA"


async def test_another_circumstance_sends_nothing_to_the_police(api: Api, db: Database) -> None:
    person = (await api.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")["person"]
    await api.execute(
        RECORD_CIRCUMSTANCE, input={"personId": person["id"], "category": "ELDERLY", "since": "2026-01-10"}
    )

    assert await outbox_rows(db) == []


CREATE_REFERRAL = """
mutation C($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id } errors { field code message } }
}
"""
ACCEPT_REFERRAL = """
mutation A($input: MoveReferralInput!) {
  acceptReferral(input: $input) { referral { id status } errors { field code message } }
}
"""


async def test_accepting_a_referral_for_a_service_posts_the_decision_to_the_persons_esosial_cabinet(
    api: Api, db: Database
) -> None:
    """Rule 5 (passport 01-09-15-00, step 10): the decision is posted to the person's E-sosial cabinet."""
    given = person_input()
    person = (await api.execute(REGISTER_PERSON, input=given)).payload("registerPerson")["person"]
    referral = (
        await api.execute(
            CREATE_REFERRAL,
            input={
                "personId": person["id"],
                "toAgencyCode": "DOST",
                "serviceCode": "01-09-15-00",
                "reason": "Cannot care for herself at home",
                "urgency": "ROUTINE",
                "idempotencyKey": uuid.uuid4().hex,
            },
        )
    ).payload("createReferral")["referral"]
    accepted = await api.as_("social_worker", agency="DOST").execute(
        ACCEPT_REFERRAL, input={"id": referral["id"]}
    )
    assert accepted.payload("acceptReferral")["errors"] == []

    async with db.transaction() as session:
        row = (
            await session.execute(text("SELECT ministry, kind, payload, agency_code FROM outbox_messages"))
        ).one()
    assert (row.ministry, row.kind, row.agency_code) == ("esosial", "decision", "DOST")
    assert (row.payload["fin"], row.payload["serviceCode"], row.payload["decision"]) == (
        given["fin"],
        "01-09-15-00",
        "GRANTED",
    )


async def test_an_enqueued_message_rolls_back_with_its_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError, match="the change failed"):
        async with db.transaction() as session:
            await enqueue(
                session, WORKER, ministry=POLICE, kind=DOMESTIC_VIOLENCE_REPORT, payload={}, issue="t/1"
            )
            raise RuntimeError("the change failed")

    assert await outbox_rows(db) == []


# Delivered by `sxvis worker`, exactly once at the receiver


async def test_a_worker_killed_mid_delivery_delivers_every_message_exactly_once_after_restart(
    db: Database, database_url: str, data_dir: Path, ministries: Ministries, workers: list[WorkerProcess]
) -> None:
    ids = await put_reports(db, 40)
    # Slow and narrow: one batch of 20 takes five waves of 200 ms, so the kill lands inside it.
    ministries.faults(POLICE, latency_ms=200)
    narrow = {"ministry__police__max_concurrency": "4", "outbox_batch_size": "20"}
    first = start_worker(workers, database_url, data_dir, ministries, **narrow)
    wait_for(lambda: len(ministries.received(POLICE)) > 0, "the police to receive a first message")
    first.kill()
    received_before_restart = len(ministries.received(POLICE))
    # The ministry has some of the batch, and the worker died before marking any of it delivered.
    assert received_before_restart > 0
    assert await delivered_count(db) == 0

    ministries.heal()
    start_worker(workers, database_url, data_dir, ministries)
    await wait_until_delivered(db, len(ids))

    received = Counter(message["message_id"] for message in ministries.received(POLICE))
    assert set(received) == set(ids)
    assert set(received.values()) == {1}
    receipts = Counter(row["receipt"] for row in await outbox_rows(db))
    assert receipts["duplicate"] >= received_before_restart - 4  # those the dead worker had sent


async def test_two_workers_at_once_deliver_each_message_once(
    db: Database, database_url: str, data_dir: Path, ministries: Ministries, workers: list[WorkerProcess]
) -> None:
    ministries.faults(POLICE, latency_ms=50)
    both = [start_worker(workers, database_url, data_dir, ministries, outbox_batch_size="10") for _ in "ab"]
    for process in both:
        process.wait_started()
    ids = await put_reports(db, 120)

    await wait_until_delivered(db, len(ids))

    received = Counter(message["message_id"] for message in ministries.received(POLICE))
    assert set(received) == set(ids)
    assert set(received.values()) == {1}
    for process in both:
        process.stop()
    delivered_by = [process.logged("outbox.delivered") for process in both]
    assert sum(delivered_by) == len(ids)
    assert all(count > 0 for count in delivered_by), delivered_by


# Retries and dead letters (one delivery round at a time, in-process, against the same simulators)


async def test_a_failed_delivery_is_retried_later_with_backoff(db: Database, ministries: Ministries) -> None:
    [message_id] = await put_reports(db, 1)
    ministries.faults(POLICE, down=True)
    policy = RetryPolicy(max_attempts=5, backoff_initial=0.5, backoff_max=10.0)
    async with ministries.integrations(retry_attempts=1) as hub:
        adapters = outbound_adapters(hub.clients)
        failed = await deliver_due(db, adapters, policy=policy, batch_size=10)
        [row] = await outbox_rows(db)
        not_yet = await deliver_due(db, adapters, policy=policy, batch_size=10)
        ministries.heal()
        await asyncio.sleep(0.5)
        later = await deliver_due(db, adapters, policy=policy, batch_size=10)

    assert (failed.retried, not_yet.claimed, later.delivered) == (1, 0, 1)
    assert row["attempts"] == 1
    assert "503" in row["last_error"]
    assert [m["message_id"] for m in ministries.received(POLICE)] == [message_id]


async def test_a_message_still_failing_after_the_last_attempt_goes_to_the_dead_letters(
    db: Database, ministries: Ministries
) -> None:
    [message_id] = await put_reports(db, 1)
    ministries.faults(POLICE, down=True)
    async with ministries.integrations(retry_attempts=1) as hub:
        adapters = outbound_adapters(hub.clients)
        rounds = [await deliver_due(db, adapters, policy=NO_BACKOFF, batch_size=10) for _ in range(4)]

    assert [(r.retried, r.dead) for r in rounds] == [(1, 0), (1, 0), (0, 1), (0, 0)]
    assert await outbox_rows(db) == []
    async with db.transaction() as session:
        dead = (await session.execute(text("SELECT id::text, attempts FROM outbox_dead_letters"))).one()
    assert tuple(dead) == (message_id, NO_BACKOFF.max_attempts)


async def test_a_message_the_ministry_refuses_as_wrong_goes_to_the_dead_letters_at_once(
    db: Database, ministries: Ministries
) -> None:
    """A 4xx will not change by asking again (here: a key the police do not know)."""
    await put_reports(db, 1)
    ministries.keys = {**ministries.keys, POLICE: ministries.keys["esosial"]}
    async with ministries.integrations() as hub:
        done = await deliver_due(db, outbound_adapters(hub.clients), policy=NO_BACKOFF, batch_size=10)

    assert (done.dead, done.retried) == (1, 0)
    async with db.transaction() as session:
        error = await session.scalar(text("SELECT last_error FROM outbox_dead_letters"))
    assert "401" in error
