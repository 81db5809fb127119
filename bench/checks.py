"""`runChecks` latency against the ministry simulators at 0 and at 200 ms of injected latency.

One process: an embedded PostgreSQL (migrated, catalogue and policy installed, persons seeded), the
simulators on a loopback port (real HTTP, signed requests), and the app over ASGI with its ministries
pointed at them. For each latency it measures, one request at a time:

- `runChecks` of all five checks on a person not checked before (every check asks its ministry;
  the five go out concurrently, so the wall time is about one ministry round trip plus the database);
- `runChecks` again on the same person (every fact fresh: reused, nothing sent);
- the baseline, in the same run: the five ministry requests alone through the same clients
  (`Integrations.ask`), with no GraphQL, no database, no access log.

Prints p50/p95 in milliseconds and writes them to `bench/results/checks.json`.

    .venv/bin/python bench/checks.py [--samples 100]
"""

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from strawberry import relay

from authz.store import seed_policies
from integrations.hub import Integrations
from integrations.simulators import (
    DemoWorld,
    SimulatorServer,
    create_simulator_app,
    demo_keys,
    endpoint_settings,
)
from sxvis.checks import CheckKind, Requester
from sxvis.config import Settings
from sxvis.database import migrate
from sxvis.database.embedded import EmbeddedPostgres
from sxvis.database.engine import Database
from sxvis.seed.catalogue import install_catalogue
from sxvis.seed.demo import seed_persons
from sxvis.web.app import app_database_url, create_app

RUN_CHECKS = """
mutation Run($input: RunChecksInput!) {
  runChecks(input: $input) { checks { status reused } errors { code } }
}
"""
ALL = [kind.value for kind in CheckKind]
RESULTS = Path(__file__).resolve().parent / "results" / "checks.json"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        "samples": len(ordered),
    }


async def measure(samples: int, data_dir: Path, url: str) -> dict[str, Any]:
    owner = Database(url, pool_size=2, max_overflow=0)
    await migrate.upgrade(owner.engine)
    async with owner.transaction() as session:
        await install_catalogue(session)
        await seed_policies(session)
    await seed_persons(owner, count=2 * samples + 20, seed=2026)
    async with owner.engine.connect() as conn:
        rows = (await conn.exec_driver_sql("SELECT id, fin FROM persons ORDER BY fin")).all()
    await owner.dispose()
    settings = Settings(mode="development", data_dir=data_dir)
    app_db = Database(app_database_url(settings, url), pool_size=5, max_overflow=0)
    keys = demo_keys(data_dir)
    out: dict[str, Any] = {}
    with SimulatorServer(create_simulator_app(keys, world=DemoWorld(persons=2 * samples + 20))) as sim:
        admin = httpx.AsyncClient(base_url=f"{sim.url}/_admin")
        limits = {"connect_timeout": 1.0, "read_timeout": 3.0, "budget_seconds": 5.0}
        async with Integrations(endpoint_settings(sim.url, keys, **limits)) as hub:
            app = create_app(settings, database=app_db, integrations=hub)
            from authz.authentication import issue_dev_token

            token = issue_dev_token(settings, user="bench", agency="SXA", roles=["social_worker"])
            headers = {"Authorization": f"Bearer {token}"}
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://sxvis.bench") as client:
                people = iter(rows)
                for latency in (0, 200):
                    for ministry in ("tseras", "employment", "vemtas", "address", "pension"):
                        (
                            await admin.put(f"/faults/{ministry}", json={"latency_ms": latency})
                        ).raise_for_status()
                    fresh, reused, baseline = [], [], []
                    for _ in range(samples):
                        person_id, fin = next(people)
                        gid = relay.to_base64("Person", str(person_id))
                        variables = {"input": {"personId": gid, "checks": ALL}}
                        for bucket in (fresh, reused):
                            started = time.perf_counter()
                            response = await client.post(
                                "/graphql",
                                json={"query": RUN_CHECKS, "variables": variables},
                                headers=headers,
                            )
                            bucket.append(time.perf_counter() - started)
                            payload = response.json()["data"]["runChecks"]
                            assert payload["errors"] == [], payload
                            assert all(c["status"] in ("OK", "NOT_FOUND") for c in payload["checks"]), payload
                        started = time.perf_counter()
                        requester = Requester(user_id="bench@SXA", issue=f"person/{person_id}")
                        await asyncio.gather(*(hub.ask(k, fin=fin, requester=requester) for k in CheckKind))
                        baseline.append(time.perf_counter() - started)
                    out[f"latency_{latency}ms"] = {
                        "run_checks_asked": percentiles(fresh),
                        "run_checks_reused": percentiles(reused),
                        "baseline_ministries_only": percentiles(baseline),
                    }
            await app.state.gate.close()
        await admin.aclose()
    await app_db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sxvis-bench-checks-") as folder:
        server = EmbeddedPostgres(Path(folder) / "pg", database="sxvis_bench", delete_on_stop=True)
        url = server.start()
        try:
            results = asyncio.run(measure(args.samples, Path(folder), url))
        finally:
            server.stop()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for config, figures in results.items():
        for name, value in figures.items():
            print(f"{config:14} {name:26} p50 {value['p50_ms']:8.2f} ms   p95 {value['p95_ms']:8.2f} ms")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
