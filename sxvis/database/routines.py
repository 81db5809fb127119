"""Reads that scope themselves: the row scope and a logged read in one function call, one round trip.

A scoped read is three round trips: `BEGIN` with the row scope (`RowScope.statement`), the read that
logs itself (`audit.read_logged`), `COMMIT`. The hottest read, a person by FIN or by id, is mostly
those round trips (a third of its server CPU went to socket writes). Here a PL/pgSQL function per read
sets the scope with `set_config(…, true)` and returns the logged read's rows, and it is called in
autocommit. Nothing of the access design is given up:

- row-level security applies as before: the function is `SECURITY INVOKER`, so its read runs as
  `sxvis_app` under the scope it has just set;
- the access event is durable before the answer leaves: the call's implicit transaction commits at the
  protocol's Sync, and asyncpg returns the rows only after the server says it is ready again, so a
  failed commit fails the call, as a failed `COMMIT` does;
- the scope ends with that transaction (a transaction-local setting), so a pooled connection carries
  nothing into the next request.

The function is made from the statement the code runs, never written a second time: each upgrade to
head (`sxvis db upgrade`, `serve`, the tests' migration) drops the functions it made before and creates
one per read from its statement, with the parameter and column types PostgreSQL describes for that
statement. Its name carries a digest of the statement, so code whose SQL changed never calls a function
made from the old SQL: it finds none and runs the read as three round trips until the next upgrade
makes the new one (as Flyway re-applies a repeatable migration whose checksum changed).
"""

import hashlib
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import structlog

from sxvis.database.scope import APP_ROLE, RowScope

PREFIX = "sxvis_read_"
"""Every function made here is named so; an upgrade drops every function so named before making them anew."""

_PLACEHOLDER = re.compile(r"\$(\d+)")
_LABEL = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_RETRY_MISSING_AFTER = 30.0  # seconds: a read whose function is missing is not tried on every request

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ScopedRead:
    """One read shape: `statement` (code, never input) with `$1`…`$n`, run scoped in one call."""

    label: str
    statement: str
    arity: int = field(init=False)
    name: str = field(init=False)
    call: str = field(init=False)

    def __post_init__(self) -> None:
        if not _LABEL.match(self.label):
            raise ValueError(f"not a label for a function name: {self.label!r}")
        arity = max((int(n) for n in _PLACEHOLDER.findall(self.statement)), default=0)
        digest = hashlib.sha256(self.statement.encode()).hexdigest()[:16]
        name = f"{PREFIX}{self.label}_{digest}"
        placeholders = ", ".join(f"${i}" for i in range(1, arity + 4))
        object.__setattr__(self, "arity", arity)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "call", f"SELECT * FROM {name}({placeholders})")  # noqa: S608  (code only)


_missing_since: dict[str, float] = {}


async def fetch(
    connection: Any, read: ScopedRead, args: Sequence[object], scope: RowScope
) -> list[Any] | None:
    """The rows of `read` under `scope`, in one call on an asyncpg `connection` in autocommit; None
    when the database has no function for this statement (not upgraded since the code changed), for the
    caller to run the read in a scoped transaction instead."""
    missing_since = _missing_since.get(read.name)
    if missing_since is not None and time.monotonic() - missing_since < _RETRY_MISSING_AFTER:
        return None
    if len(args) != read.arity:
        raise ValueError(f"{read.label} takes {read.arity} arguments, not {len(args)}")
    settings = scope.parameters()
    try:
        rows: list[Any] = await connection.fetch(
            read.call, *args, settings["agency"], settings["remit"], settings["audit"]
        )
    except asyncpg.UndefinedFunctionError:
        _missing_since[read.name] = time.monotonic()
        log.warning("routines.missing", function=read.name, hint="run `sxvis db upgrade`")
        return None
    _missing_since.pop(read.name, None)
    return rows


async def install(connection: Any, reads: Iterable[ScopedRead]) -> list[str]:
    """Make one function per read (as the owner, in the upgrade's transaction) and drop the others an
    earlier upgrade made; the names of the functions made anew.

    A function whose whole definition (statement, parameter and column types) is unchanged is kept, so
    that restarting `serve` under running servers does not drop a function they are calling; its
    comment holds the definition's digest."""
    existing = {
        row["name"]: (row["signature"], row["digest"])
        for row in await connection.fetch(
            "SELECT p.proname AS name, p.oid::regprocedure::text AS signature,"
            " obj_description(p.oid, 'pg_proc') AS digest FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema() AND starts_with(p.proname, $1)",
            PREFIX,
        )
    }
    made = []
    for read in reads:
        definition, signature = await _definition(connection, read)
        digest = hashlib.sha256(definition.encode()).hexdigest()
        kept = existing.pop(read.name, None)
        if kept is not None and kept[1] == digest:
            continue
        if kept is not None:
            await connection.execute(f"DROP FUNCTION {kept[0]}")
        await connection.execute(definition)
        await connection.execute(f"COMMENT ON FUNCTION {signature} IS '{digest}'")
        await connection.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        await connection.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP_ROLE}")
        made.append(read.name)
    for stale_signature, _ in existing.values():
        await connection.execute(f"DROP FUNCTION {stale_signature}")
    return made


async def drop(connection: Any) -> None:
    """Drop every function made here (before a downgrade, whose tables they read may go)."""
    await install(connection, ())


async def _definition(connection: Any, read: ScopedRead) -> tuple[str, str]:
    """`CREATE FUNCTION` for `read`, and its signature: its parameters and columns typed as PostgreSQL
    describes the statement; the statement itself verbatim (PL/pgSQL reads `$n` as the n-th parameter)."""
    described = await connection.prepare(read.statement)
    parameters = [await _type_name(connection, t) for t in described.get_parameters()]
    if len(parameters) != read.arity:
        raise ValueError(f"{read.label}: the statement has {len(parameters)} parameters, not {read.arity}")
    columns = ", ".join(
        [f'"{a.name}" {await _type_name(connection, a.type)}' for a in described.get_attributes()]
    )
    arguments = ", ".join([*parameters, "scope_agency text", "scope_remit text", "scope_audit text"])
    signature = f"{read.name}({', '.join([*parameters, 'text', 'text', 'text'])})"
    return (
        f"""CREATE FUNCTION {read.name}({arguments})
RETURNS TABLE ({columns}) LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $routine$
#variable_conflict use_column
BEGIN
  PERFORM set_config('sxvis.agency', scope_agency, true), set_config('sxvis.remit', scope_remit, true),
    set_config('sxvis.audit', scope_audit, true);
  RETURN QUERY {read.statement};
END
$routine$""",
        signature,
    )


async def _type_name(connection: Any, described: Any) -> str:
    """The type as SQL names it (`text[]`, `uuid`, a schema-qualified enum), from its oid."""
    name: str = await connection.fetchval("SELECT format_type($1::oid, NULL)", described.oid)
    return name
