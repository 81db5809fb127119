"""The asyncpg connection under a SQLAlchemy session, for the hottest reads.

SQLAlchemy Core costs about 0.2 ms per statement on this kind of machine (greenlet hand-offs, cursor
adaptation, result processing), which alone would hold a FIN lookup through GraphQL far below half
the requests per second of a bare asyncpg endpoint. The few fixed-shape reads on the hot path (a
person by FIN or by id) therefore run their SQL directly on the session's own asyncpg connection: the
same pool, the same transaction (or autocommit) and, later, the same access-log rule as everything else.
The SQL is written from the table's own column list, so it cannot drift from the model.
"""

from collections import OrderedDict
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Reads = AsyncSession | AsyncConnection
"""What a read service accepts: a session, or (cheaper, for one statement) a connection."""


async def driver_connection(reads: Reads) -> Any:
    """The asyncpg connection under a session or connection (checked out from the pool if needed)."""
    connection = await reads.connection() if isinstance(reads, AsyncSession) else reads
    raw = await connection.get_raw_connection()
    return raw.driver_connection


def dialect_of(reads: Reads) -> Any:
    """The SQLAlchemy dialect to compile a statement for (`compiled`), from a session or connection."""
    return reads.get_bind().dialect if isinstance(reads, AsyncSession) else reads.dialect


def column_list(table: Table, *, exclude: tuple[str, ...] = ()) -> str:
    return ", ".join(f'"{c.name}"' for c in table.columns if c.name not in exclude)


# Compiled statements by SQLAlchemy cache key, as SQLAlchemy's own compiled cache keeps them for the
# statements it runs itself: building a query is cheap, compiling it is not (6% of a page's CPU when
# every request compiled its statement afresh). The key covers the statement's shape, not its values.
_COMPILED: OrderedDict[tuple[int, Any], Any] = OrderedDict()
_COMPILED_SIZE = 500


def compiled(statement: Any, dialect: Any) -> tuple[str, list[object]]:
    """A SQLAlchemy statement as asyncpg SQL (`$1` …) and its processed arguments, for statements that
    must run inside one of ours (the access log's logged read wraps a query in a CTE).

    Compiled once per shape (the cache key) and dialect; each call only extracts the values, and
    expands IN lists (an `expanding` parameter's length is a value, not part of the shape)."""
    cache_key = statement._generate_cache_key()
    if cache_key is None:  # a construct SQLAlchemy cannot key: compile it every time
        result, extracted = statement.compile(dialect=dialect), None
    else:
        key = (id(dialect), cache_key.key)
        result = _COMPILED.get(key)
        if result is None:
            result = statement.compile(dialect=dialect, cache_key=cache_key)
            _COMPILED[key] = result
            if len(_COMPILED) > _COMPILED_SIZE:
                _COMPILED.popitem(last=False)
        extracted = cache_key.bindparams
    params = result.construct_params(extracted_parameters=extracted, _no_postcompile=True)
    state = result._process_parameters_for_postcompile(params)
    processors, values = state.processors, state.parameters
    names = state.positiontup or []
    return state.statement, [processors[n](values[n]) if n in processors else values[n] for n in names]
