"""Two small views of the access log for the console's auditors and operators: how many accesses were
allowed, denied or failed each day, and the state of the hash chain.

`daily_counts` is aggregated in SQL (no event leaves the database, only counts by day and outcome);
asking is still a read of the log, so it writes the actor's access event in the same transaction, as
`queries.find_events` does.

`chain_status` calls `chain.verify`, which recomputes every seal since the last archived month: its
cost grows with the log (about 7.5 s for 200,000 events on the development machine). So a process
keeps its last answer, says when it was taken, and refreshes it in the background at most once per
`CHAIN_STATUS_TTL` seconds; only the very first ask waits for a run. `sxvis audit verify`
remains the full, uncached check an auditor runs with the head they keep outside the database.
"""

import asyncio
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import structlog

from sxvis import clock
from sxvis.actors import Actor
from sxvis.audit import chain
from sxvis.audit.models import Outcome
from sxvis.audit.service import record
from sxvis.database.driver import Reads, driver_connection
from sxvis.database.engine import Database
from sxvis.errors import ValidationFailed

log = structlog.get_logger(__name__)

READ = "access_log:read"
MAX_DAYS = 366
CHAIN_STATUS_TTL = 60.0

_DAILY = """
SELECT (occurred_at AT TIME ZONE 'Asia/Baku')::date AS day, outcome, count(*) AS n
FROM access_events
WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz
GROUP BY 1, 2
ORDER BY 1
"""


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    allowed: int
    denied: int
    failed: int


def _start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=clock.BAKU)


async def daily_counts(reads: Reads, actor: Actor, *, first: date, last: date) -> list[DayCount]:
    """Accesses by day (Baku time) and outcome, from `first` to `last` inclusive; every day listed."""
    actor.require(READ)
    if last < first:
        raise ValidationFailed("The last day is before the first.", field="to")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"At most {MAX_DAYS} days at a time.", field="to")
    connection = await driver_connection(reads)
    rows = await connection.fetch(_DAILY, _start(first), _start(last + timedelta(days=1)))
    counts: dict[date, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["day"], {})[row["outcome"]] = int(row["n"])
    await record(
        reads,
        actor,
        action=READ,
        entity_type="access_log_statistics",
        details={"from": first.isoformat(), "to": last.isoformat()},
    )
    days = []
    day = first
    while day <= last:
        found = counts.get(day, {})
        days.append(
            DayCount(
                day=day,
                allowed=found.get(Outcome.ALLOWED.value, 0),
                denied=found.get(Outcome.DENIED.value, 0),
                failed=found.get(Outcome.FAILED.value, 0),
            )
        )
        day += timedelta(days=1)
    return days


@dataclass(frozen=True, slots=True)
class ChainStatus:
    result: chain.VerifyResult
    checked_at: datetime


# Per database (weakly: a test's or a closed server's database takes its answer with it).
_cache: "weakref.WeakKeyDictionary[Database, ChainStatus]" = weakref.WeakKeyDictionary()
_refreshing: "weakref.WeakKeyDictionary[Database, asyncio.Task[None]]" = weakref.WeakKeyDictionary()
_lock = asyncio.Lock()


async def _verify(db: Database) -> ChainStatus:
    status = ChainStatus(result=await chain.verify(db), checked_at=datetime.now(UTC))
    _cache[db] = status
    return status


async def chain_status(
    db: Database, reads: Reads, actor: Actor, *, ttl: float = CHAIN_STATUS_TTL
) -> ChainStatus:
    """The chain as `chain.verify` finds it (see the module's note); the actor's access event is
    written through `reads`, the caller's transaction.

    The first ask verifies (and a concurrent ask waits for that run). Later, an answer older than `ttl`
    is still returned at once, with its `checked_at`, while one background run refreshes it: verifying
    200,000 events takes seconds, and no page should wait for that."""
    actor.require(READ)
    known = _cache.get(db)
    if known is None:
        async with _lock:
            known = _cache.get(db) or await _verify(db)
    elif time.time() - known.checked_at.timestamp() > ttl and db not in _refreshing:
        task = asyncio.create_task(_refresh(db))
        _refreshing[db] = task
        task.add_done_callback(lambda _: _refreshing.pop(db, None))
    await record(reads, actor, action=READ, entity_type="audit_chain")
    return known


async def _refresh(db: Database) -> None:
    try:
        await _verify(db)
    except Exception:  # a failed refresh keeps the last answer (its checked_at shows its age)
        log.exception("audit.chain_status.refresh_failed")
