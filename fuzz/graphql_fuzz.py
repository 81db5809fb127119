"""A bounded schemathesis fuzz of `/graphql`, as `.ci/run` runs it.

    python fuzz/graphql_fuzz.py [--seed 13] [--max-time 120] [--data-dir DIR] [--port PORT]

It starts `sxvis serve --demo` (development mode, so introspection is on for schemathesis to read the
schema) on its own embedded PostgreSQL in a temporary data folder, with the demo registry, mints two
development tokens with that folder's key, and runs `schemathesis run` against every query and mutation
with a fixed seed, once per caller, each for half of `--max-time`:

- a registry-wide reader: `partner_agency` of SXA (the `registry, read` grant, nothing to write);
- an NGO partner: `partner_agency` of NGO-QADIN (its remit only).

A run fails on any 5xx or unexpected exception (`no_server_failure`), on a body that is not JSON, and
on a GraphQL error without a typed `extensions.code` (`typed_graphql_errors`); both in fuzz/checks.py,
whose `ALLOWED` list is where known findings owned by other work are tolerated, each with its reason.
The server's output is kept in `<data-dir>/server.log`, and each response's status, operation and
codes in `<data-dir>/responses.log`. Exit status: 0 when both runs pass.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from authz.authentication import issue_dev_token
from sxvis.config import Settings

REPO = Path(__file__).resolve().parent.parent
CALLERS = {
    "registry-wide reader": {"user": "fuzz-reader", "agency": "SXA", "roles": ("partner_agency",)},
    "NGO partner": {"user": "fuzz-ngo", "agency": "NGO-QADIN", "roles": ("partner_agency",)},
}
STARTUP_SECONDS = 300  # a fresh embedded PostgreSQL, the migrations and the demo registry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-time", type=int, default=120, help="seconds of fuzzing, shared by the callers")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="kept if given; a temporary one otherwise"
    )
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    # `timeout` in .ci/run sends SIGTERM: leave through `finally`, which stops the server it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="sxvis-fuzz-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    port = args.port or _free_port()
    url = f"http://127.0.0.1:{port}"
    server = _start(data_dir, port)
    try:
        _wait_ready(server, url, data_dir)
        failed = []
        for label, caller in CALLERS.items():
            token = issue_dev_token(Settings(data_dir=data_dir), **caller)  # type: ignore[arg-type]
            print(f"== fuzz as {label} ({caller['roles'][0]} of {caller['agency']})", flush=True)
            if not _fuzz(
                url, token, seed=args.seed, seconds=max(args.max_time // len(CALLERS), 5), logs=data_dir
            ):
                failed.append(label)
    finally:
        _stop(server)
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    if failed:
        print(f"fuzz: failures as {', '.join(failed)}", flush=True)
        return 1
    print("fuzz: no server error, every error typed", flush=True)
    return 0


def _fuzz(url: str, token: str, *, seed: int, seconds: int, logs: Path) -> bool:
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{url}/graphql",
        "--header",
        f"Authorization: Bearer {token}",
        "--seed",
        str(seed),
        "--max-time",
        str(seconds),
        "--checks",
        "no_server_failure,typed_graphql_errors",
        "--exclude-checks",
        "not_a_server_error",
        "--phases",
        "fuzzing",
        "--workers",
        "1",
        "--no-color",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz.checks", "PYTHONPATH": str(REPO)}
    env["SXVIS_FUZZ_LOG"] = str(logs / "responses.log")
    # In the data folder: schemathesis leaves its .schemathesis/ cache where it runs.
    return subprocess.run(command, env=env, cwd=logs, check=False).returncode == 0  # noqa: S603


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SXVIS_")}
    env |= {"SXVIS_DATA_DIR": str(data_dir), "SXVIS_PORT": str(port), "SXVIS_LOG_LEVEL": "warning"}
    log = (data_dir / "server.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "sxvis", "serve", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT
    )


def _wait_ready(server: subprocess.Popen[bytes], url: str, data_dir: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited early:\n{(data_dir / 'server.log').read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not become ready")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
