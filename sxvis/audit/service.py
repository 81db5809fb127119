"""Writing the access log: `record` for any access, `record_read` for rows a service has read,
`read_logged` for a read that logs itself.

Both take the request's purpose, operation, id and client address from `actor.origin` unless given.
Both write in the caller's transaction and fail closed: if the event cannot be written, the caller's
statement raises, its transaction fails, and no data leaves (DESIGN, "Access log"). Neither seals:
sealing happens later, in batches, off the request path (`sxvis.audit.chain`).
"""

import functools
import ipaddress
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sxvis.actors import Actor
from sxvis.audit._pg import PgConnection, Record, execute_in, raw
from sxvis.audit.models import Outcome

Target = AsyncSession | AsyncConnection | PgConnection
"""Where an event is written: a session or connection in the caller's transaction, or asyncpg itself."""

_INSERT = """
INSERT INTO access_events (actor_user, actor_agency, actor_roles, action, entity_type, entity_id,
  person_id, person_ids, purpose, operation_name, fields, outcome, reason, request_id, client_address,
  details)
VALUES ($1, $2, $3::text[], $4, $5, $6, $7::uuid, $8::uuid[], $9, $10, $11::text[], $12, $13, $14,
  $15::text::inet, $16::jsonb)
"""

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


async def record(
    target: Target,
    actor: Actor,
    *,
    action: str,
    entity_type: str,
    entity_id: object = None,
    person_id: uuid.UUID | None = None,
    person_ids: Iterable[uuid.UUID] = (),
    purpose: str | None = None,
    operation_name: str | None = None,
    fields: Iterable[str] = (),
    outcome: Outcome | str = Outcome.ALLOWED,
    reason: str | None = None,
    request_id: str | None = None,
    client_address: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Write one access event with a plain INSERT in the caller's transaction.

    It is never swallowed: an error here is the caller's error, and their transaction rolls back. The
    error is asyncpg's own, or SQLAlchemy's wrapping of it when the statement had to begin the caller's
    transaction; neither is meant to be caught.
    """
    args = (
        *_who(actor, action, entity_type, entity_id),
        person_id,
        list(person_ids),
        *_circumstances(
            actor, purpose, operation_name, fields, outcome, reason, request_id, client_address, details
        ),
    )
    if isinstance(target, AsyncSession | AsyncConnection):
        await execute_in(target, _INSERT, args)
    else:
        await target.execute(_INSERT, *args)


class AboutPerson(Protocol):
    """A row about one person (a case, a referral, an application, an enrollment): what a read logs of it."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def person_id(self) -> uuid.UUID: ...


async def record_read(
    target: Target,
    actor: Actor,
    found: Sequence[AboutPerson],
    *,
    action: str,
    entity_type: str,
    asked_about: Iterable[uuid.UUID] = (),
    fields: Iterable[str] = (),
    details: Mapping[str, Any] | None = None,
) -> None:
    """Log a read of rows about persons, already fetched by the caller's session: one event naming every
    person the rows are about, and the row itself when there is exactly one.

    `asked_about` are persons the read was asked about by id (a person's cases, say): they are logged
    even when nothing was found for them, since "no case" is learnt about them too. A read that found
    nothing about nobody named writes nothing: it showed no one's data.
    """
    persons = {row.person_id for row in found} | set(asked_about)
    if not persons:
        return
    await record(
        target,
        actor,
        action=action,
        entity_type=entity_type,
        entity_id=found[0].id if len(found) == 1 else None,
        person_ids=sorted(persons),
        fields=fields,
        details=details,
    )


async def read_logged(
    connection: PgConnection | AsyncSession | AsyncConnection,
    select_sql: str,
    args: Sequence[object],
    *,
    actor: Actor,
    action: str,
    entity_type: str = "person",
    entity_id: object = None,
    id_column: str = "id",
    subject: bool = False,
    purpose: str | None = None,
    operation_name: str | None = None,
    fields: Iterable[str] = (),
    outcome: Outcome | str = Outcome.ALLOWED,
    reason: str | None = None,
    request_id: str | None = None,
    client_address: str | None = None,
    details: Mapping[str, Any] | None = None,
    order_by: str | None = None,
    logged_limit: int | None = None,
) -> list[Record]:
    """Run a SELECT of persons and log what it returned, in one statement (one round trip).

    The SELECT becomes a CTE; a data-modifying CTE inserts one access event whose `person_ids` are the
    values of `id_column` over the rows returned (empty when none were), and the statement returns the
    rows. PostgreSQL runs a data-modifying CTE to completion whether or not the outer query reads it,
    and the statement is atomic: if the INSERT fails, the statement fails and no row reaches the
    caller. With `subject=True` (a read of one person, by id or FIN), a single row also becomes the
    event's `person_id` and `entity_id`.

    `select_sql` uses `$1`…`$n` for `args`, and comes from code, never from input (it is spliced into
    the statement); `order_by`, likewise code, orders the rows returned (without it they come back in
    the CTE's order, which is the SELECT's own in practice, though SQL does not promise it).
    `logged_limit` logs only the first rows in that order: a page reads one row more than it shows, to
    know whether another page follows, and the log records what was shown.

    On a session or SQLAlchemy connection the statement runs on its asyncpg connection: inside the
    caller's transaction if one is open, otherwise on its own, atomic either way.
    """
    if not _IDENTIFIER.match(id_column):
        raise ValueError(f"not a column name: {id_column!r}")
    if isinstance(connection, AsyncSession):
        pg = await raw(await connection.connection())
    elif isinstance(connection, AsyncConnection):
        pg = await raw(connection)
    else:
        pg = connection
    ours = read_event_args(
        actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        subject=subject,
        purpose=purpose,
        operation_name=operation_name,
        fields=fields,
        outcome=outcome,
        reason=reason,
        request_id=request_id,
        client_address=client_address,
        details=details,
    )
    sql = _logged_sql(select_sql, len(args), id_column, order_by, logged_limit is not None)
    if logged_limit is not None:
        ours = (*ours, logged_limit)
    return await pg.fetch(sql, *args, *ours)


async def read_about_logged(
    connection: PgConnection,
    select_sql: str,
    args: Sequence[object],
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    asked_about: Sequence[uuid.UUID],
    order_by: str,
    counted_as: str,
    fields: Iterable[str] = (),
    details: Mapping[str, Any] | None = None,
) -> list[Record]:
    """Run a SELECT of rows about persons asked about by id (a page's enrollments, say) and log it, in one
    statement: what `record_read(..., asked_about=...)` writes after a read, without its second round trip.

    The event names every person asked about, found or not ("none" is learnt about them too), the row
    itself when exactly one was found, and how many were found under `details[counted_as]`. Nothing is
    read or logged when no one is asked about. `select_sql` (with `$1`…`$n` for `args`) and `order_by`
    come from code, never from input; the SELECT must return an `id` column.
    """
    persons = sorted(set(asked_about))
    if not persons:
        return []
    who = _who(actor, action, entity_type, None)[:5]
    why = _circumstances(actor, None, None, fields, Outcome.ALLOWED, None, None, None, details)
    sql = _about_sql(select_sql, len(args), order_by)
    return await connection.fetch(sql, *args, *who, persons, *why, counted_as)


@functools.lru_cache(maxsize=64)
def _about_sql(select_sql: str, first: int, order_by: str) -> str:
    """`read_about_logged`'s statement for one SELECT, built once (asyncpg then reuses it prepared)."""
    p = [f"${first + i}" for i in range(1, 16)]
    event = f"""{p[0]}::text, {p[1]}::text, {p[2]}::text[], {p[3]}::text, {p[4]}::text,
    CASE WHEN count(*) = 1 THEN (array_agg(hits.id))[1]::text END, NULL::uuid, {p[5]}::uuid[],
    {p[6]}::text, {p[7]}::text, {p[8]}::text[], {p[9]}::text, {p[10]}::text, {p[11]}::text,
    {p[12]}::text::inet,
    coalesce({p[13]}::jsonb, '{{}}'::jsonb) || jsonb_build_object({p[14]}::text, count(*))"""
    return _read_and_log(select_sql, event, order=f" ORDER BY {order_by}")


def logged_read_sql(select_sql: str, arity: int, *, id_column: str = "id") -> str:
    """The statement `read_logged` runs for `select_sql` (of `arity` parameters), whose event arguments
    (`read_event_args`) follow the SELECT's own: for a read run some other way, in one call
    (`sxvis.database.routines`)."""
    if not _IDENTIFIER.match(id_column):
        raise ValueError(f"not a column name: {id_column!r}")
    return _logged_sql(select_sql, arity, id_column, None, False)


def read_event_args(
    actor: Actor,
    *,
    action: str,
    entity_type: str = "person",
    entity_id: object = None,
    subject: bool = False,
    purpose: str | None = None,
    operation_name: str | None = None,
    fields: Iterable[str] = (),
    outcome: Outcome | str = Outcome.ALLOWED,
    reason: str | None = None,
    request_id: str | None = None,
    client_address: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> tuple[object, ...]:
    """The event's arguments of a logged read's statement (`logged_read_sql`), after the SELECT's."""
    return (
        *_who(actor, action, entity_type, entity_id),
        subject,
        *_circumstances(
            actor, purpose, operation_name, fields, outcome, reason, request_id, client_address, details
        ),
    )


def _who(actor: Actor, action: str, entity_type: str, entity_id: object) -> tuple[object, ...]:
    """The event's leading columns: who acted, and on what (shared by `record` and `read_logged`)."""
    return (
        actor.user_id,
        actor.agency_code,
        sorted(actor.roles),
        str(action),
        entity_type,
        None if entity_id is None else str(entity_id),
    )


def _circumstances(
    actor: Actor,
    purpose: str | None,
    operation_name: str | None,
    fields: Iterable[str],
    outcome: Outcome | str,
    reason: str | None,
    request_id: str | None,
    client_address: str | None,
    details: Mapping[str, Any] | None,
) -> tuple[object, ...]:
    """The event's trailing columns: why, through which operation, how it ended, from where (each taken
    from the actor's request origin unless given)."""
    origin = actor.origin
    address, details = _address(client_address or origin.client_address, details)
    return (
        purpose or origin.purpose,
        operation_name or origin.operation_name,
        list(fields),
        Outcome(outcome).value,
        reason,
        request_id or origin.request_id,
        address,
        _json(details),
    )


@functools.lru_cache(maxsize=256)
def _logged_sql(select_sql: str, first: int, id_column: str, order_by: str | None, limited: bool) -> str:
    """The statement for one SELECT shape, built once (asyncpg then reuses its prepared statement)."""
    p = [f"${first + i}" for i in range(1, 17)]
    ids = f'hits."{id_column}"'
    single = f"CASE WHEN {p[6]}::boolean AND count(*) = 1 THEN (array_agg({ids}))[1] END"
    order = f" ORDER BY {order_by}" if order_by else ""
    shown = ""
    if limited:
        # The rows' order in the log is the SELECT's: number them there, and log the first n.
        shown = f" WHERE hits.sxvis_row_number <= {p[15]}::int"
        select_sql = f"SELECT s.*, row_number() OVER () AS sxvis_row_number FROM ({select_sql}) s"  # noqa: S608
    event = f"""{p[0]}::text, {p[1]}::text, {p[2]}::text[], {p[3]}::text, {p[4]}::text,
    coalesce({p[5]}::text, ({single})::text), {single},
    coalesce(array_agg({ids}) FILTER (WHERE {ids} IS NOT NULL), '{{}}'::uuid[]),
    {p[7]}::text, {p[8]}::text, {p[9]}::text[], {p[10]}::text, {p[11]}::text, {p[12]}::text,
    {p[13]}::text::inet, {p[14]}::jsonb"""
    return _read_and_log(select_sql, event, shown=shown, order=order)


def _read_and_log(select_sql: str, event: str, *, shown: str = "", order: str = "") -> str:
    """A SELECT as a materialized CTE, a data-modifying CTE inserting one access event whose values
    (`event`, aggregates over `hits` allowed) are computed from its rows, and the rows returned: the
    shape of every read that logs itself in one statement. Its text names the FIN lookup's routine
    (`sxvis.database.routines`), so a change here is a new routine at the next upgrade."""
    return f"""WITH hits AS MATERIALIZED (
{select_sql}
), logged AS (
  INSERT INTO access_events (actor_user, actor_agency, actor_roles, action, entity_type, entity_id,
    person_id, person_ids, purpose, operation_name, fields, outcome, reason, request_id, client_address,
    details)
  SELECT {event}
  FROM hits{shown}
)
SELECT * FROM hits{order}"""  # noqa: S608  (every piece is code or a $n parameter)


def _address(
    value: str | None, details: Mapping[str, Any] | None
) -> tuple[str | None, Mapping[str, Any] | None]:
    """The client address as `inet`, if it is an IP address; otherwise kept, as given, in `details`.

    Some fronts name their client otherwise (Starlette's test client says `testclient`, a Unix socket
    has no address); refusing those would fail the request, and dropping them would lose evidence.
    """
    if value is None:
        return None, details
    inet = _inet(value)
    if inet is not None:
        return inet, details
    return None, {**(details or {}), "client_address": value}


@functools.lru_cache(maxsize=4096)
def _inet(value: str) -> str | None:
    """`value` as `inet` text if it is an IP address without a zone, else None. Cached: a server sees
    the same few addresses (its proxies, its clients) on every request, and parsing one was 1.6 % of a
    FIN lookup's server time. The statements take this text as `text` and cast it (`$n::text::inet`):
    asyncpg's `inet` encoder would parse it again with `ipaddress` on every call (about 20 µs of a
    lookup's 600 µs of server CPU), and PostgreSQL parses it anyway."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    return None if getattr(address, "scope_id", None) else str(address)


def _json(details: Mapping[str, Any] | None) -> str | None:
    return None if details is None else orjson.dumps(dict(details)).decode("utf-8")
