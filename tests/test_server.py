"""`sxvis serve` as an operator runs it: its own PostgreSQL in the data folder, over real HTTP."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.documents import PERSON_BY_FIN, REGISTER_PERSON
from tests.factories import person_input
from tests.servers import Server


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # A folder of its own rather than tmp_path: pytest prunes old base-temp folders, which can pull
    # the data folder from under a server when two test runs share the machine.
    folder = Path(tempfile.mkdtemp(prefix="sxvis-serve-"))
    yield folder / "sxvis-data"
    shutil.rmtree(folder, ignore_errors=True)


def test_serve_starts_its_own_database_and_keeps_data_across_restarts(data_dir: Path) -> None:
    first = Server(data_dir)
    try:
        first.wait_ready()
        assert httpx.get(f"{first.url}/healthz").json() == {"status": "ok"}
        created = first.graphql(REGISTER_PERSON, input=person_input(fin="KEEP001"))
        assert created["data"]["registerPerson"]["errors"] == []
    finally:
        first.stop()
    assert not _postgres_running(data_dir), "stopping SXVİS must stop its PostgreSQL"

    second = Server(data_dir)
    try:
        second.wait_ready()
        found = second.graphql(PERSON_BY_FIN, fin="KEEP001")
        assert found["data"]["person"]["fin"] == "KEEP001"
    finally:
        second.stop()


def test_a_second_instance_on_the_same_data_folder_says_it_is_in_use(data_dir: Path) -> None:
    first = Server(data_dir)
    try:
        first.wait_ready()
        second = subprocess.run(
            # `db current` now reads the running server's database (tests/test_cli_while_serving.py);
            # a migration still needs the folder to itself.
            [sys.executable, "-m", "sxvis", "db", "upgrade"],
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("SXVIS_")},
                "SXVIS_DATA_DIR": str(data_dir),
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "is in use by another running SXVİS" in second.stderr
    finally:
        first.stop()


def _postgres_running(data_dir: Path) -> bool:
    pid_file = data_dir / "postgres" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_with_two_workers_answers_on_both(data_dir: Path) -> None:
    server = Server(data_dir, "--workers", "2")
    try:
        server.wait_ready()
        for _ in range(40):
            answer = server.graphql("{ agencies { code } }")
            assert len(answer["data"]["agencies"]) >= 12
        assert server.process.poll() is None
    finally:
        server.stop()
    assert not _postgres_running(data_dir)


def test_the_running_server_seals_its_access_log_off_the_request_path(data_dir: Path) -> None:
    server = Server(data_dir)
    try:
        server.wait_ready()
        created = server.graphql(REGISTER_PERSON, input=person_input(fin="SEAL001"))
        assert created["data"]["registerPerson"]["errors"] == []
        server.graphql(PERSON_BY_FIN, fin="SEAL001")
        time.sleep(4)  # the sealer runs every SXVIS_AUDIT_SEAL_SECONDS (2 s by default)
    finally:
        server.stop()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SXVIS_")} | {
        "SXVIS_DATA_DIR": str(data_dir)
    }
    verified = subprocess.run(
        [sys.executable, "-m", "sxvis", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "chain intact" in verified.stdout
    assert "chain intact: 0 events" not in verified.stdout
    assert "(0 waiting to be sealed)" in verified.stdout, verified.stdout
