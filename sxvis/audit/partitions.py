"""The access log by month: partitions made ahead of time, and old months archived to files.

Migration 0017 partitions `access_events` and `access_event_seals` by month of `occurred_at`. This module
keeps that working for years:

- `ensure_partitions` makes the partitions of this month and the next few (the server's sealing loop
  calls it, as the owner). It takes the parent's lock only briefly (`lock_timeout`), since creating a
  partition waits for the writers of the moment; if the lock is not had, it tries again next time. The
  DEFAULT partition catches an event whose month has no partition yet, so a request is never refused
  for want of one.
- `archive` detaches a month whose events are all sealed, after verifying that month's stretch of the
  chain, writes it to a gzip'd JSON Lines file (each event's hashed columns with its seal), records the
  chain's head where the archive ends in `access_log_archives`, and drops the month's partitions.
  `sxvis.audit.chain.verify` then starts from that head.

Months and ids: an event's id is drawn when its INSERT runs, its `occurred_at` is its transaction's
start. A transaction begun at 23:59:59 on the month's last day may draw its id after one begun at
00:00:01: the months' id ranges can overlap by a few events. The events of a later month whose ids lie
below the archive's head are its `stragglers`; their hashes are recorded with the archive, and `verify`
checks them against it.
"""

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import structlog

from sxvis.audit._pg import PgConnection, in_transaction
from sxvis.audit.chain import HASHED_COLUMNS, SEAL_LOCK_KEY, archived_head, canonical, chain_head, link
from sxvis.database.engine import Database
from sxvis.errors import SxvisError

log = structlog.get_logger(__name__)

MONTHS_AHEAD = 2
ARCHIVE_FORMAT = "sxvis-access-log-archive/1"

_MONTHLY_PARTITIONS = r"""
SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'access_events'::regclass AND c.relname ~ '^access_events_[0-9]{4}_[0-9]{2}$'
ORDER BY c.relname
"""
_TEXT_FORM = {"client_address", "details"}
_EVENT_COLUMNS = ", ".join(
    f'e."{c}"::text AS "{c}"' if c in _TEXT_FORM else f'e."{c}"' for c in HASHED_COLUMNS
)


class ArchiveRefused(SxvisError):
    """A month cannot be archived yet (unsealed events, a broken chain), or is not there to archive."""


@dataclass(frozen=True, slots=True)
class ArchivedMonth:
    month: date
    events: int
    head_event_id: int
    head_hash: bytes
    stragglers: int
    file: Path


def month_of(text: str) -> date:
    """`2026-11` → the first day of that month; anything else is refused with the form expected."""
    try:
        return datetime.strptime(text, "%Y-%m").replace(tzinfo=UTC).date()
    except ValueError as err:
        raise ArchiveRefused(f"a month is written YYYY-MM (e.g. 2026-11), not {text!r}") from err


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


async def ensure_partitions(db: Database, *, today: date | None = None, ahead: int = MONTHS_AHEAD) -> bool:
    """Make sure this month's and the next `ahead` months' partitions exist; False if the lock waited
    too long (the caller tries again later)."""
    month = (today or datetime.now(UTC).date()).replace(day=1)
    async with db.engine.connect() as connection:
        existing = {
            row[0]
            for row in (
                await connection.exec_driver_sql(
                    "SELECT relname FROM pg_class WHERE relname LIKE 'access_events\\_%' AND relispartition"
                )
            )
        }
    wanted = []
    for _ in range(ahead + 1):
        if f"access_events_{month:%Y_%m}" not in existing:
            wanted.append(month)
        month = _next_month(month)
    if not wanted:
        return True
    try:
        async with in_transaction(db, "SET LOCAL lock_timeout = '2s'") as pg:
            for missing in wanted:
                await pg.execute("SELECT sxvis_access_log_partition($1::date)", missing)
    except Exception as err:  # asyncpg's LockNotAvailableError, wrapped or not: try again later
        if "lock timeout" not in str(err) and type(err).__name__ != "LockNotAvailableError":
            raise
        log.warning("audit.partitions.lock_busy", months=[f"{m:%Y-%m}" for m in wanted])
        return False
    log.info("audit.partitions.created", months=[f"{m:%Y-%m}" for m in wanted])
    return True


async def monthly_partitions(db: Database) -> list[date]:
    """The months that have partitions, oldest first."""
    async with db.engine.connect() as connection:
        rows = (await connection.exec_driver_sql(_MONTHLY_PARTITIONS)).all()
    return [datetime.strptime(row[0][len("access_events_") :], "%Y_%m").date() for row in rows]


async def archive(db: Database, *, before: date, folder: Path, archived_by: str) -> list[ArchivedMonth]:
    """Archive every month before `before` (its first day), oldest first; each month is one transaction.

    A month is archived only when all its events are sealed and its stretch of the chain verifies.
    """
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240  (once, before any database work)
    done: list[ArchivedMonth] = []
    for month in await monthly_partitions(db):
        if month >= before:
            break
        done.append(await _archive_month(db, month=month, folder=folder, archived_by=archived_by))
    return done


async def _archive_month(db: Database, *, month: date, folder: Path, archived_by: str) -> ArchivedMonth:
    events_table, seals_table = f"access_events_{month:%Y_%m}", f"access_event_seals_{month:%Y_%m}"
    final = folder / f"access-log-{month:%Y-%m}.jsonl.gz"
    partial = final.with_suffix(".gz.partial")
    async with in_transaction(db, "SELECT pg_advisory_xact_lock($1)", SEAL_LOCK_KEY) as pg:
        await pg.execute("SET LOCAL lock_timeout = '10s'")
        unsealed = await pg.fetchval(
            f"SELECT count(*) FROM {events_table} e WHERE NOT EXISTS"  # noqa: S608  (our own name)
            f" (SELECT 1 FROM {seals_table} s WHERE s.event_id = e.id AND s.occurred_at = e.occurred_at)"
        )
        if unsealed:
            raise ArchiveRefused(
                f"{month:%Y-%m} has {unsealed} events not sealed yet; the server seals every few seconds"
                " (or run `sxvis audit seal`), then archive again"
            )
        bounds = await pg.fetchrow(
            f"SELECT min(id) AS first, max(id) AS last, count(*) AS n FROM {events_table}"  # noqa: S608
        )
        if bounds is None:  # an aggregate always returns its row
            raise ArchiveRefused(f"{month:%Y-%m} could not be read")
        first, last, count = bounds["first"], bounds["last"], int(bounds["n"])
        previous_id, previous_hash, _ = await archived_head(pg)
        head_id, head_hash = (previous_id, previous_hash)
        if count:
            head_id, head_hash = await _verify_stretch(pg, after=previous_id, start=previous_hash, upto=last)
        stragglers = [
            {
                "event_id": int(r["event_id"]),
                "occurred_at": r["occurred_at"].isoformat(),
                "hash": r["hash"].hex(),
            }
            for r in await pg.fetch(
                "SELECT event_id, occurred_at, hash FROM access_event_seals"
                " WHERE event_id < $1 AND occurred_at >= $2 ORDER BY event_id",
                head_id,
                datetime.combine(_next_month(month), datetime.min.time(), tzinfo=UTC),
            )
        ]
        digest = await _write(
            pg,
            partial,
            month=month,
            events_table=events_table,
            seals_table=seals_table,
            previous=(previous_id, previous_hash),
        )
        await pg.execute(
            "INSERT INTO access_log_archives (month, first_event_id, last_event_id, events, head_event_id,"
            " head_hash, stragglers, file_name, file_sha256, archived_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)",
            month,
            first,
            last,
            count,
            head_id,
            head_hash,
            json.dumps(stragglers),
            final.name,
            digest,
            archived_by,
        )
        for parent, table in (("access_events", events_table), ("access_event_seals", seals_table)):
            await pg.execute(f"ALTER TABLE {parent} DETACH PARTITION {table}")
            await pg.execute(f"DROP TABLE {table}")
    os.replace(partial, final)
    log.info("audit.archived", month=f"{month:%Y-%m}", events=count, head=head_id, file=str(final))
    return ArchivedMonth(month, count, head_id, head_hash, len(stragglers), final)


async def _verify_stretch(pg: PgConnection, *, after: int, start: bytes, upto: int) -> tuple[int, bytes]:
    """Recompute the chain over the seals with ids in (after, upto], from `start`; the last link."""
    prev, last_id = start, after
    while True:
        rows = await pg.fetch(
            f"SELECT s.event_id, s.prev_hash, s.hash, {_EVENT_COLUMNS}"  # noqa: S608  (constant names)
            " FROM access_event_seals s LEFT JOIN access_events e"
            " ON e.id = s.event_id AND e.occurred_at = s.occurred_at"
            " WHERE s.event_id > $1 AND s.event_id <= $2 ORDER BY s.event_id LIMIT 10000",
            last_id,
            upto,
        )
        for row in rows:
            event_id = int(row["event_id"])
            if row["id"] is None or bytes(row["prev_hash"]) != prev or link(prev, row) != bytes(row["hash"]):
                raise ArchiveRefused(
                    f"the chain breaks at event {event_id}; run `sxvis audit verify` and investigate"
                    " before archiving"
                )
            prev, last_id = bytes(row["hash"]), event_id
        if len(rows) < 10000:
            return last_id, prev


async def _write(
    pg: PgConnection,
    path: Path,
    *,
    month: date,
    events_table: str,
    seals_table: str,
    previous: tuple[int, bytes],
) -> str:
    """Write the month to `path` (JSON Lines, gzip): a header, then each event with its seal, in id
    order. Returns the file's SHA-256, kept with the archive's record."""
    header = {
        "format": ARCHIVE_FORMAT,
        "month": f"{month:%Y-%m}",
        "previous_head": {"event_id": previous[0], "hash": previous[1].hex()},
    }
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        last_id = 0
        while True:
            rows = await pg.fetch(
                f"SELECT s.prev_hash, s.hash, {_EVENT_COLUMNS} FROM {events_table} e"  # noqa: S608
                f" JOIN {seals_table} s ON s.event_id = e.id AND s.occurred_at = e.occurred_at"
                " WHERE e.id > $1 ORDER BY e.id LIMIT 10000",
                last_id,
            )
            for row in rows:
                line: dict[str, Any] = {
                    "event": json.loads(canonical(row)),
                    "prev_hash": row["prev_hash"].hex(),
                    "hash": row["hash"].hex(),
                }
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                last_id = int(row["id"])
            if len(rows) < 10000:
                break
    sha = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


__all__ = [
    "ArchiveRefused",
    "ArchivedMonth",
    "archive",
    "chain_head",
    "ensure_partitions",
    "month_of",
    "monthly_partitions",
]
