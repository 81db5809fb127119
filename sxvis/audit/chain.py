"""The hash chain over the access log: sealing, off the request path, and verifying.

Each event gets a seal, `hash = SHA-256(prev_hash || canonical(event))`, where `prev_hash` is the hash
of the previous sealed event in id order (32 zero bytes for the first). Changing or removing any
sealed event, or slipping one in between, breaks every hash from there on; `verify` recomputes the
chain from the start and names the first event where it breaks. A superuser who rewrites the whole
chain after an alteration is caught by the signed head an auditor keeps outside the database
(`sxvis.audit.heads`).

## The canonical serialisation (version 1)

`canonical(event)` is the UTF-8 encoding of one JSON object holding exactly the columns in
`HASHED_COLUMNS`, with:
- keys sorted, no insignificant whitespace (`,` and `:`), non-ASCII characters written as themselves,
  control characters escaped as JSON requires (`json.dumps(obj, sort_keys=True, separators=(",", ":"),
  ensure_ascii=False)`; for this shape of object that is also RFC 8785, the JSON Canonicalization
  Scheme);
- `id`: a JSON integer;
- `occurred_at`: a string, the instant in UTC with exactly six fractional digits,
  `YYYY-MM-DDTHH:MM:SS.ffffffZ`;
- `person_id` and the elements of `person_ids`: lower-case hyphenated UUID strings;
- arrays (`actor_roles`, `person_ids`, `fields`) in their stored order, never sorted (order can
  carry meaning: the order a search returned its persons in);
- `client_address`: PostgreSQL's text form of the `inet` value (`client_address::text`);
- `details`: PostgreSQL's text form of the `jsonb` value (`details::text`), as a JSON *string*. jsonb
  text is already canonical (keys sorted and unique, one spelling of the spacing) and keeps numbers
  exactly as stored, which re-parsing into floats would not;
- every other column: its text, or `null`.
A new column in `access_events` is not covered until it is added here as a new version of this
serialisation; a test keeps `HASHED_COLUMNS` equal to the table's columns so that cannot be missed.

## Late-committing ids: the sealer's horizon

Identity values are handed out when an INSERT runs, not when its transaction commits: a transaction
holding id 10 may commit after one holding id 11. Had the sealer sealed 11 first, 10 would arrive
inside the sealed range and could never join the chain. Waiting "a few seconds" is not enough (a
request transaction can be slow, and `occurred_at` is the transaction's start, not its commit), so
the sealer uses a fact PostgreSQL already keeps: every transaction that has inserted into
`access_events` holds a ROW EXCLUSIVE lock on it, taken before its id was drawn and held until it ends.
`settled_horizon` therefore
1. reads the identity sequence's last value `H`: every id at most `H` has been drawn already, and every
   id drawn from now on is larger (the sequence has CACHE 1);
2. lists the transactions holding ROW EXCLUSIVE on `access_events` (`pg_locks`): every uncommitted
   holder of an id at most `H` is among them;
3. polls until every one of them has ended (committed or rolled back), up to `wait` seconds.
From then on the ids up to `H` are final: each is committed and visible, or will never exist (a
rolled-back insert leaves a gap, which the chain skips, since it links events in id order over the
rows that exist). Writers pay nothing for this (no extra lock or statement on the request path) and are
never made to wait: the sealer only watches. A transaction that stays open past `wait` (an idle one,
say) holds sealing back rather than risking a hole; the sealer logs which backend it waits for.

One sealer at a time: each batch runs under `pg_advisory_xact_lock(SEAL_LOCK_KEY)` and reads the chain
head inside that lock.
"""

import asyncio
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

import structlog

from sxvis.audit._pg import PgConnection, Record, in_transaction, raw
from sxvis.database.engine import Database

log = structlog.get_logger(__name__)

GENESIS = bytes(32)
"""The `prev_hash` of the first sealed event."""

SEAL_LOCK_KEY = 0x5A715A
"""Our advisory-lock number for sealing (the migration lock is 0x5A715)."""

HASHED_COLUMNS = (
    "id",
    "occurred_at",
    "actor_user",
    "actor_agency",
    "actor_roles",
    "action",
    "entity_type",
    "entity_id",
    "person_id",
    "person_ids",
    "purpose",
    "operation_name",
    "fields",
    "outcome",
    "reason",
    "request_id",
    "client_address",
    "details",
)

# The columns as the serialisation wants them: inet and jsonb in PostgreSQL's own text form.
_TEXT_FORM = {"client_address", "details"}
_EVENT_COLUMNS = ", ".join(
    f'e."{c}"::text AS "{c}"' if c in _TEXT_FORM else f'e."{c}"' for c in HASHED_COLUMNS
)

_CHAIN_HEAD = "SELECT event_id, hash FROM access_event_seals ORDER BY event_id DESC LIMIT 1"
_UNSEALED = (
    f"SELECT {_EVENT_COLUMNS} FROM access_events e"  # noqa: S608  (constant column names)
    " WHERE e.id > $1 AND e.id <= $2 ORDER BY e.id LIMIT $3"
)
_INSERT_SEALS = (
    "INSERT INTO access_event_seals (event_id, occurred_at, prev_hash, hash)"
    " SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bytea[], $4::bytea[])"
)
_ARCHIVED_HEAD = (
    "SELECT head_event_id, head_hash, stragglers FROM access_log_archives ORDER BY month DESC LIMIT 1"
)
_LAST_ID = "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('access_events', 'id')), 0)"
_WRITERS = """
SELECT array_agg(DISTINCT virtualtransaction) AS writers, array_agg(DISTINCT pid) AS pids
FROM pg_locks
WHERE locktype = 'relation'
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND relation = 'access_events'::regclass
  AND mode = 'RowExclusiveLock'
  AND pid IS DISTINCT FROM pg_backend_pid()  -- a prepared (two-phase) transaction has no pid
  AND ($1::text[] IS NULL OR virtualtransaction = ANY($1::text[]))
"""
_SEALS_WITH_EVENTS = (
    f"SELECT s.event_id, s.prev_hash, s.hash, {_EVENT_COLUMNS}"  # noqa: S608  (constant column names)
    " FROM access_event_seals s LEFT JOIN access_events e"
    " ON e.id = s.event_id AND e.occurred_at = s.occurred_at"
    " WHERE s.event_id > $1 ORDER BY s.event_id LIMIT $2"
)
_SEAL_WITH_EVENT = (
    f"SELECT s.event_id, s.prev_hash, s.hash, {_EVENT_COLUMNS}"  # noqa: S608  (constant column names)
    " FROM access_event_seals s LEFT JOIN access_events e"
    " ON e.id = s.event_id AND e.occurred_at = s.occurred_at WHERE s.event_id = $1"
)
_FIRST_UNSEALED_INSIDE = """
SELECT min(e.id) FROM access_events e
WHERE e.id < $1 AND e.id > $2
  AND NOT EXISTS (
    SELECT 1 FROM access_event_seals s WHERE s.event_id = e.id AND s.occurred_at = e.occurred_at
  )
"""
_WAITING = "SELECT count(*) FROM access_events WHERE id > $1"


class Event(Protocol):
    """An event's columns by name: an asyncpg row, or any mapping (an auditor's export, a test)."""

    def __getitem__(self, key: str, /) -> Any: ...


def canonical(event: Event) -> bytes:
    """The bytes an event's hash covers (the module docstring defines them)."""
    document = {name: _canonical_value(event[name]) for name in HASHED_COLUMNS}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def link(prev_hash: bytes, event: Event) -> bytes:
    """The event's hash in the chain, given the hash before it."""
    return hashlib.sha256(prev_hash + canonical(event)).digest()


def _canonical_value(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int to Python, not to the table
        raise TypeError("the access log has no boolean columns")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("occurred_at must be an aware timestamp")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_canonical_value(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


async def settled_horizon(db: Database, *, wait: float = 5.0) -> int | None:
    """The highest id at or below which no new event can still appear (the module docstring says why),
    or None if the transactions writing when it was read did not end within `wait` seconds."""
    async with db.connect() as connection:
        pg = await raw(connection)
        horizon = int(await pg.fetchval(_LAST_ID))
        deadline = time.monotonic() + wait
        writers: list[str] | None = None
        while True:
            row = await pg.fetchrow(_WRITERS, writers)
            if row is None or row["writers"] is None:
                return horizon
            writers = list(row["writers"])
            if time.monotonic() >= deadline:
                log.warning(
                    "audit.seal.waiting_for_writers",
                    pids=list(row["pids"]),
                    horizon=horizon,
                    hint="a transaction that wrote to access_events is still open",
                )
                return None
            await asyncio.sleep(0.01)


async def seal_pending(db: Database, *, batch: int = 5000, wait: float = 5.0) -> int:
    """Seal every settled, unsealed event in id order; returns how many were sealed.

    Each batch of at most `batch` events is one short transaction, so sealing a large backlog neither
    holds one huge transaction nor blocks the writers (who never touch the seals).
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    horizon = await settled_horizon(db, wait=wait)
    if horizon is None:
        return 0
    sealed = 0
    while True:
        async with in_transaction(db, "SELECT pg_advisory_xact_lock($1)", SEAL_LOCK_KEY) as pg:
            head_id, prev = await chain_head(pg)
            events = await pg.fetch(_UNSEALED, head_id, horizon, batch)
            if events:
                ids: list[int] = []
                times: list[datetime] = []
                prevs: list[bytes] = []
                hashes: list[bytes] = []
                for event in events:
                    digest = link(prev, event)
                    ids.append(event["id"])
                    times.append(event["occurred_at"])
                    prevs.append(prev)
                    hashes.append(digest)
                    prev = digest
                await pg.execute(_INSERT_SEALS, ids, times, prevs, hashes)
        sealed += len(events)
        if len(events) < batch:
            if sealed:  # the server seals every few seconds; an idle one need not say so
                log.info("audit.sealed", events=sealed, horizon=horizon)
            return sealed


class Problem(StrEnum):
    """What `verify` found wrong, at the event it names."""

    ALTERED = "ALTERED"
    """The event's content no longer matches its seal (or the seal's hash was changed)."""
    DELETED = "DELETED"
    """The event was sealed, but the row is gone."""
    CHAIN_BROKEN = "CHAIN_BROKEN"
    """The seal does not follow the one before it: a sealed event before it was removed with its seal,
    or a seal was altered."""
    UNSEALED_INSIDE = "UNSEALED_INSIDE"
    """An event lies inside the sealed range without a seal: inserted after its neighbours were sealed,
    or its seal was removed."""
    HEAD_MISMATCH = "HEAD_MISMATCH"
    """The head the auditor kept is not in the chain: the chain was rewritten from there or before."""


_EXPLANATIONS = {
    Problem.ALTERED: "its content no longer matches its seal",
    Problem.DELETED: "it was sealed, but the event row is gone",
    Problem.CHAIN_BROKEN: "its seal does not follow the previous one (an earlier sealed event or seal "
    "was removed, or a seal was changed)",
    Problem.UNSEALED_INSIDE: "it has no seal although later events do (inserted afterwards, or its seal "
    "was removed)",
    Problem.HEAD_MISMATCH: "the head kept outside the database is not in the chain (rewritten from "
    "there or before)",
}


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What `verify` found: the chain it checked and, if any, the first event where it breaks."""

    events: int
    """Sealed events whose hashes were recomputed (up to the break, if there is one)."""
    head_id: int
    head_hash: bytes
    waiting: int
    """Events after the head, not sealed yet (normal: the sealer runs off the request path)."""
    broken_at: int | None = None
    problem: Problem | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    def describe(self) -> str:
        """One line for a person: `chain intact: …` or `chain broken at event N: …`."""
        if self.problem is None or self.broken_at is None:
            return (
                f"chain intact: {self.events} events, head {self.head_id}:{self.head_hash.hex()}"
                f" ({self.waiting} waiting to be sealed)"
            )
        return f"chain broken at event {self.broken_at}: {_EXPLANATIONS[self.problem]}"


@dataclass(frozen=True, slots=True)
class KnownHead:
    """A head the auditor kept from earlier (`sxvis.audit.heads`): this event had this hash."""

    event_id: int
    hash: bytes


async def verify(db: Database, *, known: KnownHead | None = None, batch: int = 10_000) -> VerifyResult:
    """Recompute the chain from the first seal and report the first event where it breaks.

    Read in one REPEATABLE READ snapshot, so a sealer running meanwhile cannot make a sound chain look
    broken. With `known`, the chain must also still pass through that earlier head.
    """
    async with in_transaction(db, "SELECT 1", isolation="REPEATABLE READ", readonly=True) as pg:
        # Months archived to files (`sxvis.audit.partitions`) are verified from the head kept with them.
        archived_id, prev, stragglers = await archived_head(pg)
        checked = 0
        last_id = archived_id
        broken: tuple[int, Problem] | None = await _check_stragglers(pg, stragglers)
        known_seen = known is None or known.event_id <= archived_id
        while broken is None:
            rows = await pg.fetch(_SEALS_WITH_EVENTS, last_id, batch)
            for row in rows:
                broken = _check(row, prev)
                if broken is not None:
                    break
                last_id, prev = int(row["event_id"]), bytes(row["hash"])
                checked += 1
                if known is not None and last_id == known.event_id:
                    if prev != known.hash:
                        broken = (last_id, Problem.HEAD_MISMATCH)
                        break
                    known_seen = True
            if len(rows) < batch:
                break
        if known is not None and not known_seen and broken is None:
            # The kept head's event is gone from the chain, or the chain now ends before it.
            broken = (known.event_id, Problem.HEAD_MISMATCH)
        head_id, head_hash = await chain_head(pg)
        limit = broken[0] if broken is not None else head_id
        inside = await pg.fetchval(_FIRST_UNSEALED_INSIDE, limit, archived_id)
        if inside is not None:
            broken = (int(inside), Problem.UNSEALED_INSIDE)
        waiting = int(await pg.fetchval(_WAITING, head_id))
    if broken is None:
        return VerifyResult(events=checked, head_id=head_id, head_hash=head_hash, waiting=waiting)
    return VerifyResult(
        events=checked,
        head_id=head_id,
        head_hash=head_hash,
        waiting=waiting,
        broken_at=broken[0],
        problem=broken[1],
    )


def _check(row: Record, prev: bytes) -> tuple[int, Problem] | None:
    event_id = int(row["event_id"])
    if row["id"] is None:
        return event_id, Problem.DELETED
    if bytes(row["prev_hash"]) != prev:
        return event_id, Problem.CHAIN_BROKEN
    if link(prev, row) != bytes(row["hash"]):
        return event_id, Problem.ALTERED
    return None


async def chain_head(pg: PgConnection) -> tuple[int, bytes]:
    """The last sealed event's id and hash: the last live seal, else the last archive's head, else 0
    and the genesis hash for an empty chain."""
    head = await pg.fetchrow(_CHAIN_HEAD)
    if head is not None:
        return int(head["event_id"]), bytes(head["hash"])
    archived_id, archived_hash, _ = await archived_head(pg)
    return archived_id, archived_hash


async def archived_head(pg: PgConnection) -> tuple[int, bytes, list[dict[str, Any]]]:
    """Where the archived months end in the chain: the head's id and hash, and the live events below
    it (stragglers) with their hashes; 0, the genesis hash and none when nothing is archived."""
    row = await pg.fetchrow(_ARCHIVED_HEAD)
    if row is None:
        return 0, GENESIS, []
    stragglers = row["stragglers"]
    if isinstance(stragglers, str):
        stragglers = json.loads(stragglers)
    return int(row["head_event_id"]), bytes(row["head_hash"]), list(stragglers)


async def _check_stragglers(pg: PgConnection, stragglers: list[dict[str, Any]]) -> tuple[int, Problem] | None:
    """The live events below the archive's head must still be there, unchanged, with the hashes the
    archive recorded (their links to the archived events were verified when it was made)."""
    for kept in stragglers:
        event_id = int(kept["event_id"])
        row = await pg.fetchrow(_SEAL_WITH_EVENT, event_id)
        if row is None or row["id"] is None:
            return event_id, Problem.DELETED
        if bytes(row["hash"]) != bytes.fromhex(kept["hash"]) or link(bytes(row["prev_hash"]), row) != bytes(
            row["hash"]
        ):
            return event_id, Problem.ALTERED
    return None
