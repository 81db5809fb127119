"""The access log as it grows: a request's cost and "who saw this person", before and after a fill.

Every read writes an event, so the log grows by tens of millions of rows a day at a few hundred requests
a second. With the log partitioned by month (migration 0017), neither a request's insert nor an
auditor's question should cost more as it grows. This measures, in one run on the registry
`bench/registry.py` seeds:

1. **before**: a logged FIN lookup through the product's path (`Database.scoped` + `get_person`: scope,
   row-level security, the read and its event in one statement, the commit), and "who saw this person"
   (`accessLog(filter: {personId})`'s service, first page of 20), p50 and p95 over `--reads` each;
2. **fill**: `--events` events (default 50 million) spread over the last `--months` months, each about
   one of up to 50,000 *other* seeded persons (a read) or two (a search), inserted by the owner in
   batches with `INSERT … SELECT generate_series` (the months' partitions made first). The persons
   measured are not among them: the question is whether the *log's* size costs a request or an auditor
   anything. A person's own history is another matter: "who saw this person" reads every event that
   names them (a search's GIN match cannot come in id order), so it grows with that person's history,
   not with everyone else's;
3. **after**: the same two measurements, on the same persons.

The ratio after/before is the figure: 1.0 means the log's size costs nothing. The filled events are not
sealed (the sealer is off the request path; sealing 50 million events is `sxvis audit seal`'s work).
With `--vacuum` the filled log is vacuumed before "after", as autovacuum would have done to the months
no longer written (the GIN pending lists merged).

    python bench/access_log.py [--events 50000000] [--persons 100000] [--vacuum] [--data-dir DIR]

Writes `bench/results/access_log-<UTC time>.json` and prints a Markdown table.
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

import asyncpg
from registry import AGENCY, REPO, database_for, machine, percentiles, seed, write_report
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from authz.actions import Action
from sxvis.actors import Actor, Origin
from sxvis.audit.queries import AccessLogFilter, find_events
from sxvis.config import Settings
from sxvis.database import Database, migrate
from sxvis.database.scope import RowScope
from sxvis.registry import persons
from sxvis.web.app import app_database_url

READER = Actor(
    user_id="bench-log-reader",
    agency_code=AGENCY,
    roles=frozenset({"social_worker"}),
    name="Benchmark (reader)",
    permissions=frozenset(action.value for action in Action),
    origin=Origin(request_id="bench-log", client_address="127.0.0.1", purpose="SERVICE_DELIVERY"),
)
AUDITOR = Actor(
    user_id="bench-log-auditor",
    agency_code=AGENCY,
    roles=frozenset({"auditor"}),
    name="Benchmark (auditor)",
    permissions=frozenset(action.value for action in Action),
    origin=Origin(request_id="bench-log", client_address="127.0.0.1", purpose="AUDIT"),
)
FIELDS = ["id", "fin", "lastName", "firstName", "birthDate"]

# One batch of filled events: a tenth are searches naming 20 persons, the rest reads of one person.
_FILL = """
WITH picked AS (
  SELECT g, ids[1 + (g * 7919) % cardinality(ids)] AS subject,
         now() - make_interval(secs => ((g * 104729) % ($3::bigint * 2592000))) AS at
  FROM generate_series($1::bigint, $2::bigint) AS g, (SELECT $4::uuid[] AS ids) p
)
INSERT INTO access_events (occurred_at, actor_user, actor_agency, actor_roles, action, entity_type,
  entity_id, person_id, person_ids, purpose, operation_name, fields, outcome, request_id)
SELECT at, 'filler-' || (g % 500), 'SXA', ARRAY['social_worker'],
  CASE WHEN g % 10 = 0 THEN 'person:search' ELSE 'person:read' END, 'person', subject::text,
  CASE WHEN g % 10 = 0 THEN NULL ELSE subject END,
  CASE WHEN g % 10 = 0 THEN ARRAY[subject, $4[1 + (g * 31) % cardinality($4::uuid[])]]
    ELSE ARRAY[subject] END,
  'SERVICE_DELIVERY', 'Fill', ARRAY['fin', 'lastName'], 'ALLOWED', 'fill-' || g
FROM picked
"""


async def measure(app: Database, fins: list[str], subjects: list[Any], reads: int) -> dict[str, Any]:
    """p50/p95 of a logged FIN lookup and of "who saw this person", `reads` of each (after a warm-up)."""
    scope_reader, scope_auditor = RowScope.of(READER), RowScope.of(AUDITOR)

    async def lookup(fin: str) -> None:
        async with app.scoped(scope_reader) as connection:
            found = await persons.get_person(connection, READER, fin=fin, fields=FIELDS)
        if found is None:
            raise SystemExit(f"the lookup of {fin} found nobody")

    async def who_saw(person_id: Any) -> None:
        async with app.scoped(scope_auditor) as connection:
            await find_events(connection, AUDITOR, filter=AccessLogFilter(person_id=person_id), first=20)

    result: dict[str, Any] = {}
    for name, work, keys in (("fin_lookup", lookup, fins), ("who_saw_this_person", who_saw, subjects)):
        for key in keys[:50]:
            await work(key)
        seconds = []
        for i in range(reads):
            started = time.perf_counter()
            await work(keys[i % len(keys)])
            seconds.append(time.perf_counter() - started)
        spread = percentiles(seconds)
        result[name] = {"reads": reads, "p50_ms": spread["p50"], "p95_ms": spread["p95"]}
        print(f"  {name}: p50 {spread['p50']:.2f} ms, p95 {spread['p95']:.2f} ms", file=sys.stderr)
    return result


async def fill(
    url: str, *, events: int, months: int, subjects: list[Any], batch: int, vacuum: bool
) -> dict[str, Any]:
    owner = await asyncpg.connect(url)
    try:
        await owner.execute(
            "SELECT sxvis_access_log_partition("
            "(date_trunc('month', now()) - make_interval(months => m))::date)"
            " FROM generate_series(0, $1::int) AS m",
            months,
        )
        started = time.perf_counter()
        with Progress(
            TextColumn("[bold]Filling the access log"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        ) as progress:
            task = progress.add_task("fill", total=events)
            first = 1
            while first <= events:
                last = min(events, first + batch - 1)
                await owner.execute(_FILL, first, last, months, subjects)
                progress.advance(task, last - first + 1)
                first = last + 1
        seconds = time.perf_counter() - started
        size = await owner.fetchval("SELECT pg_total_relation_size('access_events_default')") or 0
        total = await owner.fetchval(
            "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits"
            " WHERE inhparent = 'access_events'::regclass"
        )
        partitions = await owner.fetchval(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'access_events'::regclass"
        )
        # VACUUM merges each month's GIN pending list into the index, as autovacuum does in the background
        # for the months no longer written; without it every person lookup also reads the unmerged list.
        await owner.execute("VACUUM (ANALYZE) access_events" if vacuum else "ANALYZE access_events")
        return {
            "events": events,
            "seconds": seconds,
            "events_per_second": events / seconds,
            "log_bytes": int(total or 0),
            "default_partition_bytes": int(size),
            "partitions": int(partitions),
        }
    finally:
        await owner.close()


async def run(url: str, app_url: str, args: argparse.Namespace) -> dict[str, Any]:
    owner = Database(url, pool_size=1, max_overflow=0)
    app = Database(app_url, pool_size=2, max_overflow=0)
    try:
        await migrate.upgrade(owner.engine)
        async with owner.connect() as connection:
            rows = (
                await connection.exec_driver_sql(
                    "SELECT id, fin FROM persons WHERE NOT protected ORDER BY md5(fin) LIMIT 52000"
                )
            ).all()
            events_before = (await connection.exec_driver_sql("SELECT count(*) FROM access_events")).scalar()
        measured, others = rows[:2000], rows[2000:]
        if not others:
            raise SystemExit("seed more than 2,000 persons: the fill is about persons not measured")
        subjects, fins = [row[0] for row in measured], [row[1] for row in measured]
        print(f"before the fill ({events_before:,} events) …", file=sys.stderr)
        before = await measure(app, fins, subjects, args.reads)
        print(f"filling {args.events:,} events …", file=sys.stderr)
        filled = await fill(
            url,
            events=args.events,
            months=args.months,
            subjects=[row[0] for row in others],
            batch=args.batch,
            vacuum=args.vacuum,
        )
        print("after the fill …", file=sys.stderr)
        after = await measure(app, fins, subjects, args.reads)
        ratios = {
            name: {q: after[name][q] / before[name][q] for q in ("p50_ms", "p95_ms")} for name in before
        }
        return {"events_before": events_before, "before": before, "fill": filled, "after": after,
                "ratios": ratios}  # fmt: skip
    finally:
        await app.dispose()
        await owner.dispose()


def table(report: dict[str, Any]) -> str:
    r = report["results"]
    fill_ = r["fill"]
    lines = [
        f"Registry: {report['persons']:,} persons. Log: {r['events_before']:,} events before, "
        f"{fill_['events']:,} added over {report['months']} months in {fill_['seconds']:.0f} s "
        f"({fill_['events_per_second']:,.0f} events/s), {fill_['log_bytes'] / 2**30:.1f} GiB in "
        f"{fill_['partitions']} partitions.",
        "",
        "| measurement | before p50 / p95 | after p50 / p95 | after/before p50 | after/before p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, label in (("fin_lookup", "logged FIN lookup"), ("who_saw_this_person", "who saw this person")):
        b, a, q = r["before"][name], r["after"][name], r["ratios"][name]
        lines.append(
            f"| {label} | {b['p50_ms']:.2f} / {b['p95_ms']:.2f} ms | {a['p50_ms']:.2f} / {a['p95_ms']:.2f} ms"
            f" | {q['p50_ms']:.2f} | {q['p95_ms']:.2f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=50_000_000, help="events to add to the log")
    parser.add_argument("--months", type=int, default=12, help="months the added events spread over")
    parser.add_argument("--batch", type=int, default=500_000, help="events per INSERT")
    parser.add_argument("--reads", type=int, default=2000, help="reads of each kind measured")
    parser.add_argument(
        "--vacuum", action="store_true", help="VACUUM the filled log (as autovacuum would) before measuring"
    )
    parser.add_argument("--persons", type=int, default=100_000, help="registry size to seed up to")
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
        results = asyncio.run(run(url, app_url, args))
        report = {
            "started_at": started.isoformat(),
            "machine": machine(url),
            "database_server": database,
            "persons": seeded["persons_before"] + seeded["persons_added"],
            "months": args.months,
            "vacuum": args.vacuum,
            "seed": seeded,
            "results": results,
        }
        out = args.out or REPO / "bench" / "results" / f"access_log-{started:%Y%m%dT%H%M%SZ}.json"
        write_report(report, out, table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
