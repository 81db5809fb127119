"""What SXVİS's GraphQL costs over a bare endpoint, on the registry's hot reads, what part of that is
the access stack, and how a general engine (PostGraphile) does on the same reads.

The project's target is a FIN lookup through GraphQL, authenticated and logged, at 0.4 or more of the
requests per second of a hand-written endpoint doing the same work. Absolute numbers mean little on a
shared 2-core machine, so the benchmark measures side by side, on the same database, the same samples and
the same load, four servers:

- graphql: `sxvis serve`, the product: bearer token (EdDSA), Casbin permissions, a scoped transaction
  as `sxvis_app` under row-level security, the access event inserted by the statement that reads;
- unguarded: the same app with that access stack switched off (`bench/unguarded.py`, benchmark only);
- postgraphile: PostGraphile 4 on the same database as its owner, none of the access stack
  (`bench/postgraphile_peer.py`); optional: installed with npm when `node` is present, left out
  otherwise or with `--no-peer`, and asked only what it can answer (no name search);
- baseline: a bare Starlette + asyncpg endpoint (`bench/baseline.py`).

The reads: a FIN lookup, a name search, and pages of 50 persons with their enrollments three ways: after
a cursor sampled anywhere in the listing (`page_50_nested`), the first page (`page_first`) and after a
cursor in the listing's last tenth (`page_deep`). It reports graphql/baseline (the target),
graphql/unguarded (what the access stack costs) and graphql/postgraphile (the issue's peer targets: ahead
of it on a deep page, within 3x of it on the first). It also records the CPU time each server and
PostgreSQL spent per request: with the load generator on the same cores, CPU per request is the steadier
figure.

    python bench/registry.py [--persons 100000] [--duration 20] [--concurrency 32] [--workers 1]
                             [--client httpx|raw] [--out bench/results/registry-<timestamp>.json]
                             [--database-url URL] [--no-peer] [--operations fin_lookup,page_deep]

The client matters: httpx spends about a millisecond of CPU per request, several times what the bare
endpoint spends answering, so on shared cores it caps both targets and pulls the ratio towards 1.
`--client raw` (prepared HTTP/1.1 bytes) leaves the CPU to the servers; the run says when the client
outspent a server.

Steps: start the embedded PostgreSQL (or use `--database-url`), top the registry up to `--persons` with
`sxvis seed --persons` (timed: the seed rate is reported too), bring the duplicate pairs up to date (so
the servers' background refresh has nothing to do), install PostGraphile if it is missing (`npm ci`),
start `sxvis serve`, the unguarded app, PostGraphile and the baseline as subprocesses (all with
SXVIS_DATA_DIR = `--data-dir`), mint a development token for a social worker of SXA with that folder's
key, sample FINs, names and page cursors from the database, check that all targets give the same
answers, then load each operation on each target from a separate process and print two tables and their
notes. Everything started is stopped again, on Ctrl+C too. See bench/README.md and docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import asyncpg
import httpx
import orjson
import postgraphile_peer as peer
import psutil

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
# page_50_nested: a page after a cursor sampled anywhere in the listing (as since issue 2);
# page_first: the first page (no cursor); page_deep: a page after a cursor in the listing's last tenth.
OPERATIONS = ("fin_lookup", "name_search", "page_50_nested", "page_first", "page_deep")
PEER = peer.NAME  # PostGraphile 4: optional, measured on `peer.OPERATIONS` (bench/postgraphile_peer.py)
TARGETS = ("graphql", "unguarded", PEER, "baseline")
GRAPHQL_TARGETS = frozenset({"graphql", "unguarded"})  # the product's schema (the peer has its own)
TARGET_FIN_RATIO = 0.4  # graphql/baseline on the FIN lookup: the issue's target
# graphql/postgraphile (issue 15, item 4): ahead of it on a deep page, within 3× of it on the first page.
PEER_TARGETS = {"page_deep": 1.0, "page_first": 1 / 3}
DEEP_FROM = 0.9  # a deep page starts in the last tenth of the listing

# The benchmark's caller: a social worker of SXA, whose agency holds the registry-wide grant, so every
# person is in its remit. Protected persons another agency protects stay hidden from it (by FIN, in
# searches, in pages); the samples and bench/baseline.py leave them out the same way.
AGENCY = "SXA"
BENCH_USER = "bench-worker"
DISCLOSED = f"(NOT protected OR protected_by = '{AGENCY}')"

# The GraphQL side of each operation. bench/baseline.py answers the same fields with the same JSON.
FIN_LOOKUP = """
query FinLookup($fin: String!) {
  person(fin: $fin) {
    id fin lastName firstName patronymic birthDate sex residenceStatus regionCode districtCode phone
  }
}"""

NAME_SEARCH = """
query NameSearch($text: String!) {
  persons(filter: {text: $text}, first: 20) {
    edges { node { id fin lastName firstName patronymic birthDate } }
  }
}"""

PAGE_50_NESTED = """
query Page($after: String) {
  persons(first: 50, after: $after) {
    edges {
      node {
        id fin lastName firstName
        enrollments { status startedOn serviceCode providerCode service { code nameAz } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""

# Azerbaijani Latin as people type it on an English keyboard, and as Russian-language records spell it.
# Each spelling is kept only if sxvis_fold() gives it the same key as the Latin one (checked in SQL).
ASCII_LETTERS = str.maketrans(
    {"ə": "a", "Ə": "A", "ı": "i", "İ": "I", "ş": "sh", "Ş": "Sh", "ç": "ch", "Ç": "Ch",
     "ğ": "gh", "Ğ": "Gh", "ö": "o", "Ö": "O", "ü": "u", "Ü": "U"}
)  # fmt: skip
CYRILLIC_LETTERS = str.maketrans(
    {"a": "а", "b": "б", "c": "дж", "ç": "ч", "d": "д", "e": "е", "ə": "а", "f": "ф", "g": "г", "ğ": "г",
     "h": "г", "x": "х", "ı": "ы", "i": "и", "j": "ж", "k": "к", "q": "г", "l": "л", "m": "м", "n": "н",
     "o": "о", "ö": "о", "p": "п", "r": "р", "s": "с", "ş": "ш", "t": "т", "u": "у", "ü": "ю", "v": "в",
     "y": "й", "z": "з"}
)  # fmt: skip


# --- what a phase is, and what it found -------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request of an operation: the GraphQL body, the baseline's path, and what must come back."""

    graphql: bytes
    baseline: str
    expect: str | frozenset[str]  # a FIN, or the surnames (in any spelling) a search must find
    label: str = ""  # the spelling of a search, for the report
    peer: bytes = b""  # the same question to PostGraphile, in its schema (none for a name search)

    def body(self, target: str) -> bytes:
        """The GraphQL body `target` is sent."""
        return self.peer if target == PEER else self.graphql


@dataclass(frozen=True)
class PhaseSpec:
    operation: str
    target: str
    base_url: str
    probes: Sequence[Probe]
    concurrency: int
    seconds: float
    max_requests: int
    client: str = "httpx"
    timeout: float = 30.0
    authorization: str = ""  # the Authorization header of GraphQL requests ("Bearer …")


@dataclass
class PhaseResult:
    operation: str
    target: str
    seconds: float
    requests: int
    ok: int
    failures: int
    failure_kinds: dict[str, int]
    failure_examples: list[str]
    requests_per_second: float
    latency_ms: dict[str, float]
    client_cpu_seconds: float
    server_cpu_seconds: float = 0.0
    postgres_cpu_seconds: float = 0.0
    machine_busy: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def check(operation: str, expect: str | frozenset[str], payload: Any, target: str = "graphql") -> str | None:
    """Why a response is wrong, or None. GraphQL and the baseline answer with the same shape; the peer
    under other top-level names."""
    if not isinstance(payload, dict) or payload.get("errors"):
        return "errors"
    data = payload.get("data") or {}
    if target == PEER:
        data = peer.data_of(operation, data)
    if operation == "fin_lookup":
        found = data.get("person")
        return None if found and found.get("fin") == expect else "person not found"
    edges = (data.get("persons") or {}).get("edges") or []
    if not edges:
        return "no results"
    first = edges[0]["node"]
    if operation == "name_search":
        # The first hit: with strict word similarity (8f66922) a person with both words ranks first.
        # (Plain word similarity let "Quliyev Əli" tie with "Əliyev Əli", and ties went by id.)
        return None if first.get("lastName") in expect else "top hit has another surname"
    if len(edges) > 50:
        return "page too long"
    return None if first.get("fin") == expect else "page starts at the wrong person"


# --- the load generator (its own process) ---------------------------------------------------------


def load_process(conn: Connection) -> None:
    """Run phases sent over `conn` until told to stop. Ctrl+C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    while True:
        spec = conn.recv()
        if spec is None:
            return
        # A plain dict: the parent cannot unpickle classes of the child's `__mp_main__`.
        conn.send(asdict(asyncio.run(run_phase(spec))))


class Exchange(Protocol):
    """Send one probe, return the status and the body (raising `OSError` or `httpx.HTTPError`)."""

    async def __call__(self, probe: Probe) -> tuple[int, bytes]: ...


class HttpxExchange:
    """httpx on one shared keep-alive pool: what a Python client of the API would use."""

    def __init__(self, client: httpx.AsyncClient, target: str, authorization: str = "") -> None:
        self._client = client
        self._target = target
        self._graphql = target != "baseline"
        self._headers = graphql_headers(authorization)

    async def __call__(self, probe: Probe) -> tuple[int, bytes]:
        if self._graphql:
            body = probe.body(self._target)
            response = await self._client.post("/graphql", content=body, headers=self._headers)
        else:
            response = await self._client.get(probe.baseline)
        return response.status_code, response.content


class RawExchange:
    """HTTP/1.1 by hand on one keep-alive connection: a client that costs the shared CPU little.

    httpx spends about a millisecond of CPU per request here, four times what the bare endpoint
    spends answering; with client and servers on the same two cores, that caps both targets near the
    same rate and flatters the ratio. This client sends prepared bytes and reads Content-Length bodies
    (every target sends one, PostGraphile too), which is all the benchmark needs."""

    def __init__(self, base_url: str, target: str, authorization: str = "") -> None:
        parts = urllib.parse.urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._target = target
        self._graphql = target != "baseline"
        self._authorization = f"Authorization: {authorization}\r\n" if authorization else ""
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._requests: dict[int, bytes] = {}

    def _request(self, probe: Probe) -> bytes:
        key = id(probe)
        if key not in self._requests:
            host = f"Host: {self._host}:{self._port}\r\n"
            if self._graphql:
                body = probe.body(self._target)
                head = (
                    f"POST /graphql HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
                    f"{self._authorization}Content-Length: {len(body)}\r\n\r\n"
                )
                self._requests[key] = head.encode() + body
            else:
                self._requests[key] = f"GET {probe.baseline} HTTP/1.1\r\n{host}\r\n".encode()
        return self._requests[key]

    async def __call__(self, probe: Probe) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        try:
            writer.write(self._request(probe))
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            match = CONTENT_LENGTH.search(head)
            if match is None:
                raise OSError("a response without Content-Length")
            return status, await reader.readexactly(int(match[1]))
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as err:
            self.close()
            raise OSError(str(err) or type(err).__name__) from err

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


JSON_HEADERS = {"content-type": "application/json"}


def graphql_headers(authorization: str) -> dict[str, str]:
    return {**JSON_HEADERS, "authorization": authorization} if authorization else JSON_HEADERS


CONTENT_LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")


async def run_phase(spec: PhaseSpec) -> PhaseResult:
    """`concurrency` clients on keep-alive connections, until the time or the request budget runs out."""
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    examples: list[str] = []
    issued = 0
    limits = httpx.Limits(max_connections=spec.concurrency, max_keepalive_connections=spec.concurrency)
    async with httpx.AsyncClient(base_url=spec.base_url, limits=limits, timeout=spec.timeout) as client:

        async def one_client() -> None:
            nonlocal issued
            raw = (
                RawExchange(spec.base_url, spec.target, spec.authorization) if spec.client == "raw" else None
            )
            exchange: Exchange = raw or HttpxExchange(client, spec.target, spec.authorization)
            try:
                while time.perf_counter() < deadline and issued < spec.max_requests:
                    probe = spec.probes[issued % len(spec.probes)]
                    issued += 1
                    started = time.perf_counter()
                    body = b""
                    try:
                        status, body = await asyncio.wait_for(exchange(probe), spec.timeout)
                        if status != 200:
                            reason: str | None = f"HTTP {status}"
                        else:
                            reason = check(spec.operation, probe.expect, orjson.loads(body), spec.target)
                    except (OSError, TimeoutError, httpx.HTTPError, orjson.JSONDecodeError) as err:
                        reason = type(err).__name__
                    if reason is None:
                        latencies.append(time.perf_counter() - started)
                    else:
                        failures[reason] += 1
                        if len(examples) < 5:
                            text = body[:300].decode(errors="replace")
                            examples.append(f"{reason}: {probe.label or probe.baseline} {text}")
            finally:
                if raw is not None:
                    raw.close()

        cpu_before = time.process_time()
        began = time.perf_counter()
        deadline = began + spec.seconds
        await asyncio.gather(*(one_client() for _ in range(spec.concurrency)))
        elapsed = time.perf_counter() - began
        cpu = time.process_time() - cpu_before
    ok = len(latencies)
    return PhaseResult(
        operation=spec.operation,
        target=spec.target,
        seconds=elapsed,
        requests=ok + sum(failures.values()),
        ok=ok,
        failures=sum(failures.values()),
        failure_kinds=dict(failures),
        failure_examples=examples,
        requests_per_second=ok / elapsed if elapsed > 0 else 0.0,
        latency_ms=percentiles(latencies),
        client_cpu_seconds=cpu,
    )


def percentiles(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {}
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "p50": at(0.50),
        "p90": at(0.90),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": 1000 * ordered[-1],
        "mean": 1000 * sum(ordered) / len(ordered),
    }


class LoadGenerator:
    """The client process: spawned once, fed one phase at a time, terminated on the way out."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=load_process, args=(child,), name="bench-load", daemon=True)
        self._process.start()
        child.close()

    def run(self, spec: PhaseSpec) -> PhaseResult:
        self._conn.send(spec)
        return PhaseResult(**self._conn.recv())

    @property
    def pid(self) -> int:
        return self._process.pid or 0

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send(None)
        self._process.join(5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)


# --- CPU accounting -------------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds of a process and its descendants between `start()` and `stop()`.

    Children that exit in between (a pool closing a connection ends a PostgreSQL backend) are counted
    too: the root reaps them, and their whole CPU time then shows in the root's `children_*` times."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self._before = 0.0

    def _total(self) -> float:
        try:
            root = psutil.Process(self.root_pid)
            own = root.cpu_times()
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0.0
        total = float(own.children_user + own.children_system)
        for process in processes:
            with contextlib.suppress(psutil.Error):
                cpu = process.cpu_times()
                total += cpu.user + cpu.system
        return total

    def start(self) -> None:
        self._before = self._total()

    def stop(self) -> float:
        return max(0.0, self._total() - self._before)


class MachineMeter:
    """The share of all cores busy (anything but idle and iowait) between `start()` and `stop()`."""

    def __init__(self) -> None:
        self._before = psutil.cpu_times()

    def start(self) -> None:
        self._before = psutil.cpu_times()

    def stop(self) -> float:
        after = psutil.cpu_times()
        total = sum(after) - sum(self._before)
        idle = (after.idle - self._before.idle) + (
            getattr(after, "iowait", 0.0) - getattr(self._before, "iowait", 0.0)
        )
        return 1 - idle / total if total > 0 else 0.0


# --- processes we start ---------------------------------------------------------------------------


class Server:
    """A subprocess in its own session, so Ctrl+C reaches us first and we stop it (and its workers)."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], log_dir: Path, *, cwd: Path | None = None
    ) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and scripts)
            command, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, url: str, timeout: float = 180.0, *, post: bytes | None = None) -> None:
        """Until `url` answers 200 to a GET, or to a JSON POST of `post` (a server without a health
        route: PostGraphile)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if post is None:
                    response = httpx.get(url, timeout=2)
                else:
                    response = httpx.post(url, content=post, headers=JSON_HEADERS, timeout=2)
                if response.status_code == 200:
                    return
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} not ready at {url} after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self._log.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def sxvis_command() -> str:
    beside = Path(sys.executable).with_name("sxvis")
    found = str(beside) if beside.exists() else shutil.which("sxvis")
    if found is None:
        raise RuntimeError("The `sxvis` command is missing: install the package (pip install -e .).")
    return found


def child_env(database_url: str, data_dir: Path) -> dict[str, str]:
    from sxvis.config import Settings

    settings = Settings()  # the pool the server will have, so the baseline gets the same one
    env = dict(os.environ)
    env.update(
        SXVIS_DATABASE_URL=database_url,
        SXVIS_DB_POOL_SIZE=str(settings.db_pool_size),
        SXVIS_DB_MAX_OVERFLOW=str(settings.db_max_overflow),
        # Development: tokens are signed with the data folder's key, which `bench_token` uses too.
        SXVIS_MODE="development",
        SXVIS_DATA_DIR=str(data_dir),  # the dev signing key and the pseudonym key live here
        SXVIS_LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
    )
    return env


def bench_token(data_dir: Path) -> str:
    """A development token for a social worker of SXA, signed with `data_dir`'s key (made if missing),
    which is the key `sxvis serve` verifies with when started with SXVIS_DATA_DIR = `data_dir`."""
    from datetime import timedelta

    from authz.authentication import issue_dev_token
    from sxvis.config import Mode, Settings

    settings = Settings(data_dir=data_dir, mode=Mode.DEVELOPMENT)
    return issue_dev_token(
        settings,
        user=BENCH_USER,
        agency=AGENCY,
        roles=["social_worker"],
        name="Benchmark",
        ttl=timedelta(hours=24),
    )


# --- the database ---------------------------------------------------------------------------------


def masked(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


async def ensure_database(url: str) -> None:
    """Create the database of an external server's URL if it does not exist yet."""
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(
            "--database-url must name a database, e.g. postgresql://postgres@127.0.0.1/sxvis_bench"
        )
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    conn = await asyncpg.connect(admin)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name.replace(chr(34), "")}"')
            print(f"created database {name}", file=sys.stderr)
    finally:
        await conn.close()


async def registry_counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        counts: dict[str, int] = {}
        for table in ("persons", "households", "circumstances", "enrollments"):
            try:
                counts[table] = int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
            except asyncpg.UndefinedTableError:
                counts[table] = 0
        return counts
    finally:
        await conn.close()


def seed(url: str, *, target: int, seed_value: int, data_dir: Path) -> dict[str, Any]:
    """Top the registry up to `target` persons with `sxvis seed --persons` and time it."""
    before = asyncio.run(registry_counts(url))["persons"]
    missing = target - before
    report: dict[str, Any] = {"persons_before": before, "persons_added": max(0, missing)}
    if missing <= 0:
        if missing < 0:
            print(
                f"note: the registry holds {before:,} persons, more than --persons {target:,}",
                file=sys.stderr,
            )
        return report
    print(f"seeding {missing:,} persons ({before:,} there) …", file=sys.stderr)
    command = [sxvis_command(), "seed", "--persons", str(missing), "--seed", str(seed_value)]
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603
        command,
        env=child_env(url, data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    sys.stderr.write(completed.stdout[-2000:])
    if completed.returncode != 0:
        raise RuntimeError(f"sxvis seed failed with {completed.returncode}")
    report.update(wall_seconds=wall, wall_persons_per_second=missing / wall)
    # The command's own figure leaves out interpreter start-up, migrations and the catalogue.
    own = re.search(r"in ([\d.]+) s \(([\d,]+) persons/s\)", completed.stdout)
    if own:
        report.update(load_seconds=float(own[1]), persons_per_second=float(own[2].replace(",", "")))
    return report


def pair_up(url: str, data_dir: Path) -> None:
    """Migrate, then bring the duplicate pairs up to date (`sxvis duplicates refresh`) before the servers
    start: otherwise their background refresh would pair the persons just seeded (a full refresh, 1.5 s
    at 100,000 persons, 97 s at a million) during the first phase measured."""
    env = child_env(url, data_dir)
    for command in (["db", "upgrade"], ["duplicates", "refresh"]):
        done = subprocess.run(  # noqa: S603
            [sxvis_command(), *command], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
            raise RuntimeError(f"sxvis {' '.join(command)} failed with {done.returncode}")


# --- samples --------------------------------------------------------------------------------------


@dataclass
class Samples:
    fin_lookup: list[Probe]
    name_search: list[Probe]
    page_50_nested: list[Probe]
    page_first: list[Probe]
    page_deep: list[Probe]
    notes: dict[str, Any]


def graphql_body(document: str, variables: dict[str, Any]) -> bytes:
    return orjson.dumps({"query": document, "variables": variables})


def spellings(last_name: str, first_name: str) -> dict[str, str]:
    from sxvis.seed.names import CYRILLIC_SPELLINGS

    latin = f"{last_name} {first_name}"
    ascii_ = latin.translate(ASCII_LETTERS)
    root = last_name[:-1] if last_name.endswith(("ova", "eva")) else last_name
    known = CYRILLIC_SPELLINGS.get(root)
    if known is not None:
        surname = known if root == last_name else known + "а"
    else:
        surname = last_name.lower().translate(CYRILLIC_LETTERS).capitalize()
    cyrillic = f"{surname} {first_name.lower().translate(CYRILLIC_LETTERS).capitalize()}"
    return {"latin": latin, "ascii": ascii_, "cyrillic": cyrillic}


def page_probe(after: tuple[str, Any] | None, first_fin: str) -> Probe:
    """A page of 50 after the person at (sort_key, id), or the first page: each target's cursor of that
    person (the product's, the baseline's query string, PostGraphile's), and the FIN it must start with."""
    from sxvis.pagination import encode_cursor  # the API's own cursors

    if after is None:
        return Probe(
            graphql_body(PAGE_50_NESTED, {"after": None}),
            "/page",
            first_fin,
            peer=graphql_body(peer.PAGE_50_NESTED, {"after": None}),
        )
    key, last_id = after
    return Probe(
        graphql_body(PAGE_50_NESTED, {"after": encode_cursor(key, last_id)}),
        "/page?" + urllib.parse.urlencode({"after_key": key, "after_id": str(last_id)}),
        first_fin,
        peer=graphql_body(peer.PAGE_50_NESTED, {"after": peer.cursor(key, last_id)}),
    )


async def sample(url: str, *, seed_value: int, fins: int, searches: int, pages: int) -> Samples:
    """FINs that exist, names in three spellings, page starts anywhere and deep in the listing, drawn
    with a fixed seed, among the persons the benchmark's caller sees (`DISCLOSED`)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT setseed($1)", (seed_value % 1000) / 1000)
        fin_rows = await conn.fetch(
            f"SELECT fin FROM persons WHERE {DISCLOSED} ORDER BY random() LIMIT $1", fins
        )
        fin_probes = [
            Probe(
                graphql_body(FIN_LOOKUP, {"fin": r[0]}),
                f"/person?fin={r[0]}",
                r[0],
                peer=graphql_body(peer.FIN_LOOKUP, {"fin": r[0]}),
            )
            for r in fin_rows
        ]

        by_fold: dict[str, set[str]] = {}
        for r in await conn.fetch("SELECT DISTINCT last_name, sxvis_fold(last_name) FROM persons"):
            by_fold.setdefault(r[1], set()).add(r[0])
        people = await conn.fetch(
            f"SELECT last_name, first_name FROM persons WHERE {DISCLOSED} ORDER BY random() LIMIT $1",
            searches,
        )
        search_probes: list[Probe] = []
        dropped: Counter[str] = Counter()
        for last_name, first_name in people:
            accepted = frozenset(by_fold[await conn.fetchval("SELECT sxvis_fold($1)", last_name)])
            variants = spellings(last_name, first_name)
            folds = await conn.fetch(
                "SELECT k, sxvis_fold(v) FROM unnest($1::text[], $2::text[]) AS s(k, v)",
                list(variants),
                list(variants.values()),
            )
            folded = dict(folds)
            for label, text in variants.items():
                if folded[label] != folded["latin"]:
                    dropped[label] += 1
                    continue
                query = urllib.parse.urlencode({"text": text})
                search_probes.append(
                    Probe(
                        graphql_body(NAME_SEARCH, {"text": text}),
                        f"/search?{query}",
                        accepted,
                        f"{label}:{text}",
                    )
                )

        page_rows = await conn.fetch(
            f"""
            SELECT sort_key, id, next_fin FROM (
                SELECT sort_key, id, lead(fin) OVER (ORDER BY sort_key, id) AS next_fin FROM persons
                WHERE {DISCLOSED}
            ) AS ordered
            WHERE next_fin IS NOT NULL ORDER BY random() LIMIT $1
            """,
            pages,
        )
        page_probes = [page_probe((r[0], r[1]), r[2]) for r in page_rows]
        # Drawn after the samples above, so those stay what earlier runs drew with the same seed.
        first_fin = await conn.fetchval(
            f"SELECT fin FROM persons WHERE {DISCLOSED} ORDER BY sort_key, id LIMIT 1"
        )
        deep_rows = await conn.fetch(
            f"""
            SELECT sort_key, id, next_fin, position, total FROM (
                SELECT sort_key, id, lead(fin) OVER (ORDER BY sort_key, id) AS next_fin,
                       row_number() OVER (ORDER BY sort_key, id) AS position, count(*) OVER () AS total
                FROM persons WHERE {DISCLOSED}
            ) AS ordered
            WHERE next_fin IS NOT NULL AND position > $2::float8 * total ORDER BY random() LIMIT $1
            """,
            pages,
            DEEP_FROM,
        )
        deep_probes = [page_probe((r[0], r[1]), r[2]) for r in deep_rows]
    finally:
        await conn.close()
    spelled = Counter(p.label.split(":")[0] for p in search_probes)
    depths = sorted(r[3] for r in deep_rows)
    return Samples(
        fin_probes,
        search_probes,
        page_probes,
        [page_probe(None, first_fin)] if first_fin is not None else [],
        deep_probes,
        {
            "fins": len(fin_probes),
            "searches": dict(spelled),
            "spellings_dropped": dict(dropped),
            "pages": len(page_probes),
            "deep_pages": len(deep_probes),
            "deep_page_positions": {
                "min": depths[0] if depths else None,
                "median": depths[len(depths) // 2] if depths else None,
                "of": deep_rows[0][4] if deep_rows else None,
            },
        },
    )


def same_answers(
    samples: Samples,
    urls: dict[str, str],
    authorization: str,
    operations: Sequence[str] = OPERATIONS,
    per_operation: int = 25,
) -> None:
    """Every target must give the same data for the same question, or the ratios compare nothing. The
    peer's answers are compared in the product's names (`peer.as_product`): the same persons, fields,
    enrollments in the same order, and an end cursor at the same person."""
    with httpx.Client(timeout=600) as client:
        for operation in operations:
            targets = [t for t in TARGETS if t in urls and t != "baseline"]
            targets = [t for t in targets if t in GRAPHQL_TARGETS or operation in peer.OPERATIONS]
            for probe in getattr(samples, operation)[:per_operation]:
                bare = client.get(f"{urls['baseline']}{probe.baseline}").json()
                for target in targets:
                    headers = graphql_headers(authorization if target in GRAPHQL_TARGETS else "")
                    response = client.post(
                        f"{urls[target]}/graphql", content=probe.body(target), headers=headers
                    )
                    if response.status_code != 200:
                        status, text = response.status_code, response.text[:500]
                        raise RuntimeError(f"{operation}: {target} answered HTTP {status}: {text}")
                    ours = response.json()
                    if target == PEER:
                        ours = peer.as_product(operation, ours)
                    if ours != bare:
                        asked = probe.label or probe.baseline
                        raise RuntimeError(
                            f"{operation}: {target} and the baseline disagree for {asked}:\n"
                            f"{target}:  {json.dumps(ours, ensure_ascii=False)[:1500]}\n"
                            f"baseline: {json.dumps(bare, ensure_ascii=False)[:1500]}"
                        )
                    reason = check(operation, probe.expect, ours)
                    if reason is not None:
                        raise RuntimeError(
                            f"{operation}: {target}: {reason} for {probe.label or probe.baseline}"
                        )


# --- the machine ----------------------------------------------------------------------------------


def worker_token(data_dir: Path, agency: str) -> str:
    """A social worker's development token for `agency`, signed with the data folder's key (made if
    missing, so call it before a server starts on that folder)."""
    from datetime import timedelta

    from authz.authentication import issue_dev_token
    from sxvis.config import Mode, Settings

    settings = Settings(data_dir=data_dir, mode=Mode.DEVELOPMENT)
    return issue_dev_token(
        settings,
        user=f"bench-{agency.lower()}",
        agency=agency,
        roles=("social_worker",),
        ttl=timedelta(hours=2),
    )


def database_for(args: argparse.Namespace, stack: contextlib.ExitStack) -> tuple[str, dict[str, Any]]:
    """`--database-url` if given, else the embedded PostgreSQL in `--data-dir` (stopped with `stack`);
    the URL and what the report says of it."""
    if args.database_url:
        return args.database_url, {"kind": "external"}
    from sxvis.database.embedded import EmbeddedPostgres

    print(f"starting the embedded PostgreSQL in {args.data_dir} …", file=sys.stderr)
    embedded = EmbeddedPostgres(args.data_dir)
    url = embedded.start()
    stack.callback(embedded.stop)
    return url, {"kind": "embedded", "data_dir": str(args.data_dir)}


def write_report(report: dict[str, Any], out: Path, table: str) -> None:
    """The JSON beside the other results, and the Markdown table on the terminal."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(table)
    print(f"\nwritten to {out}")


def machine(url: str) -> dict[str, Any]:
    cpu_model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break

    async def server_version() -> str:
        conn = await asyncpg.connect(url)
        try:
            return str(await conn.fetchval("SELECT version()"))
        finally:
            await conn.close()

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)  # noqa: S603, S607
        return done.stdout.strip()

    packages = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "uvloop", "httptools",
                "sqlalchemy", "asyncpg", "orjson", "httpx", "pyjwt", "cryptography", "casbin")  # fmt: skip
    versions = {}
    for name in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return {
        "cpu_model": cpu_model,
        "logical_cores": psutil.cpu_count(logical=True),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "postgresql": asyncio.run(server_version()),
        "git_commit": git("rev-parse", "HEAD"),
        "git_modified": git("status", "--porcelain", "--untracked-files=no").splitlines(),
        "packages": versions,
    }


# --- the run --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000, help="registry size to seed up to")
    parser.add_argument(
        "--duration", type=float, default=20.0, help="seconds measured per operation and target"
    )
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="seconds of unmeasured load before each phase"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=1, help="worker processes of each server")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="request budget per phase")
    parser.add_argument(
        "--client",
        choices=("httpx", "raw"),
        default="raw",
        help="raw (default): prepared HTTP/1.1 that leaves the servers the shared CPU; httpx costs more "
        "CPU per request than the bare endpoint and caps both targets, faking a ratio near 1",
    )
    parser.add_argument("--operations", default=",".join(OPERATIONS), help="comma-separated subset")
    parser.add_argument(
        "--no-peer",
        action="store_true",
        help=f"leave out the {PEER} target (PostGraphile 4, measured when node and npm are present)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds a request may take before it counts as failed (a peer's deep page can take many)",
    )
    parser.add_argument("--out", type=Path, default=None, help="result JSON (default bench/results/…)")
    parser.add_argument(
        "--database-url", default=None, help="an external PostgreSQL instead of the embedded one"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=REPO / ".sxvis-data" / "bench", help="the embedded server's folder"
    )
    parser.add_argument("--seed", type=int, default=2026, help="seed of the data and of the samples")
    args = parser.parse_args(argv)
    args.operations = [op.strip() for op in args.operations.split(",") if op.strip()]
    unknown = set(args.operations) - set(OPERATIONS)
    if unknown:
        parser.error(f"unknown operations: {', '.join(sorted(unknown))}")
    if args.out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        args.out = BENCH / "results" / f"registry-{stamp}.json"
    return args


def postmaster_pid(url: str) -> int | None:
    """The postmaster is the parent of any backend; its descendants are all of PostgreSQL's processes."""

    async def parent_of_backend() -> int | None:
        conn = await asyncpg.connect(url)
        try:
            pid = int(await conn.fetchval("SELECT pg_backend_pid()"))
            try:
                return int(psutil.Process(pid).ppid())  # asked while the backend lives
            except psutil.Error:
                return None  # another machine's server: its CPU is not ours to count
        finally:
            await conn.close()

    return asyncio.run(parent_of_backend())


def sessions_opened(url: str) -> int:
    """Connections ever opened to the database (pg_stat_database.sessions, PostgreSQL 14+), less ours.

    Its growth over a phase shows a pool that closes and reopens connections under load."""

    async def count() -> int:
        conn = await asyncpg.connect(url)
        try:
            found = await conn.fetchval(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            )
            return int(found or 0)
        finally:
            await conn.close()

    return asyncio.run(count())


def run(args: argparse.Namespace, stack: contextlib.ExitStack) -> dict[str, Any]:
    started_at = datetime.now(UTC)
    load_at_start = os.getloadavg()  # the figures go into docs with the machine's load (issue 15)
    database: dict[str, Any]
    if args.database_url:
        url = args.database_url
        asyncio.run(ensure_database(url))
        database = {"kind": "external", "url": masked(url)}
    else:
        from sxvis.database.embedded import EmbeddedPostgres

        print(f"starting the embedded PostgreSQL in {args.data_dir} …", file=sys.stderr)
        embedded = EmbeddedPostgres(args.data_dir)
        url = embedded.start()
        stack.callback(embedded.stop)
        database = {"kind": "embedded", "data_dir": str(args.data_dir)}

    host = machine(url)  # before the servers start: the git state they run
    installed, peer_skipped = (None, "--no-peer") if args.no_peer else peer.install()
    if installed is None:
        print(f"PostGraphile is left out: {peer_skipped}", file=sys.stderr)
    else:
        host["packages"]["postgraphile"] = installed.version
        host["node"] = installed.node_version
    seeding = seed(url, target=args.persons, seed_value=args.seed, data_dir=args.data_dir)
    pair_up(url, args.data_dir)
    database["counts"] = asyncio.run(registry_counts(url))
    print(f"registry: {database['counts']}", file=sys.stderr)

    log_dir = Path(tempfile.mkdtemp(prefix="sxvis-bench-"))
    stack.callback(shutil.rmtree, log_dir, ignore_errors=True)
    env = child_env(url, args.data_dir)
    # Minted before the servers start: it creates the data folder's signing key if there is none yet,
    # and `sxvis serve` (SXVIS_DATA_DIR = the same folder) then verifies with that key.
    token = bench_token(args.data_dir)
    authorization = f"Bearer {token}"
    graphql_port, unguarded_port, baseline_port = free_port(), free_port(), free_port()
    graphql = Server(
        "graphql",
        [
            sxvis_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(graphql_port),
            "--workers",
            str(args.workers),
        ],
        env,
        log_dir,
    )
    stack.callback(graphql.stop)
    baseline = Server(
        "baseline",
        [sys.executable, "-m", "uvicorn", "baseline:create_app", "--factory", "--app-dir", str(BENCH),
         "--host", "127.0.0.1", "--port", str(baseline_port), "--workers", str(args.workers),
         "--no-access-log", "--log-level", "warning"],
        env,
        log_dir,
    )  # fmt: skip
    stack.callback(baseline.stop)
    urls = {
        "graphql": f"http://127.0.0.1:{graphql_port}",
        "unguarded": f"http://127.0.0.1:{unguarded_port}",
        "baseline": f"http://127.0.0.1:{baseline_port}",
    }
    graphql.wait_ready(f"{urls['graphql']}/readyz")
    # Only now: `sxvis serve` migrates the database before it listens, and the unguarded app does not.
    unguarded = Server(
        "unguarded",
        [sys.executable, "-m", "uvicorn", "unguarded:create_app_from_environment", "--factory",
         "--app-dir", str(BENCH), "--host", "127.0.0.1", "--port", str(unguarded_port),
         "--workers", str(args.workers), "--no-access-log", "--log-level", "warning", "--lifespan", "on"],
        env,
        log_dir,
    )  # fmt: skip
    stack.callback(unguarded.stop)
    unguarded.wait_ready(f"{urls['unguarded']}/readyz")
    baseline.wait_ready(f"{urls['baseline']}/healthz")
    servers = {"graphql": graphql, "unguarded": unguarded, "baseline": baseline}
    pool = int(env["SXVIS_DB_POOL_SIZE"]) + int(env["SXVIS_DB_MAX_OVERFLOW"])
    peer_command: list[str] = []
    if installed is not None:
        peer_port = free_port()
        peer_command = peer.command(installed, port=peer_port, pool=pool, workers=args.workers)
        postgraphile = Server(PEER, peer_command, peer.environment(env, url), log_dir, cwd=peer.FOLDER)
        stack.callback(postgraphile.stop)
        urls[PEER] = f"http://127.0.0.1:{peer_port}"
        postgraphile.wait_ready(f"{urls[PEER]}/graphql", post=b'{"query":"{__typename}"}')
        servers[PEER] = postgraphile
    print(
        ", ".join(f"{name} on {urls[name]} (pid {server.pid})" for name, server in servers.items()),
        file=sys.stderr,
    )

    samples = asyncio.run(sample(url, seed_value=args.seed, fins=2000, searches=200, pages=200))
    print(f"samples: {samples.notes}", file=sys.stderr)
    same_answers(samples, urls, authorization, args.operations)
    print(f"all {len(servers)} targets give the same answers", file=sys.stderr)

    load = LoadGenerator()
    stack.callback(load.close)
    postgres = CpuMeter(pid) if (pid := postmaster_pid(url)) is not None else None
    busy = MachineMeter()
    results: list[PhaseResult] = []
    for operation in args.operations:
        for target in TARGETS:
            if target not in servers or (target == PEER and operation not in peer.OPERATIONS):
                continue
            probes: list[Probe] = getattr(samples, operation)

            def spec(
                seconds: float, op: str = operation, to: str = target, ps: list[Probe] = probes
            ) -> PhaseSpec:
                return PhaseSpec(
                    op,
                    to,
                    urls[to],
                    ps,
                    args.concurrency,
                    seconds,
                    args.max_requests,
                    client=args.client,
                    timeout=args.timeout,
                    authorization=authorization if to in GRAPHQL_TARGETS else "",
                )

            load.run(spec(args.warmup))
            server = CpuMeter(servers[target].pid)
            sessions_before = sessions_opened(url)
            for meter in (server, postgres, busy):
                if meter is not None:
                    meter.start()
            result = load.run(spec(args.duration))
            result.server_cpu_seconds = server.stop()
            result.postgres_cpu_seconds = postgres.stop() if postgres is not None else 0.0
            result.machine_busy = busy.stop()
            # Whatever else ran on the machine meanwhile: it took CPU from one side of the comparison.
            ours = result.client_cpu_seconds + result.server_cpu_seconds + result.postgres_cpu_seconds
            all_busy = result.machine_busy * (psutil.cpu_count() or 1) * result.seconds
            result.extra["other_cpu_seconds"] = max(0.0, all_busy - ours)
            result.extra["connections_opened"] = sessions_opened(url) - sessions_before - 1
            result.extra["load_average_1min"] = os.getloadavg()[0]  # ours included
            results.append(result)
            latency = result.latency_ms
            print(
                f"{operation:<15} {target:<12} {result.requests_per_second:8.1f} req/s  "
                f"p50 {latency.get('p50', 0):7.1f} ms  p99 {latency.get('p99', 0):7.1f} ms  "
                f"failures {result.failures}",
                file=sys.stderr,
            )
    return {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": {"start": load_at_start, "end": os.getloadavg()},
        "config": {
            "persons": args.persons,
            "duration_seconds": args.duration,
            "warmup_seconds": args.warmup,
            "concurrency": args.concurrency,
            "workers": args.workers,
            "max_requests": args.max_requests,
            "seed": args.seed,
            "operations": args.operations,
            "client": f"1 process, asyncio + {args.client}, keep-alive, on the same machine (loopback)",
            "caller": {
                "user": BENCH_USER,
                "agency": AGENCY,
                "roles": ["social_worker"],
                "token": "development token (EdDSA), sent to graphql and unguarded (which ignores it)",
            },
            "targets": {
                "graphql": "sxvis serve: token, Casbin, scoped transaction as sxvis_app under RLS, "
                "access event in the reading statement",
                "unguarded": "bench/unguarded.py: the same app, access stack switched off, as the owner",
                PEER: f"PostGraphile {installed.version} {peer.DOES_NOT}"
                if installed is not None
                else f"left out: {peer_skipped}",
                "baseline": "bench/baseline.py: Starlette + asyncpg, no ORM, no GraphQL",
            },
            "peer": {
                "measured": installed is not None,
                "skipped": peer_skipped,
                "version": installed.version if installed is not None else None,
                "command": peer_command[2:],  # after node and the CLI's path; the URL is in DATABASE_URL
                "operations": [op for op in args.operations if op in peer.OPERATIONS],
            },
            "deep_page_from": DEEP_FROM,
            "pool_per_worker": {
                "size": int(env["SXVIS_DB_POOL_SIZE"]),
                "max_overflow": int(env["SXVIS_DB_MAX_OVERFLOW"]),
            },
        },
        "machine": host,
        "database": database,
        "seed": seeding,
        "samples": samples.notes,
        "documents": {
            "fin_lookup": FIN_LOOKUP,
            "name_search": NAME_SEARCH,
            "page_50_nested": PAGE_50_NESTED,  # page_first and page_deep too (no cursor / a deep one)
            PEER: {"fin_lookup": peer.FIN_LOOKUP, "pages": peer.PAGE_50_NESTED},
        },
        "results": [asdict(r) for r in results],
        "ratios": ratios(results, "graphql", "baseline"),  # the target's ratio, as before
        "ratios_graphql_unguarded": ratios(results, "graphql", "unguarded"),
        "ratios_unguarded_baseline": ratios(results, "unguarded", "baseline"),
        "ratios_graphql_postgraphile": ratios(results, "graphql", PEER),
        "ratios_postgraphile_baseline": ratios(results, PEER, "baseline"),
        "summary": summary(results),
    }


def ratios(results: Sequence[PhaseResult], over: str, under: str) -> dict[str, float]:
    """op → req/s of `over` / req/s of `under`, for the operations both were measured on."""
    by = {(r.operation, r.target): r.requests_per_second for r in results}
    return {
        op: by[(op, over)] / by[(op, under)] for op in OPERATIONS if by.get((op, under)) and (op, over) in by
    }


RATIOS = (
    ("graphql", "baseline"),
    ("graphql", "unguarded"),
    ("unguarded", "baseline"),
    ("graphql", PEER),
    (PEER, "baseline"),
)


def summary(results: Sequence[PhaseResult]) -> dict[str, dict[str, Any]]:
    """Per operation: the rates, the ratios that matter, and CPU per request of each server."""
    by = {(r.operation, r.target): r for r in results}
    out: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        found = {t: by[(op, t)] for t in TARGETS if (op, t) in by}
        if not found:
            continue
        row: dict[str, Any] = {f"{t}_rps": r.requests_per_second for t, r in found.items()}
        row.update(
            {
                f"{t}_server_cpu_ms_per_req": 1000 * r.server_cpu_seconds / (r.ok or 1)
                for t, r in found.items()
            }
        )
        for over, under in RATIOS:
            if found.get(under) and found[under].requests_per_second and over in found:
                row[f"{over}/{under}"] = found[over].requests_per_second / found[under].requests_per_second
        if op == "fin_lookup" and "graphql/baseline" in row:
            row["target"] = f"graphql/baseline >= {TARGET_FIN_RATIO}"
            row["target_met"] = row["graphql/baseline"] >= TARGET_FIN_RATIO
        if op in PEER_TARGETS and f"graphql/{PEER}" in row:
            row["peer_target"] = f"graphql/{PEER} >= {PEER_TARGETS[op]:.2f}"
            row["peer_target_met"] = row[f"graphql/{PEER}"] >= PEER_TARGETS[op]
        out[op] = row
    return out


def table(report: dict[str, Any]) -> str:
    """The results as Markdown tables (ready for docs/performance.md): per phase, then per operation."""
    lines = [
        "| operation | target | req/s | p50 ms | p99 ms | failures | server CPU ms/req "
        "| PostgreSQL CPU ms/req |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        ok = r["ok"] or 1
        lines.append(
            f"| {r['operation']} | {r['target']} | {r['requests_per_second']:,.0f} "
            f"| {r['latency_ms'].get('p50', 0):.1f} | {r['latency_ms'].get('p99', 0):.1f} | {r['failures']} "
            f"| {1000 * r['server_cpu_seconds'] / ok:.2f} | {1000 * r['postgres_cpu_seconds'] / ok:.2f} |"
        )

    def ratio(row: dict[str, Any], key: str) -> str:
        return f"{row[key]:.2f}" if key in row else ""

    def rate(row: dict[str, Any], target: str) -> str:
        key = f"{target}_rps"
        return f"{row[key]:,.0f}" if key in row else ""

    lines += [
        "",
        f"| operation | graphql req/s | unguarded req/s | {PEER} req/s | baseline req/s | graphql/baseline "
        f"| graphql/unguarded | unguarded/baseline | graphql/{PEER} | {PEER}/baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for op, row in report["summary"].items():
        mark = peer_mark = ""
        if "target_met" in row:
            mark = " ✔" if row["target_met"] else f" ✘ (target {TARGET_FIN_RATIO})"
        if "peer_target_met" in row:
            peer_mark = " ✔" if row["peer_target_met"] else f" ✘ (target {PEER_TARGETS[op]:.2f})"
        lines.append(
            f"| {op} | {rate(row, 'graphql')} | {rate(row, 'unguarded')} | {rate(row, PEER)} "
            f"| {rate(row, 'baseline')} | {ratio(row, 'graphql/baseline')}{mark} "
            f"| {ratio(row, 'graphql/unguarded')} | {ratio(row, 'unguarded/baseline')} "
            f"| {ratio(row, f'graphql/{PEER}')}{peer_mark} | {ratio(row, f'{PEER}/baseline')} |"
        )
    lines += ["", *(f"- {note}" for note in notes(report))]
    return "\n".join(lines)


def notes(report: dict[str, Any]) -> list[str]:
    """What the tables cannot say: what each target does, and what the peer leaves out or was left out for."""
    config = report["config"]
    samples = report["samples"]
    deep = samples.get("deep_page_positions") or {}
    pages = {
        "page_50_nested": "after a cursor sampled anywhere in the listing",
        "page_first": "the first page, no cursor",
        "page_deep": f"after a cursor in the listing's last {1 - DEEP_FROM:.0%} (positions from "
        f"{deep.get('min')} of {deep.get('of')}, median {deep.get('median')})",
    }
    measured = [op for op in pages if op in config["operations"]]
    host = report["machine"]
    persons = report["database"].get("counts", {}).get("persons", 0)
    load = report.get("load_average")
    loads = (
        f"load average {load['start'][0]:.1f} at the start, {load['end'][0]:.1f} at the end (the "
        "benchmark's own processes included)"
        if load
        else "load average not recorded"
    )
    found = [
        f"{host['cpu_model']}, {host['logical_cores']} cores; commit {host['git_commit'][:9]}"
        f"{' (modified)' if host['git_modified'] else ''}; {persons:,} persons; {loads}.",
        "graphql: the product, as a social worker of SXA (token, permissions, scoped transaction under "
        "row-level security, remit, access event per read); unguarded: the same app without that stack; "
        "baseline: hand-written SQL on asyncpg.",
    ]
    if measured:
        found.append("; ".join(f"{op}: {pages[op]}" for op in measured) + ".")
    if config["peer"]["measured"]:
        found.append(
            f"{PEER}: PostGraphile {config['peer']['version']} {peer.DOES_NOT}. Measured on "
            f"{', '.join(config['peer']['operations']) or 'nothing asked for'}."
        )
    else:
        found.append(f"{PEER}: left out ({config['peer']['skipped']}).")
    if PEER_TARGETS.keys() & set(report["summary"]):
        found.append(
            f"graphql/{PEER} targets (issue 15): page_deep > 1 (ahead of it), page_first >= 1/3 (within 3x)."
        )
    return found


def client_bound(report: dict[str, Any]) -> list[str]:
    """Phases where the load generator spent more CPU per request than the server it measured."""
    bound = [
        f"{r['operation']}/{r['target']}"
        for r in report["results"]
        if r["ok"] and r["client_cpu_seconds"] > r["server_cpu_seconds"]
    ]
    if not bound:
        return []
    return [
        f"the client needed more CPU per request than the server in {', '.join(bound)}; on shared cores "
        "it, not the server, set those rates, and the ratios lean towards 1. "
        "`--client raw` leaves the servers the CPU."
    ]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # a `kill` cleans up like Ctrl+C does
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even where a shell started us ignoring it
    try:
        with contextlib.ExitStack() as stack:
            report = run(args, stack)
    except KeyboardInterrupt:
        print("\ninterrupted; everything started was stopped", file=sys.stderr)
        return 130
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(report))
    for warning in client_bound(report):
        print(f"\nnote: {warning}", file=sys.stderr)
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
