"""What a FIN lookup costs at the least, piece by piece: the floor under `bench/registry.py`'s ratio.

`bench/registry.py` measures a FIN lookup through the whole product against a bare Starlette+asyncpg
endpoint (the access issue's target: 0.4 of the bare endpoint's requests per second). This measures the
two pieces the product adds, each alone, on one core, one request at a time, so that the reachable
ratio can be read off them rather than guessed:

Database (one connection each, the same FINs for every variant):

- `bare`: `bench/baseline.py`'s FIN SELECT as the owner, autocommit: what the bare endpoint does.
- `unscoped`: the product's SELECT (`sxvis.registry.persons`) as the owner, autocommit: what the
  benchmark's unguarded app does.
- `scoped`: the read as three round trips: `Database.scoped` (a pooled connection; `BEGIN` and the
  scope in one round trip; `COMMIT`) around `persons.get_person`, as `sxvis_app` under row-level
  security, the access event inserted by the statement that reads. The product's path until 5
  December 2026, and still its path where the database lacks the one-call function.
- `product`: the product's own path, `persons.read_person`: scope, read and access event in one call
  of the function an upgrade made from the read's statement (`sxvis.database.routines`), on a pooled
  connection in autocommit.

GraphQL (no database: the person resolver answers with a fixed person, as the product shows it):

- `json`: what the bare endpoint does with a row: build the answer and encode it (orjson).
- `graphql`: the product's schema executing `bench/registry.py`'s FIN document (strawberry and
  graphql-core: parse and validation cached, execution, field resolution, the access event's field
  list), with only the person resolver replaced, then the result encoded.

For each: client (this process) CPU per lookup, and for the database variants PostgreSQL CPU per
lookup (every PostgreSQL process, so WAL writing counts), and wall time. The registry must be seeded
first (`python bench/registry.py` seeds `--data-dir`, which this reuses).

    python bench/fin_floor.py [--lookups 5000] [--data-dir .sxvis-data/bench] [--database-url URL]

Writes `bench/results/fin-floor-<UTC time>.json` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from baseline import FIN_SQL
from registry import AGENCY, FIN_LOOKUP, REPO, CpuMeter, database_for, machine, postmaster_pid, write_report

import resolvers.registry as registry_resolvers
from authz.actions import Action
from resolvers.context import Context
from schema import build_schema
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.actors import Actor, Origin
from sxvis.config import Mode, Settings
from sxvis.database import Database
from sxvis.database.driver import driver_connection
from sxvis.database.scope import RowScope
from sxvis.registry import persons
from sxvis.web.app import app_database_url

ACTOR = Actor(
    user_id="bench-floor",
    agency_code=AGENCY,
    roles=frozenset({"social_worker"}),
    name="Benchmark (floor)",
    permissions=frozenset(action.value for action in Action),
    origin=Origin(request_id="bench-floor", client_address="127.0.0.1", purpose="SERVICE_DELIVERY"),
)
"""A social worker of SXA with every permission (as `bench/unguarded.py`): every person in its remit,
contacts shown."""

FIELDS = ["id", "fin", "lastName", "firstName", "patronymic", "birthDate", "sex", "residenceStatus",
          "regionCode", "districtCode", "phone"]  # fmt: skip


async def timed(
    name: str, lookup: Callable[[str], Awaitable[object]], fins: list[str], postgres: CpuMeter | None
) -> dict[str, Any]:
    for fin in fins[:300]:  # warm: prepared statements, caches, the pool
        await lookup(fin)
    if postgres is not None:
        postgres.start()
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    for fin in fins:
        await lookup(fin)
    wall, cpu = time.perf_counter() - wall_before, time.process_time() - cpu_before
    n = len(fins)
    result = {"name": name, "lookups": n, "wall_ms": 1000 * wall / n, "client_cpu_ms": 1000 * cpu / n}
    if postgres is not None:
        result["postgres_cpu_ms"] = 1000 * postgres.stop() / n
    print(f"  {name}: {result}", file=sys.stderr)
    return result


async def database_part(
    url: str, app_url: str, lookups: int, postgres: CpuMeter | None
) -> list[dict[str, Any]]:
    owner = await asyncpg.connect(url)
    db = Database(app_url, pool_size=1, max_overflow=0)
    scope = RowScope.of(ACTOR)
    args = (ACTOR.agency_code, ACTOR.reads_whole_registry, ACTOR.user_id, False)
    try:
        count = await owner.fetchval("SELECT count(*) FROM persons WHERE NOT protected")
        if count < 1000:
            raise SystemExit("Seed the registry first: python bench/registry.py (it seeds --data-dir).")
        rows = await owner.fetch(
            "SELECT fin FROM persons WHERE NOT protected ORDER BY md5(fin) LIMIT $1", min(lookups, 20_000)
        )
        fins = [row["fin"] for row in rows]
        fins = (fins * (lookups // len(fins) + 1))[:lookups]

        async def bare(fin: str) -> object:
            return await owner.fetchrow(FIN_SQL, fin)

        async def unscoped(fin: str) -> object:
            return await owner.fetch(persons._BY_FIN, fin, *args)

        async def scoped(fin: str) -> object:
            async with db.scoped(scope) as connection:
                return await persons.get_person(connection, ACTOR, fin=fin, fields=FIELDS)

        async def product(fin: str) -> object:
            return await persons.read_person(db, ACTOR, fin=fin, fields=FIELDS)

        async with db.autocommit() as pg:
            if await pg.fetchval("SELECT to_regproc($1)", persons.SCOPED_READS[1].name) is None:
                raise SystemExit("The one-call function is missing: run `sxvis db upgrade` on this database.")
        assert await scoped(fins[0]) is not None, "the scoped read found nobody"
        assert await product(fins[0]) is not None, "the product's read found nobody"
        results = []
        for name, lookup in (
            ("bare", bare),
            ("unscoped", unscoped),
            ("scoped", scoped),
            ("product", product),
        ):
            results.append(await timed(name, lookup, fins, postgres))
        return results
    finally:
        await db.dispose()
        await owner.close()


async def graphql_part(app_url: str, data_dir: Path, lookups: int) -> list[dict[str, Any]]:
    db = Database(app_url)
    async with db.scoped(RowScope.of(ACTOR)) as connection:
        fin = await (await driver_connection(connection)).fetchval(
            "SELECT fin FROM persons WHERE NOT protected ORDER BY fin LIMIT 1"
        )
        record = await persons.get_person(connection, ACTOR, fin=fin, fields=FIELDS)
    assert record is not None
    settings = Settings(data_dir=data_dir, mode=Mode.DEVELOPMENT)
    pseudonyms = Pseudonyms.from_data_dir(data_dir, None)
    schema = build_schema(settings)
    variables = {"fin": record.fin}

    async def fixed_person(ctx: Context, **ignored: Any) -> Any:
        return registry_resolvers.view(ctx, record)

    def context() -> Context:
        return Context(db=db, actor=ACTOR, settings=settings, pseudonyms=pseudonyms, policy=None)  # type: ignore[arg-type]

    async def json(fin: str) -> object:
        # The bare endpoint's part: the answer from the row, encoded.
        person = {"id": str(record.id), "fin": record.fin, "lastName": record.last_name,
                  "firstName": record.first_name, "patronymic": record.patronymic,
                  "birthDate": record.birth_date, "sex": str(record.sex),
                  "residenceStatus": str(record.residence_status), "regionCode": record.region_code,
                  "districtCode": record.district_code, "phone": record.phone}  # fmt: skip
        return orjson.dumps({"data": {"person": person}})

    async def graphql(fin: str) -> object:
        result = await schema.execute(FIN_LOOKUP, variable_values=variables, context_value=context())
        assert result.errors is None, result.errors
        return orjson.dumps({"data": result.data})

    real = registry_resolvers.person
    registry_resolvers.person = fixed_person
    try:
        fins = [record.fin] * lookups
        return [await timed("json", json, fins, None), await timed("graphql", graphql, fins, None)]
    finally:
        registry_resolvers.person = real
        await db.dispose()


def table(report: dict[str, Any]) -> str:
    """One row per variant; the database rows also as a multiple of the bare endpoint's database work,
    and the client CPU each adds over it (what lands in the server process)."""
    lines = [
        "| part | variant | client CPU ms | PostgreSQL CPU ms | client + PostgreSQL ms | × bare"
        " | client CPU over bare ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    bare = next(r for r in report["database"] if r["name"] == "bare")
    bare_total = bare["client_cpu_ms"] + bare["postgres_cpu_ms"]
    for r in report["database"]:
        total = r["client_cpu_ms"] + r["postgres_cpu_ms"]
        over = r["client_cpu_ms"] - bare["client_cpu_ms"]
        lines.append(f"| database | {r['name']} | {r['client_cpu_ms']:.3f} | {r['postgres_cpu_ms']:.3f} |"
                     f" {total:.3f} | {total / bare_total:.1f} | {over:.3f} |")  # fmt: skip
    for r in report["graphql"]:
        lines.append(
            f"| graphql | {r['name']} | {r['client_cpu_ms']:.3f} | – | {r['client_cpu_ms']:.3f} | – | – |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lookups", type=int, default=5000, help="lookups per variant")
    parser.add_argument("--data-dir", type=Path, default=REPO / ".sxvis-data" / "bench")
    parser.add_argument("--database-url", default=None, help="an external PostgreSQL (as its owner)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url, database = database_for(args, stack)
        app_url = app_database_url(Settings(data_dir=args.data_dir), owner_url=url)
        started = datetime.now(UTC)
        print("database part …", file=sys.stderr)
        pid = postmaster_pid(url)  # every PostgreSQL process, so WAL writing counts too
        postgres = None if pid is None else CpuMeter(pid)
        database_results = asyncio.run(database_part(url, app_url, args.lookups, postgres))
        print("graphql part …", file=sys.stderr)
        graphql_results = asyncio.run(graphql_part(app_url, args.data_dir, args.lookups))
        report = {
            "started_at": started.isoformat(),
            "machine": machine(url),
            "database_server": database,
            "lookups": args.lookups,
            "database": database_results,
            "graphql": graphql_results,
        }
        out = args.out or REPO / "bench" / "results" / f"fin-floor-{started:%Y%m%dT%H%M%SZ}.json"
        write_report(report, out, table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
