"""How fast `sxvis import persons` loads an agency's list, against COPY's own rate on the same rows.

    python bench/import_persons.py [--rows 1000000] [--database-url URL] [--out results/import-<ts>.json]

Steps: start the embedded PostgreSQL in a temporary folder (or use `--database-url`, whose registry
should be empty), migrate it and install the catalogue; write a valid CSV of `--rows` synthetic persons
(the seed generator's names, birth dates, districts, phones; streamed, in a temporary folder, never
committed); then, timed:

1. the import itself (`sxvis.imports.service.import_persons`, exactly what the command runs: checking
   every row in Python, COPY into the staging table, the merge statement, the inserts with every index of
   `persons`, one access event per person, the report);
2. the same file again: every row unchanged, nothing written (the idempotent re-run);
3. the anchor: a bare `COPY … FROM STDIN (FORMAT csv)` of the same file into an UNLOGGED table with the
   same columns and no index, no check, no log: what the server can take at best.

It prints rows per second of each and the import's share of COPY's rate, and writes them as JSON. Memory
stays bounded: the CSV is generated and imported in batches.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from authz.store import seed_policies  # noqa: E402
from sxvis.database import migrate  # noqa: E402
from sxvis.database.embedded import EmbeddedPostgres  # noqa: E402
from sxvis.database.engine import Database  # noqa: E402
from sxvis.imports.rows import COLUMNS as IMPORT_COLUMNS  # noqa: E402
from sxvis.imports.service import import_persons  # noqa: E402
from sxvis.seed._generate import generate  # noqa: E402
from sxvis.seed.catalogue import install_catalogue  # noqa: E402

COLUMNS = tuple(column for column in IMPORT_COLUMNS if column != "protected")
"""The import's own columns; the benchmark's file marks nobody protected."""
SOURCE = "DOST"
# Persons numbered from here, so the FINs cannot collide with a seeded registry's (which start at 0).
FIRST_INDEX = 50_000_000

ANCHOR_TABLE = """
CREATE UNLOGGED TABLE bench_copy_anchor (
  fin text, last_name text, first_name text, patronymic text, birth_date date, sex text,
  residence_status text, region_code text, district_code text, address_line text, phone text, email text
)
"""


def write_csv(path: Path, rows: int, seed: int) -> float:
    """The file, streamed batch by batch from the seed generator; returns the seconds it took."""
    started = time.perf_counter()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for batch in generate(seed, rows, start=FIRST_INDEX):
            writer.writerows(
                (
                    p.fin,
                    p.last_name,
                    p.first_name,
                    p.patronymic,
                    p.birth_date.isoformat(),
                    p.sex,
                    p.residence_status,
                    p.region_code,
                    p.district_code,
                    p.address_line or "",
                    p.phone or "",
                    p.email or "",
                )
                for p in batch.persons
            )
    return time.perf_counter() - started


async def prepare(db: Database) -> None:
    await migrate.upgrade(db.engine)
    async with db.transaction() as session:
        await install_catalogue(session)
        await seed_policies(session)


async def anchor(db: Database, path: Path) -> float:
    """Seconds for a bare COPY of the file into an unlogged table without indexes."""
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        pg: Any = raw.driver_connection
        await pg.execute("DROP TABLE IF EXISTS bench_copy_anchor")
        await pg.execute(ANCHOR_TABLE)
        try:
            started = time.perf_counter()
            await pg.copy_to_table(
                "bench_copy_anchor", source=str(path), format="csv", header=True, columns=list(COLUMNS)
            )
            return time.perf_counter() - started
        finally:
            await pg.execute("DROP TABLE bench_copy_anchor")


class Phases:
    """Seconds spent in each step of the import, from its `on_phase` calls."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.current = "staging"
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str) -> None:
        self._close()
        print(f"  {name} …", flush=True)
        self.current = name

    def _close(self) -> None:
        now = time.perf_counter()
        self.seconds[self.current] = round(now - self.started, 2)
        self.started = now

    def done(self) -> dict[str, float]:
        self._close()
        return self.seconds


def progress(label: str, total: int) -> Any:
    seen = [0, time.perf_counter()]

    def advance(n: int) -> None:
        seen[0] += n
        now = time.perf_counter()
        if now - seen[1] > 10 or seen[0] == total:
            seen[1] = now
            print(f"  {label}: {seen[0]:,}/{total:,} rows staged", flush=True)

    return advance


async def run(args: argparse.Namespace, url: str, folder: Path) -> dict[str, Any]:
    db = Database(url, pool_size=2, max_overflow=0)
    try:
        await prepare(db)
        path = folder / "persons.csv"
        print(f"writing {args.rows:,} rows to {path} …", flush=True)
        generated = write_csv(path, args.rows, args.seed)
        size = path.stat().st_size
        print(f"  {size / 1e6:,.0f} MB in {generated:.1f} s", flush=True)

        print("import (first run) …", flush=True)
        phases = Phases()
        first = await import_persons(
            db,
            path=path,
            source=SOURCE,
            run_by="operator:bench",
            report=folder / "report.csv",
            on_rows=progress("first run", args.rows),
            on_phase=phases,
        )
        first_phases = phases.done()
        print("import (second run, nothing to change) …", flush=True)
        second = await import_persons(
            db,
            path=path,
            source=SOURCE,
            run_by="operator:bench",
            report=folder / "report-2.csv",
            on_rows=progress("second run", args.rows),
        )
        print("anchor: bare COPY into an unlogged table …", flush=True)
        copy_seconds = await anchor(db, path)
    finally:
        await db.dispose()
    copy_rate = args.rows / copy_seconds
    return {
        "benchmark": "import_persons",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "rows": args.rows,
        "file_mb": round(size / 1e6, 1),
        "import": {
            "seconds": round(first.seconds, 2),
            "rows_per_second": round(first.rows_per_second),
            "inserted": first.inserted,
            "rejected": first.rejected,
            "probable_duplicates": first.duplicates,
            "phase_seconds": first_phases,
        },
        "rerun": {
            "seconds": round(second.seconds, 2),
            "rows_per_second": round(second.rows_per_second),
            "unchanged": second.unchanged,
            "inserted": second.inserted,
            "updated": second.updated,
        },
        "copy_anchor": {"seconds": round(copy_seconds, 2), "rows_per_second": round(copy_rate)},
        "import_share_of_copy": round(first.rows_per_second / copy_rate, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", help="a server with an empty registry (default: embedded)")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / f"import-{stamp}.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sxvis-bench-import-") as name:
        folder = Path(name)
        if args.database_url:
            result = asyncio.run(run(args, args.database_url, folder))
        else:
            server = EmbeddedPostgres(folder / "data", database="sxvis_bench", delete_on_stop=True)
            url = server.start()
            try:
                result = asyncio.run(run(args, url, folder))
            finally:
                server.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nimport: {result['import']['rows_per_second']:,} rows/s "
        f"({result['rows']:,} rows in {result['import']['seconds']} s; "
        f"{result['import']['inserted']:,} inserted, {result['import']['rejected']:,} rejected, "
        f"{result['import']['probable_duplicates']:,} probable duplicates)\n"
        f"re-run (nothing changes): {result['rerun']['rows_per_second']:,} rows/s\n"
        f"bare COPY (anchor): {result['copy_anchor']['rows_per_second']:,} rows/s\n"
        f"import / COPY: {result['import_share_of_copy']:.3f}\n"
        f"wrote {args.out}"
    )


if __name__ == "__main__":
    main()
