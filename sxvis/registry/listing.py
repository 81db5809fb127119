"""Which index range a filtered page of the persons listing walks, so that it costs its own rows.

A page of `persons` is the first persons in listing order (sort key, id) that pass every test: in the
caller's remit, disclosed to it, and the filter's. Walking the registry's own order and testing each
person costs whatever lies before the page's last match: nothing much for a registry-wide reader with
no filter, but the whole registry when matches are rare or hidden from the caller. Measured on a
million persons: 1.8-2.5 s of PostgreSQL for any filtered page of an NGO with a few hundred persons,
9.7 s for DOST's page of victims of domestic violence, 12 s for SXA's (every such victim is
protected, so none is listed, and the walk never stops early).

So a filtered page walks a range that already holds every candidate in listing order, and tests
only the rows of that range:

- **the remit**, for a caller without the registry-wide grant whose remit is small (fewer than
  `SMALL_REMIT` rows): the persons it registered and its active `person_remit` rows
  (`remit.remit_rows_sql`, migration 0019); a page costs at most that many persons;
- **a category**: the persons with an active circumstance of it (`ix_circumstances_category_sort`,
  migration 0020); a page costs at most that category;
- otherwise PostgreSQL's own plan over the registry (`persons.find_persons`): a registry-wide reader,
  or a large remit, filtered by region, age, service or provider. There a selective filter has an
  index of its own (region and district, birth date, enrollments by service and provider), and a dense
  one stops early; walking a large remit instead read it whole when the filter matched nothing
  (DOST's 463,547 rows against a service nobody in it receives: 5.4 s, against 185 ms).

A person a range holds twice (two reasons to be in a remit, two circumstances of a category) is
listed once, at their first row.

A small remit serves the listing's other two reads too: its `totalCount` counts the remit
(`count_sql`), and, when it is smaller still (`SMALL_SEARCH_REMIT`), a name search reads its persons
once (`persons_sql`) instead of testing each bearer of the name in the registry.
"""

import time
import uuid
from dataclasses import dataclass

from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.audit._pg import PgConnection
from sxvis.registry.enums import CircumstanceCategory
from sxvis.registry.records import PERSON_RECORD_COLUMNS

# A remit of fewer rows than this is walked: counting it costs at most this many index entries (about
# 2 ms), and walking it at most this many persons (about 0.2 s when nothing in it matches).
SMALL_REMIT = 20_000
# A name search reads a remit of fewer rows than this whole, at 25-30 µs a row on a million persons
# (at most about 0.2 s), rather than test each of the registry's bearers of the name for the remit
# (0.35-0.9 s for the commonest names when few of them are the agency's). Above it, the registry's
# name indexes are cheaper (30-45 ms for an NGO of 10,000 rows, against 250-320 ms for its remit).
SMALL_SEARCH_REMIT = 6_000
# How long a remit's counted size stands (a stale one only picks another correct plan).
REMIT_SIZE_SECONDS = 60.0
_remit_sizes: dict[tuple[str, int], tuple[int, float]] = {}

_COLUMNS = ", ".join(f'persons."{name}"' for name in PERSON_RECORD_COLUMNS)

# The remit's size up to SMALL_REMIT, by the two ranges the remit walk reads (indexes only).
_REMIT_SIZE = (
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM persons WHERE registered_by = $1 LIMIT $2) q)"
    " + (SELECT count(*) FROM (SELECT 1 FROM person_remit WHERE agency_code = $1"
    " AND (until IS NULL OR until > now()) LIMIT $2) r)"
)


@dataclass(frozen=True)
class Range:
    """An index range in listing order: `rows` a FROM item of `(sort_key, id, source, source_id)`,
    `first` the condition that keeps one row a person, both with `$n` placeholders numbered from the
    `start` they were built with; `args` their values, in that order."""

    rows: str
    first: str
    args: tuple[object, ...]


async def searches_remit(connection: PgConnection, actor: Actor) -> bool:
    """Whether a name search reads the caller's remit whole (`persons_sql`) instead of the registry's
    bearers of the name: when the remit is under `SMALL_SEARCH_REMIT` rows."""
    if actor.reads_whole_registry:
        return False
    return await remit_size(connection, actor.agency_code) < SMALL_SEARCH_REMIT


async def choose(connection: PgConnection, actor: Actor, category: CircumstanceCategory | None) -> str | None:
    """The range a filtered page walks: `"remit"`, `"category"`, or None for the registry."""
    if not actor.reads_whole_registry and await remit_size(connection, actor.agency_code) < SMALL_REMIT:
        return "remit"
    return "category" if category is not None else None


async def remit_size(connection: PgConnection, agency: str) -> int:
    """The agency's remit in rows, counted up to `SMALL_REMIT`; counted again after
    `REMIT_SIZE_SECONDS` (one small statement a minute per agency and worker, not one a page)."""
    key, now = (agency, SMALL_REMIT), time.monotonic()
    known = _remit_sizes.get(key)
    if known is not None and known[1] > now:
        return known[0]
    size = int(await connection.fetchval(_REMIT_SIZE, agency, SMALL_REMIT))
    if len(_remit_sizes) > 10_000:  # agencies are a few hundred; never let the table grow unbounded
        _remit_sizes.clear()
    _remit_sizes[key] = (size, now + REMIT_SIZE_SECONDS)
    return size


def remit_range(actor: Actor, *, start: int, after: tuple[str, uuid.UUID] | None) -> Range:
    agency = f"${start}"
    cursor = (f"${start + 1}", f"${start + 2}") if after else None
    return Range(
        rows=remit.remit_rows_sql(agency=agency, after=cursor),
        first=remit.remit_row_first_sql(agency=agency, rows="d", person="persons"),
        args=(actor.agency_code, *(after or ())),
    )


def category_range(
    category: CircumstanceCategory, today: object, *, start: int, after: tuple[str, uuid.UUID] | None
) -> Range:
    """The persons with an active circumstance of `category` (active: no end, or an end not before
    `today`, as the filter's own condition says)."""
    kind, day = f"${start}::circumstance_category", f"${start + 1}::date"
    cursor = ""
    if after:
        cursor = f" AND (c.sort_key, c.person_id) > (${start + 2}::text, ${start + 3}::uuid)"
    active = f"(c.until IS NULL OR c.until >= {day})"
    # OFFSET 0 keeps the range a subquery planned on its own, for all its rows in order: the index
    # alone, in order. Pulled up into the page, its plan followed the page's row estimate after the
    # disclosure and dedup tests, and a low one made reading the whole category and sorting it look
    # cheaper than walking it (2 s for 300,000 circumstances, against 6 ms).
    rows = (
        "(SELECT c.sort_key, c.person_id AS id, NULL::text AS source, c.id AS source_id"  # noqa: S608
        f" FROM circumstances c WHERE c.category = {kind} AND {active}{cursor}"
        " ORDER BY c.sort_key, c.person_id OFFSET 0)"
    )
    first = (
        "NOT EXISTS (SELECT 1 FROM circumstances c WHERE c.category = "  # noqa: S608
        f"{kind} AND c.person_id = d.id AND {active} AND c.id < d.source_id)"
    )
    return Range(rows=rows, first=first, args=(category.value, today, *(after or ())))


def page_sql(range_: Range, where: str, *, limit: str) -> str:
    """A page of persons from `range_` passing `where` (SQL on `persons`), in listing order. `where`
    is bracketed: a lone disclosure test is three alternatives, and unbracketed the range's test of
    one row a person held for the first alone (a protected person the reader may see was listed once
    per row of the range)."""
    return (
        f"SELECT {_COLUMNS} FROM {range_.rows} d JOIN persons ON persons.id = d.id"  # noqa: S608
        f" WHERE {range_.first} AND ({where}) ORDER BY d.sort_key, d.id LIMIT {limit}"
    )


def count_sql(range_: Range, where: str) -> str:
    """How many persons of `range_` pass `where`: the page's statement without its order and limit."""
    return (
        f"SELECT count(*) FROM {range_.rows} d JOIN persons ON persons.id = d.id"  # noqa: S608
        f" WHERE {range_.first} AND ({where})"
    )


def persons_sql(range_: Range) -> str:
    """The persons of `range_`, one row each, as a parenthesised query of `persons` rows."""
    return (
        f"(SELECT persons.* FROM {range_.rows} d JOIN persons ON persons.id = d.id"  # noqa: S608
        f" WHERE {range_.first})"
    )
