"""What a change on a page's path costs a page of 50 persons with their enrollments, in one process,
the variants interleaved (`--compare`):

- `executor`: graphql-core's own executor against SXVİS's (`schema.execution.LeafFirstExecutor`, plain
  leaf fields completed in one step): `graphql-core` runs the executor's `execute_fields` as
  graphql-core has it (every field through `execute_field`, `GraphQLResolveInfo`, `complete_value`),
  `leaf-first` the product's;
- `plain-objects`: the executor's plain leaves alone (`leaves-only`, as before 6 December 2026, night)
  against plain leaves and plain object fields (`leaves-and-objects`, the product's: a page's edges,
  nodes, enrollments and services completed without graphql-core's field execution);
- `enrollment-read`: the page's enrollments read, then their access event inserted (`two-statements`,
  as before 6 December 2026, kept here for the comparison), against read and logged in one statement
  (`one-statement`, the product's `enrollments.enrollments_of`);
- `fin-stack`: a FIN lookup (not a page) through strawberry's operation, its argument conversion and
  Starlette's router (`strawberry-path`, as before 7 December 2026), against the product's
  (`direct-path`: the text already found valid executed directly, `schema.prepared`; the scalar
  arguments passed as they are, `schema.arguments`; the operation past the router, `sxvis.web.app.App`).

The whole app runs in this process over ASGI (httpx's ASGITransport, no uvicorn, no sockets between
client and app), as a social worker of SXA with a development token, so every page goes through the
gate, the scoped transaction, the logged reads and the executor, exactly as `sxvis serve` answers it.
Variants alternate batch by batch (`--batches` of `--pages` pages each), so that a busy moment of the
machine falls on both; the figures are this process's CPU time per page (client included, the same for
both) and the wall time per page (which holds PostgreSQL's work and the round trips, one page at a
time), median and minimum over the batches. Both variants must answer the page alike.

The registry must be seeded first (`python bench/registry.py` seeds `--data-dir`, which this reuses).

    python bench/executor.py [--compare executor] [--pages 10] [--batches 40] [--data-dir .sxvis-data/bench]
                             [--database-url URL]

Writes `bench/results/executor-<UTC time>.json` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from registry import (
    FIN_LOOKUP,
    PAGE_50_NESTED,
    REPO,
    bench_token,
    database_for,
    graphql_body,
    machine,
    write_report,
)
from starlette.applications import Starlette
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import schema.schema as schema_module
from schema import execution
from schema.execution import LeafFirstExecutor
from sxvis import audit
from sxvis.actors import Actor
from sxvis.database.driver import Reads, driver_connection
from sxvis.registry import enrollments
from sxvis.registry.records import EnrollmentRecord
from sxvis.web.app import App

LEAF_FIRST = LeafFirstExecutor.execute_fields
ONE_STATEMENT = enrollments.enrollments_of
PLAIN_OBJECT = execution._plain_object
DOOR = App.__call__


class FinStack:
    """The three changes of 7 December 2026 on a FIN lookup's path, switched on and off together on the
    app being measured (`set_app`)."""

    app: Any = None
    prepared: Any = None
    resolvers: tuple[Any, Any] = (None, None)  # Query.person: strawberry's wrapper, the plain call

    @classmethod
    def set_app(cls, app: Any, settings: Any) -> None:
        cls.app = app
        cls.prepared = app.state.schema.prepared
        serve = schema_module.serve_plain_arguments
        schema_module.serve_plain_arguments = lambda schema: []
        try:
            strawberrys = schema_module.build_schema(settings)
        finally:
            schema_module.serve_plain_arguments = serve
        person = app.state.schema._schema.query_type.fields["person"]
        cls.resolvers = (strawberrys._schema.query_type.fields["person"].resolve, person.resolve)

    @classmethod
    def variant(cls, direct: bool) -> Callable[[], None]:
        def apply() -> None:
            if cls.app is None:
                return
            cls.app.state.schema.prepared = cls.prepared if direct else None
            cls.app.state.schema._schema.query_type.fields["person"].resolve = cls.resolvers[direct]
            App.__call__ = DOOR if direct else Starlette.__call__  # type: ignore[method-assign]

        return apply


def _executor(execute_fields: Any) -> Callable[[], None]:
    def apply() -> None:
        LeafFirstExecutor.execute_fields = execute_fields  # type: ignore[method-assign]

    return apply


def _plain_objects(plan_object: Any) -> Callable[[], None]:
    def apply() -> None:
        execution._plain_object = plan_object
        LeafFirstExecutor.shared_plans.clear()  # planned again under the variant

    return apply


def _no_plain_object(*_args: Any) -> None:
    return None


def _enrollment_read(read: Any) -> Callable[[], None]:
    def apply() -> None:
        enrollments.enrollments_of = read

    return apply


async def _enrollments_in_two_statements(
    reads: Reads, actor: Actor, *, person_ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[EnrollmentRecord]:
    """`enrollments.enrollments_of` as it was until 6 December 2026: the read, then its event."""
    actor.require("person:read")
    connection = await driver_connection(reads)
    sql = f"{enrollments._OF_PERSONS} ORDER BY {enrollments._ORDER}"
    rows = await connection.fetch(sql, list(person_ids), actor.agency_code, actor.reads_whole_registry)
    found = [EnrollmentRecord.of(row) for row in rows]
    await audit.record_read(
        reads,
        actor,
        found,
        action=enrollments.READ,
        entity_type="enrollment",
        asked_about=person_ids,
        fields=fields,
        details={"enrollments": len(found)},
    )
    return found


COMPARISONS: dict[str, dict[str, Callable[[], None]]] = {
    "executor": {
        "graphql-core": _executor(StrawberryGraphQLCoreExecutionContext.execute_fields),
        "leaf-first": _executor(LEAF_FIRST),
    },
    "enrollment-read": {
        "two-statements": _enrollment_read(_enrollments_in_two_statements),
        "one-statement": _enrollment_read(ONE_STATEMENT),
    },
    "plain-objects": {
        "leaves-only": _plain_objects(_no_plain_object),
        "leaves-and-objects": _plain_objects(PLAIN_OBJECT),
    },
    "fin-stack": {
        "strawberry-path": FinStack.variant(direct=False),
        "direct-path": FinStack.variant(direct=True),
    },
}


def _restore() -> None:
    LeafFirstExecutor.execute_fields = LEAF_FIRST  # type: ignore[method-assign]
    enrollments.enrollments_of = ONE_STATEMENT
    execution._plain_object = PLAIN_OBJECT
    LeafFirstExecutor.shared_plans.clear()
    FinStack.variant(direct=True)()
    App.__call__ = DOOR  # type: ignore[method-assign]


async def measure(
    url: str,
    data_dir: Path,
    variants: dict[str, Callable[[], None]],
    *,
    pages: int,
    batches: int,
    fin_lookup: bool = False,
) -> dict[str, dict[str, float]]:
    os.environ.update(
        SXVIS_DATABASE_URL=url,
        SXVIS_MODE="development",
        SXVIS_DATA_DIR=str(data_dir),
        SXVIS_LOG_LEVEL="warning",
    )
    from sxvis.config import Settings
    from sxvis.logging import configure
    from sxvis.web.app import create_app

    settings = Settings()
    configure(settings)
    app = create_app(settings)
    headers = {"authorization": f"Bearer {bench_token(data_dir)}", "content-type": "application/json"}
    body = graphql_body(PAGE_50_NESTED, {"after": None})
    if fin_lookup:
        FinStack.set_app(app, settings)
        body = graphql_body(FIN_LOOKUP, {"fin": await _a_fin(url)})
    answers: dict[str, bytes] = {}
    per_page: dict[str, list[float]] = {name: [] for name in variants}
    wall: dict[str, list[float]] = {name: [] for name in variants}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

        async def page() -> bytes:
            response = await client.post("/graphql", content=body, headers=headers)
            if response.status_code != 200 or b'"errors"' in response.content:
                raise RuntimeError(f"the page failed: {response.status_code} {response.text[:300]}")
            return response.content

        try:
            for name, apply in variants.items():  # warm both, and check they answer alike
                apply()
                for _ in range(20):
                    answers[name] = await page()
            if len(set(answers.values())) != 1:
                raise RuntimeError("the variants answered the page differently")
            for _ in range(batches):
                for name, apply in variants.items():
                    apply()
                    started, started_wall = time.process_time(), time.perf_counter()
                    for _ in range(pages):
                        await page()
                    per_page[name].append((time.process_time() - started) / pages * 1000)
                    wall[name].append((time.perf_counter() - started_wall) / pages * 1000)
        finally:
            _restore()
    return {
        name: {
            "median_ms": round(statistics.median(times), 3),
            "min_ms": round(min(times), 3),
            "wall_median_ms": round(statistics.median(wall[name]), 3),
            "wall_min_ms": round(min(wall[name]), 3),
        }
        for name, times in per_page.items()
    }


async def _a_fin(url: str) -> str:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url)
    try:
        fin: str = await connection.fetchval(
            "SELECT fin FROM persons WHERE NOT protected ORDER BY id LIMIT 1"
        )
    finally:
        await connection.close()
    return fin


def table(figures: dict[str, dict[str, float]]) -> str:
    """Each variant against the first (the baseline of the comparison)."""
    first = next(iter(figures))
    cpu, wall = figures[first]["median_ms"], figures[first]["wall_median_ms"]
    lines = [
        f"| variant | CPU ms per page, median (minimum) | against {first} | wall ms per page, median "
        f"(minimum) | against {first} |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in figures.items():
        lines.append(
            f"| {name} | {row['median_ms']:.2f} ({row['min_ms']:.2f}) | {row['median_ms'] / cpu:.2f} "
            f"| {row['wall_median_ms']:.2f} ({row['wall_min_ms']:.2f}) | {row['wall_median_ms'] / wall:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--compare", choices=sorted(COMPARISONS), default="executor")
    parser.add_argument("--pages", type=int, default=10, help="pages per batch")
    parser.add_argument("--batches", type=int, default=40, help="batches per variant, interleaved")
    parser.add_argument("--data-dir", type=Path, default=REPO / ".sxvis-data" / "bench")
    parser.add_argument("--database-url", default=None, help="an external PostgreSQL (as its owner)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or REPO / "bench" / "results" / f"executor-{stamp}.json"
    with contextlib.ExitStack() as stack:
        url, database = database_for(args, stack)
        load_before = os.getloadavg()[0]
        variants = COMPARISONS[args.compare]
        fin_lookup = args.compare == "fin-stack"
        figures = asyncio.run(
            measure(
                url, args.data_dir, variants, pages=args.pages, batches=args.batches, fin_lookup=fin_lookup
            )
        )
        report: dict[str, Any] = {
            "benchmark": "executor",
            "compare": args.compare,
            "when": stamp,
            "machine": machine(url),
            "database": database,
            "load_average": {"start": load_before, "end": os.getloadavg()[0]},
            "pages_per_batch": args.pages,
            "batches": args.batches,
            "document": FIN_LOOKUP if fin_lookup else PAGE_50_NESTED,
            "cpu_ms_per_page": figures,
        }
    write_report(report, out, table(figures))


if __name__ == "__main__":
    sys.exit(main())
