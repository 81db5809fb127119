"""Referral throughput: creating referrals, and the full move sequence, under concurrent clients.

One `sxvis serve` (`--workers` processes) on its own database; `--concurrency` clients (httpx, keep-alive,
in this process) each loop for `--duration` seconds, in three phases, one after the other:

- baseline: `{ me { userId } }`, a trivial authenticated query (token check, permissions, GraphQL, no
  database): what any request costs, so the figures below can be read as ratios on any machine;
- create: `createReferral` from DOST to DSMF (a state body: no consent needed), each with a new
  idempotency key: the scoped transaction, the person's remit and lock, the deadline on the working-day
  calendar, the insert, the history row, the access event and the NOTIFY;
- sequence: create, then the receiver's accept, start and complete, one after the other, each its own
  transaction (lock, history row, access event, NOTIFY); per request and per sequence of four.

The persons referred are registered first (`--persons`, by DOST, so in its remit). Every answer is
checked (no `errors`, the status expected); a wrong one counts as a failure, not a latency.

    python bench/referrals.py [--duration 15] [--concurrency 16] [--workers 1] [--persons 200]
                              [--data-dir .sxvis-data/bench-referrals] [--database-url …] [--out …]

Prints a Markdown table and writes JSON to bench/results/referrals-<UTC time>.json (see
docs/performance.md, "Referrals").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
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
    percentiles,
    sxvis_command,
    worker_token,
    write_report,
)

BASELINE = "query Me { me { userId } }"
REGISTER = """
mutation R($input: RegisterPersonInput!) { registerPerson(input: $input) { person { id } errors { code } } }
"""
CREATE = """
mutation C($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id status } errors { code message } }
}
"""
MOVES = (
    ("acceptReferral", "MoveReferralInput", "ACCEPTED", {}),
    ("startReferral", "MoveReferralInput", "IN_PROGRESS", {}),
    ("completeReferral", "CompleteReferralInput", "COMPLETED", {"outcome": "Assistance granted"}),
)
SENDER, RECEIVER = "DOST", "DSMF"


def move_document(name: str, input_type: str) -> str:
    selection = "referral { status } errors { code }"
    return f"mutation M($input: {input_type}!) {{ {name}(input: $input) {{ {selection} }} }}"


def person_input() -> dict[str, str]:
    """A person to refer: a fresh FIN (7 capitals and digits) each time, so runs can share a database."""
    return {
        "fin": "R" + uuid.uuid4().hex[:6].upper(),
        "lastName": "Həsənova",
        "firstName": "Aygün",
        "birthDate": "1948-06-01",
        "sex": "FEMALE",
        "residenceStatus": "CITIZEN",
        "regionCode": "AZ-01",
        "districtCode": "AZ-01-03",
    }


class Failed(Exception):
    """An answer that is not the one expected."""


class Client:
    def __init__(self, http: httpx.AsyncClient, authorization: str) -> None:
        self.http = http
        self.headers = {"authorization": authorization}

    async def call(self, document: str, field: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": document, "variables": variables}, headers=self.headers
        )
        if response.status_code != 200:
            raise Failed(f"HTTP {response.status_code}")
        body = response.json()
        if body.get("errors"):
            raise Failed(body["errors"][0].get("message", "error"))
        data: dict[str, Any] = body["data"][field]
        if data.get("errors"):
            raise Failed(data["errors"][0]["code"])
        return data


class Phase:
    """Latencies of each request (and of each sequence) and the failures, over the measured seconds."""

    def __init__(self) -> None:
        self.requests: list[float] = []
        self.sequences: list[float] = []
        self.failures: Counter[str] = Counter()
        self.seconds = 0.0

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seconds": round(self.seconds, 2),
            "requests": len(self.requests),
            "requests_per_second": round(len(self.requests) / self.seconds, 1) if self.seconds else 0.0,
            "latency_ms": percentiles(self.requests),
            "failures": dict(self.failures),
        }
        if self.sequences:
            out["sequences"] = len(self.sequences)
            out["sequences_per_second"] = round(len(self.sequences) / self.seconds, 1)
            out["sequence_latency_ms"] = percentiles(self.sequences)
        return out


async def timed(phase: Phase, work: Callable[[], Awaitable[object]]) -> bool:
    started = time.perf_counter()
    try:
        await work()
    except (Failed, httpx.HTTPError) as err:
        phase.failures[str(err)[:80] or type(err).__name__] += 1
        return False
    phase.requests.append(time.perf_counter() - started)
    return True


async def run_phase(
    name: str, clients: int, seconds: float, one: Callable[[Phase, int], Awaitable[None]]
) -> Phase:
    phase = Phase()
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()

    async def loop(index: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            await one(phase, index * 1_000_000 + n)
            n += 1

    await asyncio.gather(*(loop(i) for i in range(clients)))
    phase.seconds = time.perf_counter() - started
    print(
        f"  {name}: {len(phase.requests)} requests, {sum(phase.failures.values())} failures", file=sys.stderr
    )
    return phase


async def measure(url: str, data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(
        max_connections=args.concurrency * 2, max_keepalive_connections=args.concurrency * 2
    )
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        sender = Client(http, f"Bearer {worker_token(data_dir, SENDER)}")
        receiver = Client(http, f"Bearer {worker_token(data_dir, RECEIVER)}")
        persons = []
        for _ in range(args.persons):
            created = await sender.call(REGISTER, "registerPerson", input=person_input())
            persons.append(created["person"]["id"])
        moves = [(move_document(n, t), n, status, extra) for n, t, status, extra in MOVES]

        async def create(phase: Phase, n: int) -> str | None:
            referral: dict[str, Any] = {}

            async def send() -> None:
                data = await sender.call(
                    CREATE,
                    "createReferral",
                    input={
                        "personId": persons[n % len(persons)],
                        "toAgencyCode": RECEIVER,
                        "reason": "Needs targeted social assistance",
                        "urgency": "URGENT",
                        "idempotencyKey": uuid.uuid4().hex,
                    },
                )
                if data["referral"]["status"] != "REQUESTED":
                    raise Failed("not REQUESTED")
                referral.update(data["referral"])

            return referral["id"] if await timed(phase, send) else None

        async def baseline(phase: Phase, n: int) -> None:
            await timed(phase, lambda: sender.call(BASELINE, "me"))

        async def creation(phase: Phase, n: int) -> None:
            await create(phase, n)

        async def sequence(phase: Phase, n: int) -> None:
            started = time.perf_counter()
            referral_id = await create(phase, n)
            if referral_id is None:
                return
            for document, field, status, extra in moves:

                async def move(
                    document: str = document,
                    field: str = field,
                    status: str = status,
                    extra: dict[str, str] = extra,
                ) -> None:
                    data = await receiver.call(document, field, input={"id": referral_id, **extra})
                    if data["referral"]["status"] != status:
                        raise Failed(f"not {status}")

                if not await timed(phase, move):
                    return
            phase.sequences.append(time.perf_counter() - started)

        phases = {}
        for name, one in (("baseline", baseline), ("create", creation), ("sequence", sequence)):
            await run_phase(f"{name} (warm-up)", args.concurrency, args.warmup, one)
            phases[name] = await run_phase(name, args.concurrency, args.duration, one)
    return {name: phase.report() for name, phase in phases.items()}


def run(args: argparse.Namespace, stack: contextlib.ExitStack) -> dict[str, Any]:
    started_at = datetime.now(UTC)
    url, database = database_for(args, stack)
    host = machine(url)
    log_dir = Path(tempfile.mkdtemp(prefix="sxvis-bench-referrals-"))
    stack.callback(shutil.rmtree, log_dir, ignore_errors=True)
    worker_token(args.data_dir, SENDER)  # creates the data folder's signing key before the server reads it
    port = free_port()
    env = child_env(url, args.data_dir) | {"SXVIS_PORT": str(port), "SXVIS_WORKERS": str(args.workers)}
    server = Server("sxvis", [sxvis_command(), "serve"], env, log_dir)
    stack.callback(server.stop)
    server.wait_ready(f"http://127.0.0.1:{port}/readyz")
    print(f"server up on {port}; {args.concurrency} clients, {args.duration} s a phase …", file=sys.stderr)
    phases = asyncio.run(measure(f"http://127.0.0.1:{port}", args.data_dir, args))
    base = phases["baseline"]["requests_per_second"] or 1.0
    return {
        "benchmark": "referrals",
        "started_at": started_at.isoformat(),
        "arguments": {k: v for k, v in vars(args).items() if k not in ("data_dir", "database_url", "out")},
        "database": database,
        "machine": host,
        "phases": phases,
        "ratios_to_baseline": {
            name: round(phases[name]["requests_per_second"] / base, 3) for name in ("create", "sequence")
        },
    }


def table(report: dict[str, Any]) -> str:
    rows = [
        "| phase | requests/s | ratio to baseline | p50 ms | p99 ms | failures |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "baseline": "baseline: `me` (authenticated, no database)",
        "create": "`createReferral`",
        "sequence": "create → accept → start → complete (per request)",
    }
    base = report["phases"]["baseline"]["requests_per_second"] or 1.0
    for name, label in labels.items():
        p = report["phases"][name]
        ratio = round(p["requests_per_second"] / base, 3)
        rows.append(
            f"| {label} | {p['requests_per_second']} | {ratio} | {p['latency_ms']['p50']:.1f} |"
            f" {p['latency_ms']['p99']:.1f} | {sum(p['failures'].values())} |"
        )
    seq = report["phases"]["sequence"]
    if "sequences" in seq:
        s = seq["sequence_latency_ms"]
        rows.append(
            f"| whole sequences (4 requests) | {seq['sequences_per_second']} | |"
            f" {s['p50']:.1f} | {s['p99']:.1f} | |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds measured per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds unmeasured before each phase")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=1, help="worker processes of the server")
    parser.add_argument("--persons", type=int, default=200, help="persons registered to refer")
    parser.add_argument("--data-dir", type=Path, default=Path(".sxvis-data/bench-referrals"))
    parser.add_argument("--database-url", default=None, help="an existing PostgreSQL (as its owner)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or BENCH / "results" / f"referrals-{stamp}.json"
    with contextlib.ExitStack() as stack:
        report = run(args, stack)
    write_report(report, out, table(report))


if __name__ == "__main__":
    main()
