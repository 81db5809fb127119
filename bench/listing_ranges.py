"""What a page of the persons listing costs per agency and filter: its range against the registry walk.

A page of `persons` walks, in listing order, the narrowest index range holding every candidate: the
caller's remit (migration 0019), a category's circumstances (0020), or the registry
(`sxvis.registry.listing`). Before, every page walked the registry and tested each person, so its cost
was whatever lay before its last match: the whole registry when matches were rare or hidden from the
caller. This runs both in one process, on one connection, through the product's own path (the app's
role, its row scope, the logged read), for agencies from the smallest remit to the registry-wide, and
prints the median milliseconds of each page and the ratio:

- **ranges**: `persons.find_persons` as it is;
- **registry walk**: the same pages with the range choice switched off (`listing.choose` answering
  "the registry", and the plain listing run as the registry-wide statement with the remit tested per
  person; a name search reading the registry's bearers of the name, `listing.searches_remit`
  answering no), and enum equality not leakproof (as before migration 0020: the bench connects as the
  owner and, when it is a superuser, flips the mark around these pages): what main did before.

Run it on a seeded registry (`bench/registry.py --persons 1000000` seeds one):

    python bench/listing_ranges.py [--data-dir .sxvis-data/bench] [--runs 5] [--walk-runs 1]

A registry walk can take seconds; `--timeout` bounds each (a page that hits it is reported as such).
Writes `bench/results/listing_ranges-<UTC time>.json` and prints a table.

With `--count`, the same for the listing's `totalCount` (`persons.count_persons`): the range's persons
counted, against the registry's conditions counted over the registry (what main did; enum equality
stays leakproof, as it was there).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from registry import REPO, database_for, machine, write_report

from sxvis import audit
from sxvis.actors import Actor
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.database.driver import driver_connection
from sxvis.database.scope import RowScope
from sxvis.registry import listing, persons
from sxvis.registry.enums import CircumstanceCategory
from sxvis.registry.persons import PersonFilter
from sxvis.web.app import app_database_url

AGENCIES = ("NGO-QADIN", "SXA-REAB", "NGO-YASLI", "DOST-GENCE", "DOST", "SXA")
REGISTRY_WIDE = frozenset({"SXA"})  # as the seed policy has it: SXA's workers read the whole registry
FILTERS: dict[str, PersonFilter] = {
    "plain": PersonFilter(),
    "region": PersonFilter(region_code="AZ-01"),
    "aged 80+": PersonFilter(min_age=80),
    "victims of DV": PersonFilter(category=CircumstanceCategory.DOMESTIC_VIOLENCE_VICTIM),
    "adults with disability": PersonFilter(category=CircumstanceCategory.ADULT_WITH_DISABILITY),
    "shelter service": PersonFilter(service_code="09-03-00-00"),  # a rare service, its persons protected
    # Name searches: a small remit's persons read once (`listing.persons_sql`), against the registry's
    # name indexes with each candidate tested for the remit.
    "search: Məmmədov Əli": PersonFilter(text="Məmmədov Əli"),  # two of the commonest words
    "search: Hüseynova": PersonFilter(text="Hüseynova"),  # a common surname alone
    "search: Mamedof Ali": PersonFilter(text="Mamedof Ali"),  # a misspelling
}


def actor_of(agency: str) -> Actor:
    permissions = {"person:read", "person:search"} | ({"registry:read"} if agency in REGISTRY_WIDE else set())
    return Actor(
        user_id="bench-listing",
        agency_code=agency,
        roles=frozenset({"social_worker"}),
        permissions=frozenset(permissions),
    )


async def registry_walk_plain(connection: Any, actor: Actor) -> int:
    """The plain listing as main ran it for every agency: the registry in order, the remit per person."""
    raw = await driver_connection(connection)
    args = [actor.agency_code, actor.reads_whole_registry, actor.user_id, 51]
    rows = await audit.read_logged(
        raw, persons._LISTING_FIRST, args, actor=actor, action=persons.READ, logged_limit=50
    )
    return min(len(rows), 50)


async def page(
    app: Database, actor: Actor, filter: PersonFilter, *, walk: bool, limit_s: float, count: bool = False
) -> float:
    """Milliseconds of one first page of 50 (or, with `count`, of its total), in its own scoped
    transaction."""
    started = time.perf_counter()
    async with app.scoped(RowScope.of(actor), generic_plans=persons.lists_on_generic_plans(filter)) as c:
        raw = await driver_connection(c)
        await raw.execute(f"SET LOCAL statement_timeout = {int(limit_s * 1000)}")
        if count:
            await persons.count_persons(c, actor, filter=filter)
        elif walk and filter.only_text() and not filter.text and not actor.reads_whole_registry:
            await registry_walk_plain(c, actor)
        else:
            await persons.find_persons(c, actor, filter=filter, first=50)
    return (time.perf_counter() - started) * 1000


async def leakproof_enum_eq(owner: asyncpg.Connection, leakproof: bool) -> bool:
    """Mark enum equality leakproof or not (migration 0020 marks it); False when the owner may not."""
    if not await owner.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
        return False
    await owner.execute(f"ALTER FUNCTION enum_eq(anyenum, anyenum) {'' if leakproof else 'NOT '}LEAKPROOF")
    return True


async def measure(url: str, app_url: str, args: argparse.Namespace) -> dict[str, Any]:
    app = Database(app_url, pool_size=1, max_overflow=0)
    owner = await asyncpg.connect(url)
    try:
        return await _measure(app, owner, args)
    finally:
        await leakproof_enum_eq(owner, True)
        await owner.close()
        await app.dispose()


async def _measure(app: Database, owner: asyncpg.Connection, args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    real_choose, real_searches_remit = listing.choose, listing.searches_remit

    async def registry(*_: Any) -> None:
        return None

    async def registry_search(*_: Any) -> bool:
        return False

    for agency in args.agencies.split(","):
        actor = actor_of(agency)
        for name in args.filters.split(","):
            filter = FILTERS[name]
            cell: dict[str, Any] = {}
            for variant, runs in (("ranges", args.runs), ("registry walk", args.walk_runs)):
                listing.choose = registry if variant == "registry walk" else real_choose  # type: ignore[assignment]
                if variant == "registry walk":
                    listing.searches_remit = registry_search  # type: ignore[assignment]
                await leakproof_enum_eq(owner, args.count or variant == "ranges")
                timings: list[float] = []
                walk = variant != "ranges"
                try:
                    await page(app, actor, filter, walk=walk, limit_s=args.timeout, count=args.count)  # warm
                    for _ in range(runs):
                        timings.append(
                            await page(app, actor, filter, walk=walk, limit_s=args.timeout, count=args.count)
                        )
                    cell[variant] = statistics.median(timings)
                except asyncpg.QueryCanceledError:
                    cell[variant] = None  # over --timeout
                finally:
                    listing.choose = real_choose  # type: ignore[assignment]
                    listing.searches_remit = real_searches_remit  # type: ignore[assignment]
            results.setdefault(agency, {})[name] = cell
            walked, ranged = cell["registry walk"], cell["ranges"]
            shown = f"{walked:9.1f}" if walked is not None else f">{args.timeout * 1000:8.0f}"
            line = f"{agency:11} {name:24} ranges {ranged:8.1f} ms   registry walk {shown} ms"
            print(line, file=sys.stderr)
    return results


def table(report: dict[str, Any]) -> str:
    results, timeout = report["results"], report["timeout_ms"]
    lines = [
        "| agency | page | ranges (ms) | registry walk (ms) | walk / ranges |",
        "|---|---|---:|---:|---:|",
    ]
    for agency, pages in results.items():
        for name, cell in pages.items():
            walked, ranged = cell["registry walk"], cell["ranges"]
            walked_text = f"{walked:,.1f}" if walked is not None else f"> {timeout:,.0f}"
            ratio = _times(walked / ranged) if walked is not None else f"> {_times(timeout / ranged)}"
            lines.append(f"| {agency} | {name} | {ranged:,.1f} | {walked_text} | {ratio} |")
    return "\n".join(lines)


def _times(ratio: float) -> str:
    return f"{ratio:.1f}×" if ratio < 10 else f"{ratio:,.0f}×"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agencies", default=",".join(AGENCIES))
    parser.add_argument("--filters", default=",".join(FILTERS), help="comma-separated names of FILTERS")
    parser.add_argument("--runs", type=int, default=5, help="timed pages per agency and filter (ranges)")
    parser.add_argument("--walk-runs", type=int, default=1, help="timed pages of the registry walk")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds a page may take")
    parser.add_argument("--data-dir", type=Path, default=REPO / ".sxvis-data" / "bench")
    parser.add_argument("--database-url", default=None, help="an external PostgreSQL (as its owner)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--count", action="store_true", help="time the listing's totalCount, not its page")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url, database = database_for(args, stack)
        started = datetime.now(UTC)
        app_url = app_database_url(Settings(data_dir=args.data_dir), owner_url=url)
        results = asyncio.run(measure(url, app_url, args))
        report = {
            "started_at": started.isoformat(),
            "machine": machine(url),
            "database": database,
            "timeout_ms": args.timeout * 1000,
            "measured": "totalCount" if args.count else "first page of 50",
            "results": results,
        }
        stamp = started.strftime("%Y%m%dT%H%M%SZ")
        name = "listing_counts" if args.count else "listing_ranges"
        out = args.out or REPO / "bench" / "results" / f"{name}-{stamp}.json"
        write_report(report, out, table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
