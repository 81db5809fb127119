"""The outbox's delivery rate: messages per second with one and with two `sxvis worker` processes.

One run: an embedded PostgreSQL (migrated, catalogue installed), the ministry simulators on a loopback
port (real HTTP, every request signed and verified, every message id deduplicated and kept), and for
each worker count: `--messages` police reports committed to the outbox, then that many `sxvis worker`
subprocesses started together (they are running and listening before the messages are committed), timed
from the commit to the moment every message is marked delivered. The simulators answer with
`--latency-ms` of injected latency (a ministry is never instant; 0 measures SXVİS alone).

Prints messages per second and the ratio of two workers to one, and writes them to
`bench/results/outbox.json`. Both rounds check that the simulator received every message exactly once.

    .venv/bin/python bench/outbox.py [--messages 3000] [--latency-ms 20] [--batch 50]
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from integrations.simulators import (
    DemoWorld,
    SimulatorServer,
    create_simulator_app,
    demo_keys,
    environment,
)
from sxvis.database import migrate
from sxvis.database.embedded import EmbeddedPostgres
from sxvis.database.engine import Database
from sxvis.outbox import enqueue
from sxvis.outbox.delivery import WORKER
from sxvis.outbox.messages import DOMESTIC_VIOLENCE_REPORT, POLICE
from sxvis.seed.catalogue import install_catalogue

RESULTS = Path(__file__).resolve().parent / "results" / "outbox.json"
STARTUP_SECONDS = 60.0


async def fill(db: Database, count: int) -> list[str]:
    async with db.transaction() as session:
        await session.execute(text("TRUNCATE outbox_messages, outbox_dead_letters"))
        ids = [
            str(
                (
                    await enqueue(
                        session,
                        WORKER,
                        ministry=POLICE,
                        kind=DOMESTIC_VIOLENCE_REPORT,
                        payload={"reference": str(uuid.uuid4()), "incident": "DOMESTIC_VIOLENCE", "n": n},
                        issue=f"bench/{n}",
                        urgent=True,
                    )
                ).id
            )
            for n in range(count)
        ]
    return ids


async def delivered(db: Database) -> int:
    async with db.transaction() as session:
        found = await session.scalar(
            text("SELECT count(*) FROM outbox_messages WHERE delivered_at IS NOT NULL")
        )
    return int(found or 0)


def start_workers(count: int, env: dict[str, str]) -> list[subprocess.Popen[str]]:
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "sxvis", "worker"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]
    for worker in workers:  # running and LISTENing before anything is committed
        deadline = time.monotonic() + STARTUP_SECONDS
        assert worker.stdout is not None
        for line in worker.stdout:
            if "worker.started" in line:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("a worker did not start")
        # Read the rest as it comes, or a full pipe would stall the worker on its next log line.
        threading.Thread(target=worker.stdout.read, daemon=True).start()
    return workers


async def one_round(
    db: Database, admin: httpx.AsyncClient, env: dict[str, str], *, workers: int, messages: int
) -> dict[str, Any]:
    (await admin.delete("/received")).raise_for_status()
    async with db.transaction() as session:
        await session.execute(text("TRUNCATE outbox_messages, outbox_dead_letters"))
    processes = start_workers(workers, env)
    try:
        started = time.perf_counter()
        ids = await fill(db, messages)
        while await delivered(db) < messages:  # noqa: ASYNC110 (the database is what is watched)
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    received = Counter(m["message_id"] for m in (await admin.get(f"/received/{POLICE}")).json())
    exactly_once = set(received) == set(ids) and set(received.values()) == {1}
    return {
        "workers": workers,
        "messages": messages,
        "seconds": round(seconds, 3),
        "messages_per_second": round(messages / seconds, 1),
        "exactly_once": exactly_once,
    }


async def main(messages: int, latency_ms: int, batch: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sxvis-bench-outbox-") as folder:
        data_dir = Path(folder)
        server = EmbeddedPostgres(data_dir / "pg", database="sxvis_bench", delete_on_stop=True)
        url = server.start()
        try:
            db = Database(url, pool_size=2, max_overflow=0)
            await migrate.upgrade(db.engine)
            async with db.transaction() as session:
                await install_catalogue(session)
            keys = demo_keys(data_dir)
            with SimulatorServer(create_simulator_app(keys, world=DemoWorld(persons=10))) as sim:
                admin = httpx.AsyncClient(base_url=f"{sim.url}/_admin", timeout=30)
                faults = {"latency_ms": latency_ms}
                (await admin.put(f"/faults/{POLICE}", json=faults)).raise_for_status()
                env = {k: v for k, v in os.environ.items() if not k.startswith("SXVIS_")}
                env |= environment(sim.url, keys)
                env |= {
                    "SXVIS_DATABASE_URL": url,
                    "SXVIS_DATA_DIR": str(data_dir),
                    "SXVIS_LOG_LEVEL": "info",
                    "SXVIS_LOG_JSON": "true",
                    "SXVIS_OUTBOX_BATCH_SIZE": str(batch),
                }
                rounds = [
                    await one_round(db, admin, env, workers=count, messages=messages) for count in (1, 2)
                ]
                await admin.aclose()
            await db.dispose()
        finally:
            server.stop()
    one, two = rounds
    return {
        "latency_ms": latency_ms,
        "batch_size": batch,
        "rounds": rounds,
        "two_to_one": round(two["messages_per_second"] / one["messages_per_second"], 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    result = asyncio.run(main(args.messages, args.latency_ms, args.batch))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for row in result["rounds"]:
        print(
            f"{row['workers']} worker(s): {row['messages']} messages in {row['seconds']} s = "
            f"{row['messages_per_second']} msg/s (exactly once: {row['exactly_once']})"
        )
    print(f"two workers / one: {result['two_to_one']}x   ->  {RESULTS}")
