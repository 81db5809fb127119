"""Intake throughput: `submitApplication` (with its checks against the ministry simulators) under
concurrent clients, against `createReferral` in the same run.

An embedded PostgreSQL (migrated, catalogue and policy installed, persons seeded), the ministry
simulators in a process of their own (`sxvis simulate` on a loopback port: real HTTP, signed requests; in
this process their thread would compete with the app for the interpreter), and the app over ASGI in
this process with its ministries pointed at them. `--concurrency` clients (httpx over the ASGI
transport) each loop for `--duration` seconds, in two phases, one after the other, acting as an SXA
social worker:

- submit: `submitApplication` for home care (01-09-15-00) by a person not applied for before, SELF, in
  person, with a new idempotency key: the scoped transaction, the passport's rules, the deadlines on the
  working-day calendar, the insert (and its remit trigger), the history row, the access event, and the
  two intake checks (TSERAS and the address register) asked of the simulators concurrently, each stored
  as a fact with its provenance and attached as evidence;
- referral: `createReferral` from SXA to DSMF (a state body) for the same persons, each with a new key.

Every answer is checked (no `errors`, the status expected); a wrong one counts as a failure.

    .venv/bin/python bench/applications.py [--duration 15] [--warmup 3] [--concurrency 16] [--persons 3000]
                                           [--simulator-port 8151]

Prints a Markdown table and writes JSON to bench/results/applications.json (docs/performance.md,
"Applications").
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from strawberry import relay

from authz.authentication import issue_dev_token
from authz.store import seed_policies
from integrations.hub import Integrations
from integrations.simulators import (
    demo_keys,
    endpoint_settings,
)
from sxvis.config import Settings
from sxvis.database import migrate
from sxvis.database.embedded import EmbeddedPostgres
from sxvis.database.engine import Database
from sxvis.seed.catalogue import install_catalogue
from sxvis.seed.demo import seed_persons
from sxvis.web.app import app_database_url, create_app

SUBMIT = """
mutation S($input: SubmitApplicationInput!) {
  submitApplication(input: $input) { application { id status evidence { status } } errors { code message } }
}
"""
CREATE = """
mutation C($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id status } errors { code message } }
}
"""
RESULTS = Path(__file__).resolve().parent / "results" / "applications.json"


class Failed(Exception):
    """An answer that is not the one expected."""


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples) or [0.0]
    return {
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        "p99": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 1),
    }


async def run_phase(
    name: str, clients: int, seconds: float, one: Callable[[], Awaitable[None]]
) -> dict[str, Any]:
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()

    async def loop() -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                await one()
            except (Failed, httpx.HTTPError, KeyError) as err:
                failures[str(err)[:80] or type(err).__name__] += 1
                continue
            latencies.append(time.perf_counter() - began)

    await asyncio.gather(*(loop() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    print(f"  {name}: {len(latencies)} requests, {sum(failures.values())} failures")
    return {
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": percentiles(latencies),
        "failures": dict(failures),
    }


async def measure(args: argparse.Namespace, data_dir: Path, url: str) -> dict[str, Any]:
    owner = Database(url, pool_size=2, max_overflow=0)
    await migrate.upgrade(owner.engine)
    async with owner.transaction() as session:
        await install_catalogue(session)
        await seed_policies(session)
    await seed_persons(owner, count=args.persons, seed=2026)
    async with owner.engine.connect() as conn:
        rows = (
            await conn.exec_driver_sql(
                "SELECT id FROM persons WHERE residence_status <> 'OTHER' AND date_of_death IS NULL"
                " ORDER BY fin"
            )
        ).all()
    await owner.dispose()
    people = [relay.to_base64("Person", str(row[0])) for row in rows]
    settings = Settings(mode="development", data_dir=data_dir)
    app_db = Database(app_database_url(settings, url), pool_size=args.concurrency + 4, max_overflow=0)
    keys = demo_keys(data_dir)
    with simulators(data_dir, args.simulator_port, args.persons) as sim_url:
        limits = {"connect_timeout": 1.0, "read_timeout": 5.0, "budget_seconds": 8.0}
        async with Integrations(endpoint_settings(sim_url, keys, **limits)) as hub:
            app = create_app(settings, database=app_db, integrations=hub)
            token = issue_dev_token(settings, user="bench", agency="SXA", roles=["social_worker"])
            headers = {"Authorization": f"Bearer {token}"}
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://sxvis.bench", timeout=60
            ) as client:
                unused = iter(people)

                async def call(document: str, field: str, values: dict[str, Any]) -> dict[str, Any]:
                    response = await client.post(
                        "/graphql", json={"query": document, "variables": {"input": values}}, headers=headers
                    )
                    body = response.json()
                    if body.get("errors"):
                        raise Failed(body["errors"][0].get("message", "error"))
                    data: dict[str, Any] = body["data"][field]
                    if data["errors"]:
                        raise Failed(data["errors"][0]["code"])
                    return data

                async def submit() -> None:
                    data = await call(
                        SUBMIT,
                        "submitApplication",
                        {
                            "personId": next(unused),
                            "serviceCode": "01-09-15-00",
                            "applicantKind": "SELF",
                            "channel": "IN_PERSON",
                            "idempotencyKey": uuid.uuid4().hex,
                        },
                    )
                    if data["application"]["status"] != "SUBMITTED":
                        raise Failed("not SUBMITTED")
                    if any(e["status"] not in ("OK", "NOT_FOUND") for e in data["application"]["evidence"]):
                        raise Failed("a check did not answer")

                async def refer() -> None:
                    data = await call(
                        CREATE,
                        "createReferral",
                        {
                            "personId": people[int(time.perf_counter_ns()) % len(people)],
                            "toAgencyCode": "DSMF",
                            "reason": "Needs targeted social assistance",
                            "urgency": "URGENT",
                            "idempotencyKey": uuid.uuid4().hex,
                        },
                    )
                    if data["referral"]["status"] != "REQUESTED":
                        raise Failed("not REQUESTED")

                phases = {}
                for name, one in (("submitApplication", submit), ("createReferral", refer)):
                    await run_phase(f"{name} (warm-up)", args.concurrency, args.warmup, one)
                    phases[name] = await run_phase(name, args.concurrency, args.duration, one)
            await app.state.gate.close()
    await app_db.dispose()
    return phases


@contextlib.contextmanager
def simulators(data_dir: Path, port: int, persons: int) -> Iterator[str]:
    """`sxvis simulate` in a child process, with the keys of `data_dir` (made before it starts)."""
    demo_keys(data_dir)
    env = {**os.environ, "SXVIS_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "sxvis", "simulate", "--port", str(port), "--persons", str(persons)]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/_admin/attempts/tseras", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        yield url
    finally:
        child.terminate()
        child.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--simulator-port", type=int, default=8151)
    args = parser.parse_args()
    started_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="sxvis-bench-applications-") as folder:
        server = EmbeddedPostgres(Path(folder) / "pg", database="sxvis_bench", delete_on_stop=True)
        url = server.start()
        try:
            phases = asyncio.run(measure(args, Path(folder), url))
        finally:
            server.stop()
    report = {
        "benchmark": "applications",
        "started_at": started_at.isoformat(),
        "arguments": vars(args),
        "machine": {"python": platform.python_version(), "system": platform.platform()},
        "phases": phases,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print("| operation | requests/s | p50 ms | p95 ms | p99 ms | failures |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, p in phases.items():
        lat = p["latency_ms"]
        print(
            f"| `{name}` | {p['requests_per_second']} | {lat['p50']} | {lat['p95']} | {lat['p99']} |"
            f" {sum(p['failures'].values())} |"
        )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
