""" "Who saw this person" run after run on one connection: the prepared statement's plan, custom and generic.

asyncpg prepares each statement once per connection; after five executions PostgreSQL may switch a
prepared statement to a generic plan, one that ignores the parameters' values. For the auditors'
`accessLog(filter: {personId})` (`sxvis.audit.queries.find_events`) the values are what matter: one
person's few events among a log of everyone's. This measures, on a log `bench/access_log.py` filled:

1. **runs**: `--runs` calls of `find_events` (first page of 20) for one person, through the product's
   path (`Database.scoped`, the read and the auditor's event in one statement), on one connection,
   each timed; runs 1-5 are planned for their values, from run 6 PostgreSQL may use the generic plan;
2. **explain**: the same statement as SQL `PREPARE`, executed six times, then
   `EXPLAIN (ANALYZE, BUFFERS) EXECUTE` (in a transaction rolled back: the auditor's event is not kept),
   under PostgreSQL's default (`plan_cache_mode = auto`), `force_custom_plan` and `force_generic_plan`
   (the plan a pooled connection ends up with once it has run the statement for many persons).

Persons: one with many events (`--history` events added about them, in the current month, a tenth as
a search result), one with a few, one with none. Run it after `bench/access_log.py` on the same
`--data-dir`:

    python bench/access_log_plan.py [--data-dir .sxvis-data/bench] [--history 700] [--runs 12]

Writes `bench/results/access_log_plan-<UTC time>.json` and prints the timings and the plans.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from access_log import AUDITOR
from registry import REPO, database_for, machine, write_report

from sxvis.audit.queries import AccessLogFilter, find_events
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.database.driver import driver_connection
from sxvis.database.scope import RowScope
from sxvis.web.app import app_database_url

_HISTORY = """
INSERT INTO access_events (actor_user, actor_agency, actor_roles, action, entity_type, entity_id,
  person_id, person_ids, purpose, operation_name, fields, outcome, request_id)
SELECT 'history-' || (g % 7), 'SXA', ARRAY['social_worker'],
  CASE WHEN g % 10 = 0 THEN 'person:search' ELSE 'person:read' END, 'person', $1::text,
  CASE WHEN g % 10 = 0 THEN NULL ELSE $1::uuid END, ARRAY[$1::uuid], 'SERVICE_DELIVERY', 'History',
  ARRAY['fin'], 'ALLOWED', 'history-' || g
FROM generate_series(1, $2::int) AS g
"""


def literal(value: object) -> str:
    """A parameter as an SQL literal for `EXECUTE` (whose arguments cannot be `$n`); the statement's
    casts give it its type."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        inner = ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value)
        return literal("{" + inner + "}")
    return "'" + str(value).replace("'", "''") + "'"


async def captured(app: Database, person: uuid.UUID) -> tuple[str, tuple[object, ...]]:
    """The statement and arguments `find_events` sends for `person`, as asyncpg sends them."""
    seen: list[Any] = []
    scope = RowScope.of(AUDITOR)
    async with app.scoped(scope) as connection:
        raw = await driver_connection(connection)
        raw.add_query_logger(seen.append)
        await find_events(connection, AUDITOR, filter=AccessLogFilter(person_id=person), first=20)
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
        raw.remove_query_logger(seen.append)
    [statement] = [q for q in seen if "access_events" in q.query and "WITH hits" in q.query]
    return statement.query, tuple(statement.args)


async def runs(app: Database, person: uuid.UUID, count: int, *, custom: bool) -> list[float]:
    """Milliseconds of each of `count` calls of `find_events` on one pooled connection (pool of one)."""
    scope = RowScope.of(AUDITOR)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        async with app.scoped(scope) as connection:
            if custom:
                await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
            await find_events(connection, AUDITOR, filter=AccessLogFilter(person_id=person), first=20)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def explain(app: Database, sql: str, args: tuple[object, ...], mode: str) -> str:
    """The plan of the prepared statement's seventh execution, under `plan_cache_mode = mode`, as the
    product runs it (the application's role, its row scope), in a transaction rolled back."""
    name = f"who_saw_{uuid.uuid4().hex[:8]}"
    try:
        async with app.scoped(RowScope.of(AUDITOR)) as connection:
            raw = await driver_connection(connection)
            await raw.execute(f"SET LOCAL plan_cache_mode = {mode}")
            await raw.execute(f"PREPARE {name} AS {sql}")
            execute = f"EXECUTE {name}(" + ", ".join(literal(a) for a in args) + ")"
            for _ in range(6):
                await raw.execute(execute)
            rows = await raw.fetch(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {execute}")
            await raw.execute(f"DEALLOCATE {name}")
            raise _RolledBack("\n".join(row[0] for row in rows))
    except _RolledBack as plan:
        return str(plan)


class _RolledBack(Exception):
    """Carries the plan out of a transaction that must not commit."""


async def run(url: str, app_url: str, args: argparse.Namespace) -> dict[str, Any]:
    owner = await asyncpg.connect(url)
    try:
        events = await owner.fetchval("SELECT count(*) FROM access_events")
        picked = await owner.fetch(
            "SELECT id FROM persons p WHERE NOT protected AND NOT EXISTS (SELECT 1 FROM access_events e"
            " WHERE e.person_id = p.id OR e.person_ids @> ARRAY[p.id]) ORDER BY md5(id::text) LIMIT 2"
        )
        busy, quiet = picked[0]["id"], picked[1]["id"]
        await owner.execute(_HISTORY, str(busy), args.history)
        few = await owner.fetchrow(
            "SELECT person_id AS id, count(*) AS n FROM access_events WHERE person_id IS NOT NULL"
            " GROUP BY person_id HAVING count(*) BETWEEN 3 AND 30 LIMIT 1"
        )
        await owner.execute("ANALYZE access_events")
    finally:
        await owner.close()
    persons = {"many": busy, "few": few["id"], "none": quiet}
    app = Database(app_url, pool_size=1, max_overflow=0)
    results: dict[str, Any] = {"events": events, "history": args.history, "few": int(few["n"]), "persons": {}}
    try:
        for name, person in persons.items():
            sql, values = await captured(app, person)
            auto = await runs(app, person, args.runs, custom=False)
            await app.engine.dispose()  # a new connection: its own prepared statement, counted from 1
            custom = await runs(app, person, args.runs, custom=True)
            await app.engine.dispose()
            plans = {
                mode: await explain(app, sql, values, mode)
                for mode in ("auto", "force_custom_plan", "force_generic_plan")
            }
            results["persons"][name] = {"auto_ms": auto, "force_custom_plan_ms": custom, "plans": plans}
            print(f"\n== {name}: auto {fmt(auto)}\n   force_custom_plan {fmt(custom)}", file=sys.stderr)
            for mode, plan in plans.items():
                print(f"\n-- EXPLAIN, 7th execution, {mode}:\n{plan}", file=sys.stderr)
    finally:
        await app.dispose()
    return results


def fmt(timings: list[float]) -> str:
    return " ".join(f"{t:.1f}" for t in timings) + " ms"


def table(report: dict[str, Any]) -> str:
    r = report["results"]
    lines = [
        f"Log: {r['events']:,} events; persons with {r['history']} (+ the run's own), {r['few']} and no"
        " events.",
        "",
        "| person | auto, runs 2-5 | auto, runs 6+ | custom, runs 2-5 | custom, runs 6+ |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, p in r["persons"].items():
        a, c = p["auto_ms"], p["force_custom_plan_ms"]
        cells = [f"{min(x):.1f}-{max(x):.1f} ms" for x in (a[1:5], a[5:], c[1:5], c[5:])]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--history", type=int, default=700, help="events added about the busy person")
    parser.add_argument("--runs", type=int, default=12, help="calls per person and plan mode")
    parser.add_argument("--data-dir", type=Path, default=REPO / ".sxvis-data" / "bench")
    parser.add_argument("--database-url", default=None, help="an external PostgreSQL (as its owner)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url, database = database_for(args, stack)
        started = datetime.now(UTC)
        app_url = app_database_url(Settings(data_dir=args.data_dir), owner_url=url)
        results = asyncio.run(run(url, app_url, args))
        report = {
            "started_at": started.isoformat(),
            "machine": machine(url),
            "database_server": database,
            "results": results,
        }
        out = args.out or REPO / "bench" / "results" / f"access_log_plan-{started:%Y%m%dT%H%M%SZ}.json"
        write_report(report, out, table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
