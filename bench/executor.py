"""What the executor costs a page of 50 persons with their enrollments: graphql-core's own executor
against SXVİS's (`schema.execution.LeafFirstExecutor`, plain leaf fields completed in one step), in one
process, interleaved.

The whole app runs in this process over ASGI (httpx's ASGITransport, no uvicorn, no sockets between
client and app), as a social worker of SXA with a development token, so every page goes through the
gate, the scoped transaction, the logged reads and the executor, exactly as `sxvis serve` answers it.
Variants alternate batch by batch (`--batches` of `--pages` pages each), so that a busy moment of the
machine falls on both; the figure is this process's CPU time per page (client included, the same for
both), median and minimum over the batches. PostgreSQL's CPU is not in it: it is the same SQL.

- `graphql-core`: the executor's `execute_fields` as graphql-core has it (every field through
  `execute_field`, `GraphQLResolveInfo`, `complete_value`);
- `leaf-first`: the product's executor.

The registry must be seeded first (`python bench/registry.py` seeds `--data-dir`, which this reuses).

    python bench/executor.py [--pages 10] [--batches 40] [--data-dir .sxvis-data/bench] [--database-url URL]

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from registry import PAGE_50_NESTED, REPO, bench_token, database_for, graphql_body, machine, write_report
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import LeafFirstExecutor

VARIANTS = {
    "graphql-core": StrawberryGraphQLCoreExecutionContext.execute_fields,
    "leaf-first": LeafFirstExecutor.execute_fields,
}


async def measure(url: str, data_dir: Path, *, pages: int, batches: int) -> dict[str, dict[str, float]]:
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
    answers: dict[str, bytes] = {}
    per_page: dict[str, list[float]] = {name: [] for name in VARIANTS}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

        async def page() -> bytes:
            response = await client.post("/graphql", content=body, headers=headers)
            if response.status_code != 200 or b'"errors"' in response.content:
                raise RuntimeError(f"the page failed: {response.status_code} {response.text[:300]}")
            return response.content

        try:
            for name, execute_fields in VARIANTS.items():  # warm both, and check they answer alike
                LeafFirstExecutor.execute_fields = execute_fields  # type: ignore[method-assign]
                for _ in range(20):
                    answers[name] = await page()
            if len(set(answers.values())) != 1:
                raise RuntimeError("the two executors answered the page differently")
            for _ in range(batches):
                for name, execute_fields in VARIANTS.items():
                    LeafFirstExecutor.execute_fields = execute_fields  # type: ignore[method-assign]
                    started = time.process_time()
                    for _ in range(pages):
                        await page()
                    per_page[name].append((time.process_time() - started) / pages * 1000)
        finally:
            LeafFirstExecutor.execute_fields = VARIANTS["leaf-first"]  # type: ignore[method-assign]
    return {
        name: {"median_ms": round(statistics.median(times), 3), "min_ms": round(min(times), 3)}
        for name, times in per_page.items()
    }


def table(figures: dict[str, dict[str, float]]) -> str:
    base = figures["graphql-core"]["median_ms"]
    lines = [
        "| executor | CPU ms per page, median | minimum | median against graphql-core's |",
        "|---|---:|---:|---:|",
    ]
    for name, row in figures.items():
        lines.append(
            f"| {name} | {row['median_ms']:.2f} | {row['min_ms']:.2f} | {row['median_ms'] / base:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
        figures = asyncio.run(measure(url, args.data_dir, pages=args.pages, batches=args.batches))
        report: dict[str, Any] = {
            "benchmark": "executor",
            "when": stamp,
            "machine": machine(url),
            "database": database,
            "load_average": {"start": load_before, "end": os.getloadavg()[0]},
            "pages_per_batch": args.pages,
            "batches": args.batches,
            "document": PAGE_50_NESTED,
            "cpu_ms_per_page": figures,
        }
    write_report(report, out, table(figures))


if __name__ == "__main__":
    sys.exit(main())
