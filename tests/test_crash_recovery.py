"""A crash of `sxvis serve` during writes loses nothing acknowledged and doubles nothing.

The server (a subprocess, the embedded PostgreSQL in its own folder) takes 200 `createReferral`s with
idempotency keys, 20 at a time over real HTTP, and is killed with SIGKILL after about a third are
answered. It is restarted on the same folder (the embedded PostgreSQL either stopped by itself on its
parent's death, or is still stopping and is taken over), every request that got no answer is sent
again with its key, and the database must hold exactly one referral per key, the acknowledged ones
with the id they were acknowledged with; `sxvis audit verify` passes.
"""

import asyncio
import base64
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from sxvis.database.embedded import running_server_url
from tests.documents import REGISTER_PERSON
from tests.factories import person_input
from tests.servers import Server
from tests.test_referrals import CREATE

REQUESTS = 200
AT_ONCE = 20
KILL_AFTER = 70  # acknowledged answers
PERSONS = 10
RESEND_ROUNDS = 3


@pytest.fixture
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sxvis-crash-") as path:
        yield Path(path)


def referral_input(person_id: str, key: str) -> dict[str, str]:
    return {
        "personId": person_id,
        "toAgencyCode": "DSMF",
        "reason": "Needs targeted social assistance",
        "urgency": "ROUTINE",
        "idempotencyKey": key,
    }


async def send(client: httpx.AsyncClient, server: Server, token: str, person_id: str, key: str) -> str | None:
    """The referral's id if the server acknowledged it; None if no answer came (or not a clean one)."""
    try:
        response = await client.post(
            f"{server.url}/graphql",
            json={"query": CREATE, "variables": {"input": referral_input(person_id, key)}},
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    payload = (response.json().get("data") or {}).get("createReferral")
    if not payload or payload["errors"]:
        return None
    return str(payload["referral"]["id"])


async def burst_then_kill(server: Server, token: str, persons: list[str]) -> dict[str, str | None]:
    """Send every request, SIGKILL the server once KILL_AFTER are acknowledged; the answer per key."""
    answers: dict[str, str | None] = {}
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(client: httpx.AsyncClient, index: int) -> None:
        key = f"crash-{index:03d}"
        async with gate:
            answers[key] = await send(client, server, token, persons[index % len(persons)], key)
        if sum(1 for a in answers.values() if a) >= KILL_AFTER and server.process.poll() is None:
            server.process.kill()

    async with httpx.AsyncClient(timeout=15) as client:
        await asyncio.gather(*(one(client, i) for i in range(REQUESTS)))
    return answers


async def resend(server: Server, token: str, persons: list[str], keys: list[str]) -> dict[str, str | None]:
    """As a client does: AT_ONCE at a time, and a request that times out again is sent again, same key."""
    answers: dict[str, str | None] = dict.fromkeys(keys)
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(client: httpx.AsyncClient, key: str) -> None:
        async with gate:
            answers[key] = await send(client, server, token, persons[int(key[-3:]) % len(persons)], key)

    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(RESEND_ROUNDS):
            pending = [key for key, rid in answers.items() if rid is None]
            if not pending:
                break
            await asyncio.gather(*(one(client, key) for key in pending))
    return answers


async def referrals_by_key(url: str) -> dict[str, list[str]]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT idempotency_key, id FROM referrals WHERE from_agency = 'DOST' ORDER BY created_at"
        )
    finally:
        await connection.close()
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["idempotency_key"], []).append(str(row["id"]))
    return found


def database_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def test_a_sigkill_during_writes_loses_nothing_acknowledged_and_doubles_nothing(folder: Path) -> None:
    data_dir = folder / "data"
    first = Server(data_dir)
    first.wait_ready()
    dost = first.token(user="dost-worker", agency="DOST")
    persons = []
    for _ in range(PERSONS):
        registered = first.graphql(REGISTER_PERSON, token=dost, input=person_input())
        persons.append(registered["data"]["registerPerson"]["person"]["id"])

    answers = asyncio.run(burst_then_kill(first, dost, persons))
    first.process.wait(15)
    first.stop()
    acknowledged = {key: rid for key, rid in answers.items() if rid is not None}
    unanswered = sorted(key for key, rid in answers.items() if rid is None)
    assert len(acknowledged) >= KILL_AFTER
    assert unanswered, "the server died after every request was answered: nothing was tested"

    second = Server(data_dir)
    try:
        second.wait_ready()
        resent = asyncio.run(resend(second, dost, persons, unanswered))
        assert all(resent.values()), [key for key, rid in resent.items() if rid is None]
        again = asyncio.run(resend(second, dost, persons, sorted(acknowledged)[:20]))

        stored = asyncio.run(referrals_by_key(running_server_url(data_dir)))
        env = {k: v for k, v in os.environ.items() if not k.startswith("SXVIS_")}
        env |= {"SXVIS_DATA_DIR": str(data_dir), "SXVIS_LOG_LEVEL": "warning"}
        verified = subprocess.run(
            [sys.executable, "-m", "sxvis", "audit", "verify"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        second.stop()

    assert sorted(stored) == sorted(answers), "a key is missing, or an unknown one appeared"
    assert [key for key, ids in stored.items() if len(ids) > 1] == [], "a request was doubled"
    assert {key: database_id(rid) for key, rid in acknowledged.items()} == {
        key: stored[key][0] for key in acknowledged
    }, "an acknowledged referral was lost or changed"
    assert again == {key: acknowledged[key] for key in again}, "a resent key made a new referral"
    assert {key: database_id(rid) for key, rid in resent.items() if rid} == {
        key: stored[key][0] for key in resent
    }
    assert verified.returncode == 0, verified.stdout + verified.stderr
