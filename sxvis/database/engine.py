"""The async engine and its sessions.

One `Database` per process, built by the composition root. Services receive an `AsyncSession` and never
commit; `Database.transaction()` is the one place that commits, so a change, its history and (later) its
access-log entry land together or not at all.

Reads of one statement use `Database.reader()`, a session in autocommit mode: the statement is atomic
on its own, and skipping BEGIN and ROLLBACK saves two of the three round trips a FIN lookup would
otherwise cost. Anything that writes, or reads more than once and needs one snapshot, takes a
transaction.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def async_url(url: str) -> str:
    """Turn any `postgresql://` URL into one for SQLAlchemy's asyncpg dialect."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("SXVIS_DATABASE_URL must be a postgresql:// URL")


def plain_url(url: str) -> str:
    """The same URL in the form asyncpg and libpq understand (no `+asyncpg`)."""
    return "postgresql://" + async_url(url)[len("postgresql+asyncpg://") :]


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
