"""`duplicateCandidates` on a large registry: the background pairing, and a page read from it.

The pairs are computed by `sxvis.duplicates.pairs.refresh` (as the owner, a birth year at a time) and
a page reads them (`sxvis.duplicates.candidates`). This measures, on the registry `bench/registry.py`
seeds (topping it up to `--persons` with `sxvis seed`, and migrating it to head):

- a full refresh: every birth year, what the server does once (and `sxvis duplicates refresh --full`);
  it does the work every page used to do before the pairs were kept;
- an incremental refresh with nothing changed, and after `--touched` persons changed (their birth
  years recomputed): what the server does every `SXVIS_DUPLICATES_REFRESH_SECONDS`;
- the first page (`first: 20`) and the tenth, as an agency administrator of SXA (registry-wide), through
  the service with its scoped transaction and logged read, p50 and p95 over `--pages` reads.

    python bench/duplicates.py [--persons 100000] [--data-dir .sxvis-data/bench] [--database-url URL]

Writes `bench/results/duplicates-<UTC time>.json` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from registry import REPO, database_for, machine, percentiles, seed, write_report

from authz.actions import Action
from sxvis.actors import Actor
from sxvis.config import Settings
from sxvis.database import Database, migrate
from sxvis.database.scope import RowScope
from sxvis.duplicates import candidates, pairs
from sxvis.web.app import app_database_url

ADMIN = Actor(
    user_id="bench-duplicates",
    agency_code="SXA",
    roles=frozenset({"agency_admin"}),
    name="Benchmark (duplicates)",
    permissions=frozenset({Action.REGISTRY_READ.value, Action.PERSON_READ.value, candidates.READ}),
)


async def timed_refresh(owner: Database, *, full: bool) -> dict[str, Any]:
    started = time.perf_counter()
    done = await pairs.refresh(owner, full=full)
    return {"seconds": time.perf_counter() - started, "years": done.years, "changed": done.changed,
            "pairs": done.pairs}  # fmt: skip


async def pages(app: Database, *, reads: int, depth: int) -> dict[str, Any]:
    """p50/p95 of reading page `depth` (1: the first) of 20 pairs, `reads` times."""
    after = None
    for _ in range(depth - 1):
        async with app.scoped(RowScope.of(ADMIN)) as connection:
            page = await candidates.duplicate_candidates(connection, ADMIN, first=20, after=after)
        after = page.cursors[-1]
    seconds = []
    for _ in range(reads):
        started = time.perf_counter()
        async with app.scoped(RowScope.of(ADMIN)) as connection:
            page = await candidates.duplicate_candidates(connection, ADMIN, first=20, after=after)
        seconds.append(time.perf_counter() - started)
    assert len(page.items) == 20, f"page {depth} has {len(page.items)} pairs"
    spread = percentiles(seconds)
    return {"p50_ms": spread["p50"], "p95_ms": spread["p95"]}


async def measure(url: str, app_url: str, *, touched: int, reads: int) -> dict[str, Any]:
    owner = Database(url, pool_size=2, max_overflow=0)
    app = Database(app_url, pool_size=2, max_overflow=0)
    try:
        await migrate.upgrade(owner.engine)
        result: dict[str, Any] = {}
        print("full refresh …", file=sys.stderr)
        result["full_refresh"] = await timed_refresh(owner, full=True)
        result["incremental_nothing_changed"] = await timed_refresh(owner, full=False)
        async with owner.connect() as connection:
            await connection.exec_driver_sql(
                "UPDATE persons SET updated_at = now() WHERE id IN"
                f" (SELECT id FROM persons ORDER BY md5(id::text) LIMIT {int(touched)})"
            )
        result["incremental_touched"] = {"touched": touched, **await timed_refresh(owner, full=False)}
        print("pages …", file=sys.stderr)
        result["first_page"] = await pages(app, reads=reads, depth=1)
        result["tenth_page"] = await pages(app, reads=reads, depth=10)
        return result
    finally:
        await app.dispose()
        await owner.dispose()


def table(report: dict[str, Any]) -> str:
    r = report["results"]
    full, idle, touched = r["full_refresh"], r["incremental_nothing_changed"], r["incremental_touched"]
    first, tenth = r["first_page"], r["tenth_page"]
    lines = [
        f"Registry: {report['persons']:,} persons, {full['pairs']:,} pairs.",
        "",
        "| measurement | time | |",
        "|---|---:|---|",
        f"| full refresh (every birth year) | {full['seconds']:.2f} s | {full['years']} years |",
        f"| incremental refresh, nothing changed | {1000 * idle['seconds']:.0f} ms |"
        f" {idle['changed']} persons queued |",
        f"| incremental refresh, {touched['touched']} persons changed | {touched['seconds']:.2f} s |"
        f" {touched['years']} years |",
        f"| first page of 20 pairs, p50 / p95 | {first['p50_ms']:.1f} / {first['p95_ms']:.1f} ms | |",
        f"| tenth page of 20 pairs, p50 / p95 | {tenth['p50_ms']:.1f} / {tenth['p95_ms']:.1f} ms | |",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--persons", type=int, default=100_000, help="registry size to seed up to")
    parser.add_argument("--touched", type=int, default=100, help="persons changed before the incremental run")
    parser.add_argument("--pages", type=int, default=20, help="reads of each page measured")
    parser.add_argument("--data-dir", type=Path, default=REPO / ".sxvis-data" / "bench")
    parser.add_argument("--database-url", default=None, help="an external PostgreSQL (as its owner)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url, database = database_for(args, stack)
        seeded = seed(url, target=args.persons, seed_value=args.seed, data_dir=args.data_dir)
        started = datetime.now(UTC)
        app_url = app_database_url(Settings(data_dir=args.data_dir), owner_url=url)
        results = asyncio.run(measure(url, app_url, touched=args.touched, reads=args.pages))
        report = {
            "started_at": started.isoformat(),
            "machine": machine(url),
            "database_server": database,
            "persons": seeded["persons_before"] + seeded["persons_added"],
            "seed": seeded,
            "results": results,
        }
        out = args.out or REPO / "bench" / "results" / f"duplicates-{started:%Y%m%dT%H%M%SZ}.json"
        write_report(report, out, table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
