"""The slice of asyncpg the access log uses, typed (asyncpg ships no type hints), and how to reach it.

The log's hot statements run on the asyncpg connection under SQLAlchemy (as `sxvis.database.driver`
explains, Core costs more than the statement). One subtlety makes this module worth having: the
SQLAlchemy adapter begins its transaction lazily, at the first statement *it* runs. A statement sent
straight to asyncpg before that runs outside the caller's transaction, in autocommit. `in_transaction`
therefore starts the caller's transaction through SQLAlchemy itself, with a first statement of ours,
before any raw statement is trusted to be inside it.
"""

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol, cast

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sxvis.database.engine import Database


class Record(Protocol):
    """A row as asyncpg returns it: by column name or position."""

    def __getitem__(self, key: str | int) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...
    def keys(self) -> Iterator[str]: ...
    def values(self) -> Iterator[Any]: ...
    def items(self) -> Iterator[tuple[str, Any]]: ...
    def get(self, key: str, default: Any = None) -> Any: ...


class PgConnection(Protocol):
    """The part of asyncpg's `Connection` the access log uses."""

    async def execute(self, query: str, *args: object) -> str: ...
    async def fetch(self, query: str, *args: object) -> list[Record]: ...
    async def fetchrow(self, query: str, *args: object) -> Record | None: ...
    async def fetchval(self, query: str, *args: object) -> Any: ...
    def is_in_transaction(self) -> bool: ...


async def raw(connection: AsyncConnection) -> PgConnection:
    """The asyncpg connection under a SQLAlchemy connection."""
    fairy = await connection.get_raw_connection()
    return cast(PgConnection, fairy.driver_connection)


async def execute_in(target: AsyncSession | AsyncConnection, sql: str, args: Sequence[object]) -> None:
    """Run one statement in the caller's transaction (or autocommit, if that is what the caller uses).

    When asyncpg is already inside a transaction the statement goes straight to it (the cheap path);
    otherwise it goes through SQLAlchemy, which begins the caller's transaction first, exactly as the
    caller's own next statement would have.
    """
    connection = await target.connection() if isinstance(target, AsyncSession) else target
    pg = await raw(connection)
    if pg.is_in_transaction():
        await pg.execute(sql, *args)
    else:
        await connection.exec_driver_sql(sql, tuple(args))


@asynccontextmanager
async def in_transaction(
    db: Database, first_sql: str, *args: object, isolation: str | None = None, readonly: bool = False
) -> AsyncIterator[PgConnection]:
    """A pooled connection inside one transaction, begun by running `first_sql`; commits at the end.

    Beginning with a real statement through SQLAlchemy is what puts asyncpg inside the transaction
    (see the module docstring); an error anywhere rolls it back when the connection is returned.
    """
    async with db.engine.connect() as connection:
        options: dict[str, Any] = {}
        if isolation is not None:
            options["isolation_level"] = isolation
        if readonly:
            options["postgresql_readonly"] = True
        if options:
            connection = await connection.execution_options(**options)
        await connection.exec_driver_sql(first_sql, tuple(args))
        yield await raw(connection)
        await connection.commit()
