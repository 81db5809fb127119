"""The asyncpg connection under a SQLAlchemy session, for the hottest reads.

SQLAlchemy Core costs about 0.2 ms per statement on this kind of machine (greenlet hand-offs, cursor
adaptation, result processing), which alone would hold a FIN lookup through GraphQL far below half
the requests per second of a bare asyncpg endpoint. The few fixed-shape reads on the hot path (a
person by FIN or by id) therefore run their SQL directly on the session's own asyncpg connection: the
same pool, the same transaction (or autocommit) and, later, the same access-log rule as everything else.
The SQL is written from the table's own column list, so it cannot drift from the model.
"""

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


def column_list(table: Table, *, exclude: tuple[str, ...] = ()) -> str:
    return ", ".join(f'"{c.name}"' for c in table.columns if c.name not in exclude)


def compiled(statement: Any, dialect: Any) -> tuple[str, list[object]]:
    """A SQLAlchemy statement as asyncpg SQL (`$1` …) and its processed arguments, for statements that
    must run inside one of ours (the access log's logged read wraps a query in a CTE)."""
    result = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = result.construct_params()
    processors = result._bind_processors
    names = result.positiontup or []
    return str(result), [processors[n](params[n]) if n in processors else params[n] for n in names]
