"""The async engine and its sessions.

One `Database` per process, built by the composition root. Services receive an `AsyncSession` and never
commit; `Database.transaction()` is the one place that commits, so a change, its history and (later) its
access-log entry land together or not at all.

Every transaction of a request is *scoped* (`sxvis.database.scope.RowScope`): its first round trip
begins it and tells row-level security whom it acts for. Unscoped sessions are for the owner's
maintenance (seeding, sealing, tests); as the application role they see nothing.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import greenlet_spawn

from sxvis.database.scope import RowScope


def async_url(url: str) -> str:
    """Turn any `postgresql://` URL into one for SQLAlchemy's asyncpg dialect."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("SXVIS_DATABASE_URL must be a postgresql:// URL")


def plain_url(url: str) -> str:
    """The same URL in the form asyncpg and libpq understand (no `+asyncpg`)."""
    return "postgresql://" + async_url(url)[len("postgresql+asyncpg://") :]


_SCOPE = text(
    "SELECT set_config('sxvis.agency', :agency, true), set_config('sxvis.remit', :remit, true),"
    " set_config('sxvis.audit', :audit, true)"
)


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 10, echo: bool = False) -> None:
        self.url = async_url(url)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=False,
            echo=echo,
            # Prepared statements are cached per connection by asyncpg; keep SQLAlchemy's cache warm too.
            connect_args={"server_settings": {"application_name": "sxvis"}},
        )
        self._listeners: dict[Callable[[str], object], Any] = {}
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._readers = async_sessionmaker(self._autocommit, expire_on_commit=False, autoflush=False)

    @asynccontextmanager
    async def scoped(self, scope: RowScope, *, generic_plans: bool = False) -> AsyncIterator[AsyncConnection]:
        """One scoped transaction on a connection, begun and scoped in a single round trip.

        The connection is in SQLAlchemy's autocommit mode, so SQLAlchemy sends no BEGIN of its own; the
        transaction is ours, committed when the block ends and rolled back on any error.

        `generic_plans`: for a transaction whose statements a generic plan serves as well as a custom
        one, said in the same round trip. PostgreSQL plans a prepared statement afresh on each run while
        a custom plan looks cheaper than the generic one, and under row-level security a statement's
        plan carries every policy's subplans: the persons listing took 1.3 ms to plan and 0.5 ms to run.
        """
        async with self._autocommit.connect() as connection:
            raw: Any = (await connection.get_raw_connection()).driver_connection
            try:
                await raw.execute(scope.statement(generic_plans=generic_plans))
                yield connection
                await raw.execute("COMMIT")
            except Exception:
                await _roll_back(connection, raw)
                raise
            except BaseException:
                # Cancelled (a request past its time limit) or interrupted, perhaps in the middle of a
                # statement: the connection is closed rather than returned to the pool, and PostgreSQL
                # rolls its transaction back. Returned, it would carry the open transaction (and this
                # request's uncommitted rows) into the next request that takes it.
                await connection.invalidate()
                raise

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[Any]:
        """A pooled asyncpg connection, outside any transaction, for one call that is a transaction of its
        own (`sxvis.database.routines`); closed rather than pooled if interrupted.

        Straight from the pool, without SQLAlchemy's `Connection` around it: building that object and
        setting and resetting its isolation level took a third of a one-call FIN read's client CPU.
        asyncpg itself never begins a transaction, so the call runs in autocommit.
        """
        pooled = await self.engine.raw_connection()
        try:
            yield pooled.driver_connection
        except Exception:
            await greenlet_spawn(pooled.close)
            raise
        except BaseException:
            # Cancelled mid-call (a request past its time limit): as in `scoped`, the connection is
            # closed, and PostgreSQL rolls the call's transaction back.
            await greenlet_spawn(pooled.invalidate)
            raise
        await greenlet_spawn(pooled.close)

    @asynccontextmanager
    async def scoped_session(self, scope: RowScope) -> AsyncIterator[AsyncSession]:
        """A session inside one scoped transaction: committed when the block ends, rolled back on error."""
        async with self._sessions() as session, session.begin():
            await session.execute(_SCOPE, scope.parameters())
            yield session

    def session(self) -> AsyncSession:
        """A plain session (a transaction begins with its first statement); `async with db.session() as s`."""
        return self._sessions()

    def connect(self) -> AsyncConnection:
        """An autocommit connection for the hottest single-statement reads: no session to build."""
        return self._autocommit.connect()

    def reader(self) -> AsyncSession:
        """A session for single-statement reads, in autocommit mode (no BEGIN/ROLLBACK round trips)."""
        return self._readers()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed when the block ends, rolled back on any error."""
        async with self._sessions() as session, session.begin():
            yield session

    def on_statement(self, listener: Callable[[str], object]) -> None:
        """Call `listener(statement)` before every SQL statement (the statement-count tests use it)."""

        def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            listener(statement)

        self._listeners[listener] = _before
        event.listen(self.engine.sync_engine, "before_cursor_execute", _before)

    def off_statement(self, listener: Callable[[str], object]) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._listeners.pop(listener))

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _roll_back(connection: AsyncConnection, raw: Any) -> None:
    """End a failed scoped transaction; if even that fails, close the connection instead."""
    try:
        if raw.is_in_transaction():
            await raw.execute("ROLLBACK")
    except BaseException:
        await connection.invalidate()
        raise
