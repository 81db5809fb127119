"""Fill the registry with synthetic people: a small demo, or millions for load tests.

The records come from `sxvis.seed._generate` (pure, deterministic for a seed); this module only loads
them, with COPY, because row-by-row INSERT of a million persons takes hours (DESIGN, Database). Each
batch commits on its own, so a large load is not one giant transaction and progress can be shown.

Households and persons reference each other (`households.head_person_id` and `persons.household_id`),
and neither foreign key is deferrable (each COPY checks its keys when it ends), so no COPY order
satisfies both. Each batch therefore COPYs the households without their heads, then the persons (whose
households now exist), their memberships, circumstances and enrollments, and finally sets the heads
with one `UPDATE … FROM unnest(…)`. Updating the households rather than the persons keeps the rewrite
off the wide, trigram-indexed persons table.
"""

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import exists, select

from sxvis.database.engine import Database
from sxvis.registry.models import Person
from sxvis.seed._generate import (
    Batch,
    CircumstanceRow,
    EnrollmentRow,
    MemberRow,
    PersonRow,
    fin_for,
    generate,
)

__all__ = ["Batch", "SeedReport", "fin_for", "generate", "seed_demo", "seed_persons"]

_HOUSEHOLD_COLUMNS = ("id", "region_code", "district_code", "address_line")
_SET_HEADS = """
UPDATE households AS h SET head_person_id = heads.person_id
FROM unnest($1::uuid[], $2::uuid[]) AS heads(household_id, person_id)
WHERE h.id = heads.household_id
"""
_LOADED_TABLES = "households, persons, household_members, circumstances, enrollments"


class _CopyConnection(Protocol):
    """The part of asyncpg's `Connection` used here (asyncpg ships no type hints)."""

    async def copy_records_to_table(
        self, table_name: str, *, records: Iterable[Sequence[object]], columns: Sequence[str]
    ) -> str: ...

    async def execute(self, query: str, *args: object) -> str: ...

    async def fetchval(self, query: str, *args: object) -> Any: ...

    def transaction(self) -> AbstractAsyncContextManager[object]: ...


@dataclass(frozen=True)
class SeedReport:
    persons: int
    households: int
    circumstances: int
    enrollments: int
    seconds: float

    @property
    def persons_per_second(self) -> float:
        return self.persons / self.seconds if self.seconds > 0 else 0.0


async def seed_persons(
    db: Database,
    *,
    count: int,
    seed: int = 2026,
    batch_size: int = 10_000,
    on_progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Add `count` synthetic persons after those already registered; `on_progress(n)` after each batch.

    Person indexes (hence FINs) continue from the current number of persons, so a load can run on top of
    the demo or of an earlier load. The count is the only marker: deleting persons in between would make
    the next load reuse FINs and fail on the unique index, without loading anything of that batch.
    """
    started = time.perf_counter()
    persons = households = circumstances = enrollments = 0
    async with db.engine.connect() as conn:
        # Everything goes through the driver's own transactions: SQLAlchemy's asyncpg adapter begins
        # one only when it runs a statement itself, so its BEGIN would not cover a COPY sent directly.
        raw = await conn.get_raw_connection()
        pg = cast(_CopyConnection, raw.driver_connection)
        start = int(await pg.fetchval("SELECT count(*) FROM persons"))
        batches = generate(seed, count, start=start, batch_size=batch_size)
        # Generate the next batch in a thread while the server takes this one: the driver waits on the
        # socket most of that time, so generation (about a quarter of the work) mostly leaves the total.
        upcoming = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
        try:
            while (batch := await upcoming) is not None:
                upcoming = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
                async with pg.transaction():
                    await _copy(pg, batch)
                persons += len(batch.persons)
                households += len(batch.households)
                circumstances += len(batch.circumstances)
                enrollments += len(batch.enrollments)
                if on_progress is not None:
                    on_progress(len(batch.persons))
        finally:
            upcoming.cancel()  # after a failure; its thread finishes a batch nobody will load
        if persons:
            # COPY leaves the planner's row estimates where they were (none, on a fresh database).
            await pg.execute(f"ANALYZE {_LOADED_TABLES}")
    return SeedReport(persons, households, circumstances, enrollments, time.perf_counter() - started)


async def seed_demo(
    db: Database, *, persons: int = 2000, seed: int = 2026, on_progress: Callable[[int], None] | None = None
) -> SeedReport | None:
    """The demo's synthetic persons, on an empty registry only (None, and nothing loaded, otherwise).

    The catalogue must be installed first (`sxvis.seed.catalogue.install_catalogue`): the records name
    its agencies, services and providers.
    """
    async with db.session() as session:
        if await session.scalar(select(exists().select_from(Person))):
            return None
    return await seed_persons(db, count=persons, seed=seed, on_progress=on_progress)


async def _copy(pg: _CopyConnection, batch: Batch) -> None:
    households = [(h.id, h.region_code, h.district_code, h.address_line) for h in batch.households]
    await pg.copy_records_to_table("households", records=households, columns=_HOUSEHOLD_COLUMNS)
    await pg.copy_records_to_table("persons", records=batch.persons, columns=PersonRow._fields)
    await pg.copy_records_to_table("household_members", records=batch.members, columns=MemberRow._fields)
    await pg.copy_records_to_table(
        "circumstances", records=batch.circumstances, columns=CircumstanceRow._fields
    )
    await pg.copy_records_to_table("enrollments", records=batch.enrollments, columns=EnrollmentRow._fields)
    await pg.execute(
        _SET_HEADS, [h.id for h in batch.households], [h.head_person_id for h in batch.households]
    )
