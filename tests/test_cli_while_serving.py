"""Operators' and auditors' commands run while `sxvis serve` holds the data folder: they use its database.

A real `sxvis serve` (no demo data) runs on its own data folder; each command is a real `sxvis` process
with the same SXVIS_DATA_DIR and no SXVIS_DATABASE_URL, as an operator would type it.
"""

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import Server

COMMAND_SECONDS = 60


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix="sxvis-cli-serving-"))
    running = Server(folder / "data")
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def sxvis(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SXVIS_")}
    env |= {"SXVIS_DATA_DIR": str(server.data_dir), "SXVIS_LOG_LEVEL": "warning"}
    return subprocess.run(
        [sys.executable, "-m", "sxvis", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
    )


def still_serving(server: Server) -> bool:
    return httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200


def test_audit_verify_runs_while_the_server_runs(server: Server) -> None:
    done = sxvis(server, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert "using its database" in done.stderr
    assert still_serving(server)


def test_audit_head_runs_while_the_server_runs(server: Server) -> None:
    done = sxvis(server, "audit", "head")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert still_serving(server)


def test_calendar_list_runs_while_the_server_runs(server: Server) -> None:
    done = sxvis(server, "calendar", "list", "--year", "2027")
    assert done.returncode == 0, done.stderr
    assert "2027-01-01" in done.stdout
    assert still_serving(server)


def test_db_current_runs_while_the_server_runs(server: Server) -> None:
    done = sxvis(server, "db", "current")
    assert done.returncode == 0, done.stderr
    assert "(head)" in done.stdout
    assert still_serving(server)


def test_a_calendar_entry_made_while_serving_is_in_the_servers_database(server: Server) -> None:
    added = sxvis(server, "calendar", "holiday", "2027-03-03", "--note", "made while serving")
    assert added.returncode == 0, added.stderr
    listed = sxvis(server, "calendar", "list", "--year", "2027")
    assert "made while serving" in listed.stdout


def test_a_migration_waits_for_the_server_to_stop(server: Server) -> None:
    """The running server's code expects the schema it started with: no upgrade or downgrade under it."""
    done = sxvis(server, "db", "upgrade")
    assert done.returncode == 1
    assert "is in use by another running SXVİS" in done.stderr
    assert still_serving(server)
    assert "(head)" in sxvis(server, "db", "current").stdout
