"""A real `sxvis serve` in a subprocess, on its own embedded PostgreSQL, for tests that need HTTP."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from authz.authentication import issue_dev_token
from sxvis.config import Settings

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`sxvis serve ARGS` on a free port. `environment` adds settings: with SXVIS_DATABASE_URL, several
    servers (one worker process each) share one database."""

    def __init__(self, data_dir: Path, *args: str, environment: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SXVIS_")}
        env |= {"SXVIS_DATA_DIR": str(data_dir), "SXVIS_PORT": str(self.port), "SXVIS_LOG_LEVEL": "warning"}
        env |= environment or {}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sxvis", "serve", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.process.stdout.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("server did not become ready")

    def token(
        self, *, user: str = "test-worker", agency: str = "SXA", roles: tuple[str, ...] = ("social_worker",)
    ) -> str:
        """A development token signed by this server's key (in its data folder)."""
        return issue_dev_token(Settings(data_dir=self.data_dir), user=user, agency=agency, roles=roles)

    def graphql(self, document: str, token: str | None = None, **variables: object) -> dict:
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {token or self.token()}"},
            timeout=10,
        )
        return response.json()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.stdout.read() if self.process.stdout else ""  # type: ignore[union-attr]
