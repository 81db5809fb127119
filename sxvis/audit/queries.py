"""Reading the access log: the auditors' question "who accessed what, when, why, and how it ended".

The log is read as it is written (DESIGN, "Access log"): newest first, a page at a time, filtered by the
questions its indexes serve (whose data, by whom, by which agency, when). A read of the log is itself
an access to personal data, since an event names persons, so it logs itself in the same statement
(`audit.read_logged`): the auditor's event records which persons' trails the page showed, and if it
cannot be written, no page leaves.

Plain SQL on the asyncpg connection, as `sxvis.registry.persons` does for its hot reads: the statement
is built from code only (which conditions apply), and every value the caller gave is a `$n` parameter.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from sxvis.actors import Actor
from sxvis.audit._pg import Record
from sxvis.audit.models import Outcome
from sxvis.audit.service import read_logged
from sxvis.database.driver import Reads, driver_connection
from sxvis.errors import ValidationFailed
from sxvis.pagination import Page, decode_cursor, encode_cursor, page_size

READ = "access_log:read"

_COLUMNS = (
    "id, occurred_at, actor_user, actor_agency, actor_roles, action, entity_type, entity_id, person_id,"
    " person_ids, purpose, operation_name, fields, outcome, reason, request_id,"
    " details -> 'checks' AS evidence, coalesce((details ->> 'replay')::boolean, false) AS replay"
)


@dataclass(frozen=True, slots=True)
class AccessLogFilter:
    """Which events to list; every condition given must hold. `occurred_to` is exclusive."""

    person_id: uuid.UUID | None = None
    """The person was the subject, or among the persons a search or list returned."""
    actor_id: str | None = None
    agency_code: str | None = None
    action: str | None = None
    outcome: Outcome | None = None
    purpose: str | None = None
    """The purpose the actor declared (X-Purpose-Of-Use), e.g. CASE_MANAGEMENT."""
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None

    def given(self) -> dict[str, str]:
        """The conditions given, as text: what the auditor's own access event records they asked."""
        values: dict[str, object] = {
            "person_id": self.person_id,
            "actor_id": self.actor_id,
            "agency_code": self.agency_code,
            "action": self.action,
            "outcome": self.outcome,
            "purpose": self.purpose,
            "occurred_from": self.occurred_from,
            "occurred_to": self.occurred_to,
        }
        return {name: str(value) for name, value in values.items() if value is not None}


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One access event as the log shows it to an auditor (the seal and client address stay behind)."""

    id: int
    occurred_at: datetime
    actor_user: str
    actor_agency: str
    actor_roles: Sequence[str]
    action: str
    entity_type: str
    entity_id: str | None
    person_id: uuid.UUID | None
    person_ids: Sequence[uuid.UUID]
    purpose: str | None
    operation_name: str | None
    fields: Sequence[str]
    outcome: Outcome
    reason: str | None
    request_id: str | None
    evidence: Sequence[Mapping[str, Any]] = ()  # checks: each fact's provenance (sxvis.checks)
    replay: bool = False  # a request repeated under its idempotency key (`details.replay`)

    @classmethod
    def of(cls, row: Record) -> "LoggedEvent":
        return cls(
            id=int(row["id"]),
            occurred_at=row["occurred_at"],
            actor_user=row["actor_user"],
            actor_agency=row["actor_agency"],
            actor_roles=tuple(row["actor_roles"] or ()),
            action=row["action"],
            entity_type=row["entity_type"],
            entity_id=row["entity_id"],
            person_id=row["person_id"],
            person_ids=tuple(row["person_ids"] or ()),
            purpose=row["purpose"],
            operation_name=row["operation_name"],
            fields=tuple(row["fields"] or ()),
            outcome=Outcome(row["outcome"]),
            reason=row["reason"],
            request_id=row["request_id"],
            evidence=_evidence(row["evidence"]),
            replay=bool(row["replay"]),
        )


def _evidence(value: object) -> tuple[Mapping[str, Any], ...]:
    """The provenance of the facts a check obtained or reused (`details.checks`), if the event has any."""
    found = orjson.loads(value) if isinstance(value, str | bytes) else value
    if not isinstance(found, list):
        return ()
    return tuple(item for item in found if isinstance(item, dict))


async def count_events(reads: Reads, actor: Actor, *, filter: AccessLogFilter) -> int:
    """How many events `find_events` lists with `filter`, all pages together (a number, no event)."""
    actor.require(READ)
    args: list[object] = []
    where = _where(filter, None, args)
    connection = await driver_connection(reads)
    return int(await connection.fetchval(f"SELECT count(*) FROM access_events{where}", *args))  # noqa: S608


def _statement(filter: AccessLogFilter, after_id: int | None, limit: int) -> tuple[str, list[object]]:
    """The page's SELECT: only the conditions given (so each shape gets its own plan and index), with
    every value a parameter.

    With a person, the person's events are read first (through the two person indexes, every month's)
    and only then ordered and cut to a page. Left to itself, PostgreSQL walks every month's primary key
    backwards, filtering, and merges the months (a `Merge Append`, which needs a row, or the end, of each
    month before it returns one): for a person with no event in a month that is the whole month read.
    It plans so whenever it expects the person to be common: always under the generic plan a prepared
    statement gets after five runs (it cannot know the person), and under a custom plan for a person
    with many events: 46-81 ms instead of under 1 ms at 300,000 events, growing with the log
    (docs/performance.md, "The access log as it grows"). The MATERIALIZED CTE leaves it no such plan,
    generic or custom: the page costs what the person's own history costs, as documented."""
    args: list[object] = []
    where = _where(filter, after_id, args)

    def arg(value: object, cast: str) -> str:
        args.append(value)
        return f"${len(args)}::{cast}"

    page = f"ORDER BY id DESC LIMIT {arg(limit + 1, 'int')}"
    if filter.person_id is None:
        return f"SELECT {_COLUMNS} FROM access_events{where} {page}", args  # noqa: S608
    named = f"WITH named AS MATERIALIZED (SELECT * FROM access_events{where})"  # noqa: S608
    return f"{named} SELECT {_COLUMNS} FROM named {page}", args  # noqa: S608


def _where(filter: AccessLogFilter, after_id: int | None, args: list[object]) -> str:
    """The WHERE clause of the conditions given, their values appended to `args` as parameters."""

    def arg(value: object, cast: str) -> str:
        args.append(value)
        return f"${len(args)}::{cast}"

    conditions: list[str] = []
    if filter.person_id is not None:
        person = arg(filter.person_id, "uuid")
        # Both indexes: the subject (btree) and the persons a search returned (GIN on the array).
        conditions.append(f"(person_id = {person} OR person_ids @> ARRAY[{person}])")
    if filter.actor_id is not None:
        conditions.append(f"actor_user = {arg(filter.actor_id, 'text')}")
    if filter.agency_code is not None:
        conditions.append(f"actor_agency = {arg(filter.agency_code, 'text')}")
    if filter.action is not None:
        conditions.append(f"action = {arg(filter.action, 'text')}")
    if filter.outcome is not None:
        conditions.append(f"outcome = {arg(Outcome(filter.outcome).value, 'text')}")
    if filter.purpose is not None:
        conditions.append(f"purpose = {arg(filter.purpose, 'text')}")
    if filter.occurred_from is not None:
        conditions.append(f"occurred_at >= {arg(filter.occurred_from, 'timestamptz')}")
    if filter.occurred_to is not None:
        conditions.append(f"occurred_at < {arg(filter.occurred_to, 'timestamptz')}")
    if after_id is not None:
        conditions.append(f"id < {arg(after_id, 'bigint')}")
    return " WHERE " + " AND ".join(conditions) if conditions else ""


def _after(cursor: str | None) -> int | None:
    if not cursor:
        return None
    (last,) = decode_cursor(cursor, arity=1)
    try:
        return int(last)
    except (TypeError, ValueError):
        raise ValidationFailed("The cursor is not one this API gave out.", field="after") from None


async def find_events(
    reads: Reads,
    actor: Actor,
    *,
    filter: AccessLogFilter,
    first: int | None = None,
    after: str | None = None,
    fields: Sequence[str] = (),
) -> Page[LoggedEvent]:
    """A page of access events matching `filter`, newest first, logged as the actor's own read.

    The cursor is the last event's id (ids are handed out in insertion order, so "older" is "smaller").
    The actor's own event is written by the same statement, so it is never on the page it records; it
    appears on the next read. `reads` should be in a scoped transaction (`Database.scoped`).
    """
    actor.require(READ)
    limit = page_size(first)
    after_id = _after(after)
    sql, args = _statement(filter, after_id, limit)
    connection = await driver_connection(reads)
    rows = await read_logged(
        connection,
        sql,
        args,
        actor=actor,
        action=READ,
        entity_type="access_event",
        entity_id=filter.person_id,
        id_column="person_id",
        fields=fields,
        details={"filter": filter.given(), "first": limit, "after": after_id},
        order_by="id DESC",
        logged_limit=limit,
    )
    items = [LoggedEvent.of(row) for row in rows[:limit]]
    return Page(
        items,
        [encode_cursor(event.id) for event in items],
        has_next_page=len(rows) > limit,
        has_previous_page=after_id is not None,
    )
