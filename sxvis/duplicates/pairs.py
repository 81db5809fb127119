"""The probable-duplicate pairs of the whole registry, computed in the background (`duplicate_pairs`).

Comparing every pair of persons on every `duplicateCandidates` page cost 1.15 s at 100,000 persons and
grows with the square of the persons who share a birth date: at a million, minutes. So the pairs are
kept in a table, and a page is an index scan (`sxvis.duplicates.candidates`).

What makes a pair (one place, here):

- Names are compared on `persons.name_key`, the folded name (`sxvis_fold`, migration 0001) that gives one
  spelling to the Azerbaijani Latin, ASCII and Russian-Cyrillic forms (Məmmədov, Mammadov, Мамедов all
  fold to `mamadov`); `similarity` (pg_trgm) scores what folding does not erase (a typo, a missing
  patronymic).
- Two blocks make the pairs: the same birth date with similar names (similarity at least
  `NAME_WITH_BIRTH_DATE`), or the same address (district and folded address line) with very similar
  names (at least `NAME_WITH_ADDRESS`) and the same birth year, for a mistyped birth date. Persons of
  different sex are never paired.
- Score: `NAME_WEIGHT` × name similarity (1 when the folded names are equal) + `BIRTH_DATE_WEIGHT` for the
  same birth date + `ADDRESS_WEIGHT` for the same address.

Both blocks pair persons born in the same year only, so pairs are found a birth year at a time, by
one statement (`_YEAR_PAIRS`). `refresh` takes off the queue of persons changed since the last one
(`person_changes`, filled by triggers on `persons`, migration 0013) and, in the same transaction,
drops their pairs and finds them again, the statement comparing only pairs with a changed side. When
nothing was computed yet, when asked (`full`), or when the queue is long (an import), it recomputes
every birth year instead, a transaction each. Readers never see a year, or a change, half done. The
refresh runs as the owner, over every person; the reader applies the caller's remit and disclosure,
and row-level security repeats it.
"""

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sxvis.database import Database
from sxvis.database.driver import driver_connection

NAME_WITH_BIRTH_DATE = 0.5
NAME_WITH_ADDRESS = 0.8
NAME_WEIGHT = 0.5
BIRTH_DATE_WEIGHT = 0.35
ADDRESS_WEIGHT = 0.15

FULL_AT = 20_000
"""Changed persons beyond which a refresh recomputes every birth year rather than their pairs."""

REFRESH_LOCK = 0x5D0_9A1F
"""The advisory lock one refresh holds: several server workers (and the CLI) never refresh at once."""

_YEAR_PAIRS = f"""
WITH seen AS (
  -- `focus`: the persons whose pairs are wanted ($3; null: all). A column, so that the cheap test on it
  -- runs before the similarity calls (PostgreSQL orders a join's conditions by their cost).
  SELECT p.id, p.name_key, p.birth_date, p.sex, p.created_at, p.district_code, p.address_line,
    ($3::uuid[] IS NULL OR f.id IS NOT NULL) AS focus
  FROM persons p LEFT JOIN (SELECT DISTINCT unnest($3::uuid[]) AS id) f ON f.id = p.id
  WHERE p.birth_date >= $1::date AND p.birth_date < $2::date
), near_address AS MATERIALIZED (
  -- Same district, sex and (the block's) birth year, very similar names (which, at 0.8, begin with the
  -- same letter: a cheap key that spares most similarity calls). MATERIALIZED, so that the planner
  -- cannot join on the folded addresses, which would fold every address instead of these few.
  SELECT a.id AS a_id, b.id AS b_id, a.address_line AS a_line, b.address_line AS b_line
  FROM seen a JOIN seen b
    ON b.district_code = a.district_code AND b.sex = a.sex
      AND left(b.name_key, 1) = left(a.name_key, 1) AND b.id <> a.id
  WHERE (a.focus OR b.focus) AND (a.created_at, a.id) < (b.created_at, b.id)
    AND similarity(a.name_key, b.name_key) >= {NAME_WITH_ADDRESS}
), pairs AS (
  SELECT a.id AS a_id, b.id AS b_id FROM seen a JOIN seen b
    ON b.birth_date = a.birth_date AND b.sex = a.sex AND b.id <> a.id
  WHERE (a.focus OR b.focus) AND (a.created_at, a.id) < (b.created_at, b.id)
    AND similarity(a.name_key, b.name_key) >= {NAME_WITH_BIRTH_DATE}
  UNION
  SELECT a_id, b_id FROM near_address WHERE sxvis_fold(a_line) = sxvis_fold(b_line)
), scored AS (
  SELECT x.a_id, x.b_id,
    CASE WHEN a.name_key = b.name_key THEN 1.0 ELSE similarity(a.name_key, b.name_key) END AS name_score,
    a.name_key = b.name_key AS same_key,
    (a.last_name, a.first_name, coalesce(a.patronymic, ''))
      = (b.last_name, b.first_name, coalesce(b.patronymic, '')) AS same_spelling,
    a.birth_date = b.birth_date AS same_birth_date,
    coalesce(a.district_code = b.district_code
      AND sxvis_fold(a.address_line) = sxvis_fold(b.address_line), false) AS same_address
  FROM pairs x JOIN persons a ON a.id = x.a_id JOIN persons b ON b.id = x.b_id
)
INSERT INTO duplicate_pairs (a_id, b_id, name_score, same_key, same_spelling, same_birth_date, same_address,
  score)
SELECT s.a_id, s.b_id, s.name_score, s.same_key, s.same_spelling, s.same_birth_date, s.same_address,
  round(({NAME_WEIGHT} * s.name_score
    + CASE WHEN s.same_birth_date THEN {BIRTH_DATE_WEIGHT} ELSE 0 END
    + CASE WHEN s.same_address THEN {ADDRESS_WEIGHT} ELSE 0 END)::numeric, 3)::float8
FROM scored s
"""  # noqa: S608  (built from constants and $n placeholders only)

_DROP_YEAR = """
DELETE FROM duplicate_pairs d USING persons a
WHERE a.id = d.a_id AND a.birth_date >= $1::date AND a.birth_date < $2::date
"""

# Pairs of persons changed since the last refresh (their birth year may have changed too, or they are
# gone: a deletion is queued like any change).
_DROP_CHANGED = "DELETE FROM duplicate_pairs WHERE a_id = ANY($1::uuid[]) OR b_id = ANY($1::uuid[])"

# After recomputing every year: pairs of persons deleted meanwhile (their queue rows were taken).
_DROP_ORPHANS = """
DELETE FROM duplicate_pairs d
WHERE NOT EXISTS (SELECT 1 FROM persons a WHERE a.id = d.a_id)
   OR NOT EXISTS (SELECT 1 FROM persons b WHERE b.id = d.b_id)
"""


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What one refresh did: `years` recomputed (0: nothing had changed), `pairs` kept afterwards;
    `skipped` when another refresh held the lock."""

    full: bool
    years: int
    changed: int
    pairs: int
    skipped: bool = False


async def refresh(
    db: Database,
    *,
    full: bool = False,
    on_start: Callable[[int], object] | None = None,
    on_year: Callable[[int], object] | None = None,
) -> Refreshed:
    """Bring `duplicate_pairs` up to date; `db` connects as the owner (the pairs cover every person).

    `on_start(years)` is told how many birth years will be recomputed, `on_year(year)` each one done
    (the CLI's progress bar). Returns at once, `skipped`, if another refresh is running.
    """
    async with _locked(db) as pg:
        if pg is None:
            return Refreshed(full=full, years=0, changed=0, pairs=0, skipped=True)
        completed = await pg.fetchval("SELECT completed_at FROM duplicate_pairs_state")
        queued = int(await pg.fetchval("SELECT count(*) FROM person_changes"))
        full = full or completed is None or queued > FULL_AT
        if full:
            years = await _all_years(pg, on_start, on_year)
            changed = queued
        else:
            years, changed = await _changed_only(pg, on_start, on_year)
        pairs = int(await pg.fetchval("SELECT count(*) FROM duplicate_pairs"))
        await pg.execute(
            "UPDATE duplicate_pairs_state SET completed_at = now(), refreshed_at = now(), pairs = $1", pairs
        )
    return Refreshed(full=full, years=years, changed=changed, pairs=pairs)


async def _all_years(
    pg: Any, on_start: Callable[[int], object] | None, on_year: Callable[[int], object] | None
) -> int:
    """Every birth year again, a transaction each. The queue is emptied first (every change in it is
    covered by what follows), and the pairs are marked incomplete until the last year is done."""
    async with pg.transaction():
        await pg.execute("DELETE FROM person_changes")
        await pg.execute("UPDATE duplicate_pairs_state SET completed_at = NULL")
    years = [int(r["year"]) for r in await pg.fetch(_ALL_YEARS)]
    if on_start is not None:
        on_start(len(years))
    for year in years:
        async with pg.transaction():
            await pg.execute(_DROP_YEAR, *_year(year))
            await pg.execute(_YEAR_PAIRS, *_year(year), None)
        if on_year is not None:
            on_year(year)
    async with pg.transaction():
        await pg.execute(_DROP_ORPHANS)
    return len(years)


async def _changed_only(
    pg: Any, on_start: Callable[[int], object] | None, on_year: Callable[[int], object] | None
) -> tuple[int, int]:
    """The queued persons' pairs, dropped and found again, in the transaction that takes them off."""
    async with pg.transaction():
        taken = await pg.fetch(_TAKE_CHANGES)
        by_year: dict[int, list[Any]] = {}
        for row in taken:
            if row["birth_date"] is not None:  # None: the person is gone (merged)
                by_year.setdefault(row["birth_date"].year, []).append(row["person_id"])
        if on_start is not None:
            on_start(len(by_year))
        if taken:
            await pg.execute(_DROP_CHANGED, [row["person_id"] for row in taken])
        for year in sorted(by_year):
            await pg.execute(_YEAR_PAIRS, *_year(year), by_year[year])
            if on_year is not None:
                on_year(year)
    return len(by_year), len(taken)


_TAKE_CHANGES = """
WITH taken AS (DELETE FROM person_changes RETURNING person_id)
SELECT DISTINCT t.person_id, p.birth_date FROM taken t LEFT JOIN persons p ON p.id = t.person_id
"""


_ALL_YEARS = "SELECT DISTINCT extract(year FROM birth_date)::int AS year FROM persons ORDER BY year"


def _year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


@contextlib.asynccontextmanager
async def _locked(db: Database) -> AsyncIterator[Any]:
    """The owner's asyncpg connection holding the refresh lock, or None if another refresh holds it."""
    async with db.connect() as connection:
        pg = await driver_connection(connection)
        if not await pg.fetchval("SELECT pg_try_advisory_lock($1)", REFRESH_LOCK):
            yield None
            return
        try:
            yield pg
        finally:
            await pg.execute("SELECT pg_advisory_unlock($1)", REFRESH_LOCK)
