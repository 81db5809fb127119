"""The live inbox's latency: from a move sent to one worker to its event at a subscriber on another.

Two `sxvis serve` processes (one worker process each, as two workers of one server would be) on one
database. A social worker of DSMF subscribes to `referralEvents` on the second over graphql-transport-ws;
the moves go by HTTP to the first, one at a time: DOST creates a referral to DSMF, DSMF accepts, starts
and completes it, and so on. For every move it records:

- move → event: from sending the mutation to the event's arrival at the subscriber (the mutation's own
  transaction, the NOTIFY at commit, the second process's LISTEN, the delivery's scoped read and access
  event, the subscription's GraphQL execution with the person's logged read, the websocket);
- response → event: from the mutation's HTTP response to the event (negative when the event is first);
- the mutation's own HTTP latency.

    python bench/referral_events.py [--moves 400] [--data-dir .sxvis-data/bench-live] [--database-url …]

Prints a Markdown table and writes JSON to bench/results/referral-events-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from registry import (
    BENCH,
    Server,
    child_env,
    database_for,
    free_port,
    machine,
    sxvis_command,
    worker_token,
    write_report,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

EVENTS = """
subscription Inbox {
  referralEvents { fromStatus toStatus at byAgencyCode referral { id status person { id fin } } }
}
"""
REGISTER = """
mutation R($input: RegisterPersonInput!) { registerPerson(input: $input) { person { id } errors { code } } }
"""
CREATE = """
mutation C($input: CreateReferralInput!) { createReferral(input: $input) { referral { id } errors { code } } }
"""
MOVES: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("acceptReferral", "MoveReferralInput", "ACCEPTED", {}),
    ("startReferral", "MoveReferralInput", "IN_PROGRESS", {}),
    ("completeReferral", "CompleteReferralInput", "COMPLETED", {"outcome": "Assistance granted"}),
)


class Inbox:
    """The subscriber: every event with the time it arrived, in order."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.events: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()

    async def read(self) -> None:
        async for raw in self.socket:
            arrived = time.perf_counter()
            message = json.loads(raw)
            if message["type"] != "next" or "errors" in message["payload"]:
                raise RuntimeError(f"the subscription failed: {message}")
            await self.events.put((arrived, message["payload"]["data"]["referralEvents"]))

    async def next(self, within: float = 10.0) -> tuple[float, dict[str, Any]]:
        return await asyncio.wait_for(self.events.get(), within)


class Mover:
    def __init__(self, client: httpx.AsyncClient, data_dir: Path) -> None:
        self.client = client
        self.dost = f"Bearer {worker_token(data_dir, 'DOST')}"
        self.dsmf = f"Bearer {worker_token(data_dir, 'DSMF')}"

    async def send(self, authorization: str, document: str, **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": authorization},
        )
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            raise RuntimeError(f"the move failed: {body['errors']}")
        return body["data"]  # type: ignore[no-any-return]

    async def register(self) -> str:
        person = {
            "fin": uuid.uuid4().hex[:7].upper(),
            "lastName": "Məmmədov",
            "firstName": "Əli",
            "birthDate": "1950-03-04",
            "sex": "MALE",
            "residenceStatus": "CITIZEN",
            "regionCode": "AZ-01",
        }
        data = await self.send(self.dost, REGISTER, input=person)
        if data["registerPerson"]["errors"]:
            raise RuntimeError(f"registration failed: {data}")
        return data["registerPerson"]["person"]["id"]  # type: ignore[no-any-return]

    async def create(self, person_id: str) -> str:
        values = {
            "personId": person_id,
            "toAgencyCode": "DSMF",
            "reason": "Needs targeted social assistance",
            "urgency": "ROUTINE",
            "idempotencyKey": uuid.uuid4().hex,
        }
        data = await self.send(self.dost, CREATE, input=values)
        if data["createReferral"]["errors"]:
            raise RuntimeError(f"creation failed: {data}")
        return data["createReferral"]["referral"]["id"]  # type: ignore[no-any-return]

    async def move(self, name: str, input_type: str, referral_id: str, extra: dict[str, Any]) -> None:
        document = f"mutation M($input: {input_type}!) {{ {name}(input: $input) {{ errors {{ code }} }} }}"
        data = await self.send(self.dsmf, document, input={"id": referral_id, **extra})
        if data[name]["errors"]:
            raise RuntimeError(f"{name} failed: {data}")


async def measure(mover_url: str, listener_ws: str, data_dir: Path, moves: int) -> list[dict[str, Any]]:
    samples: list[dict[str, Any]] = []
    subscriber = f"Bearer {worker_token(data_dir, 'DSMF')}"
    async with (
        connect(listener_ws, subprotocols=[Subprotocol("graphql-transport-ws")]) as socket,
        httpx.AsyncClient(base_url=mover_url, timeout=30) as client,
    ):
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": subscriber}}))
        ack = json.loads(await socket.recv())
        if ack["type"] != "connection_ack":
            raise RuntimeError(f"the subscriber was refused: {ack}")
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
        inbox = Inbox(socket)
        reader = asyncio.create_task(inbox.read())
        mover = Mover(client, data_dir)
        person_id = await mover.register()
        await warm_up(mover, inbox, person_id)

        async def timed(kind: str, work: Any, status: str) -> str | None:
            sent = time.perf_counter()
            result = await work
            answered = time.perf_counter()
            arrived, event = await inbox.next()
            if event["toStatus"] != status:
                raise RuntimeError(f"expected a move to {status}, heard {event}")
            samples.append(
                {
                    "move": kind,
                    "move_to_event_ms": (arrived - sent) * 1000,
                    "response_to_event_ms": (arrived - answered) * 1000,
                    "http_ms": (answered - sent) * 1000,
                }
            )
            return result  # type: ignore[no-any-return]

        while len(samples) < moves:
            referral_id = await timed("create", mover.create(person_id), "REQUESTED")
            assert referral_id is not None
            for name, input_type, status, extra in MOVES:
                if len(samples) >= moves:
                    break
                await timed(name, mover.move(name, input_type, referral_id, extra), status)
            print(f"\r{len(samples)}/{moves} moves", end="", file=sys.stderr)
        print(file=sys.stderr)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    return samples


async def warm_up(mover: Mover, inbox: Inbox, person_id: str) -> None:
    """Refer until the subscriber hears one (its subscription is then registered), then drain."""
    for _ in range(50):
        await mover.create(person_id)
        with contextlib.suppress(TimeoutError):
            await inbox.next(within=0.5)
            break
    else:
        raise RuntimeError("the subscriber never heard a referral")
    for _ in range(10):  # a few unmeasured moves, and any late warm-up event, out of the way
        await mover.create(person_id)
    await asyncio.sleep(1.0)
    while not inbox.events.empty():
        inbox.events.get_nowait()


def figures(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50": round(statistics.median(ordered), 2),
        "p90": round(cut[89], 2),
        "p99": round(cut[98], 2),
        "mean": round(statistics.fmean(ordered), 2),
        "max": round(ordered[-1], 2),
    }


def run(args: argparse.Namespace, stack: contextlib.ExitStack) -> dict[str, Any]:
    started_at = datetime.now(UTC)
    url, database = database_for(args, stack)
    host = machine(url)
    log_dir = Path(tempfile.mkdtemp(prefix="sxvis-bench-live-"))
    stack.callback(shutil.rmtree, log_dir, ignore_errors=True)
    worker_token(args.data_dir, "DOST")  # creates the data folder's signing key before the servers read it
    ports = []
    for name in ("mover", "listener"):  # one after the other: the first start migrates and seeds
        port = free_port()
        env = child_env(url, args.data_dir) | {"SXVIS_PORT": str(port), "SXVIS_WORKERS": "1"}
        server = Server(name, [sxvis_command(), "serve"], env, log_dir)
        stack.callback(server.stop)
        server.wait_ready(f"http://127.0.0.1:{port}/readyz")
        ports.append(port)
    print(f"servers up on {ports}; {args.moves} moves …", file=sys.stderr)
    samples = asyncio.run(
        measure(
            f"http://127.0.0.1:{ports[0]}", f"ws://127.0.0.1:{ports[1]}/graphql", args.data_dir, args.moves
        )
    )
    return {
        "benchmark": "referral_events",
        "started_at": started_at.isoformat(),
        "arguments": {"moves": args.moves},
        "database": database,
        "machine": host,
        "summary": {
            "moves": len(samples),
            "move_to_event_ms": figures([s["move_to_event_ms"] for s in samples]),
            "response_to_event_ms": figures([s["response_to_event_ms"] for s in samples]),
            "http_ms": figures([s["http_ms"] for s in samples]),
        },
        "samples": samples,
    }


def table(report: dict[str, Any]) -> str:
    rows = [
        "| measurement | p50 ms | p90 ms | p99 ms | mean ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "move_to_event_ms": "move sent (worker 1) → event at the subscriber (worker 2)",
        "response_to_event_ms": "mutation's response → event",
        "http_ms": "the mutation's HTTP round trip",
    }
    for key, label in labels.items():
        f = report["summary"][key]
        rows.append(f"| {label} | {f['p50']} | {f['p90']} | {f['p99']} | {f['mean']} | {f['max']} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=400, help="moves measured")
    parser.add_argument("--data-dir", type=Path, default=Path(".sxvis-data/bench-live"))
    parser.add_argument("--database-url", default=None, help="an existing PostgreSQL (as its owner)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or BENCH / "results" / f"referral-events-{stamp}.json"
    with contextlib.ExitStack() as stack:
        report = run(args, stack)
    write_report(report, out, table(report))


if __name__ == "__main__":
    main()
