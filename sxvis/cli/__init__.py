"""The `sxvis` command: serve, db, seed, schema.

With no SXVIS_DATABASE_URL every command that needs a database starts the embedded PostgreSQL in the
data folder for as long as it runs, so the quick start needs nothing installed but the package.
"""

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import structlog
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sxvis.cli.audit import audit_app
from sxvis.cli.calendar import calendar_app
from sxvis.cli.duplicates import duplicates_app
from sxvis.cli.imports import import_app
from sxvis.cli.simulate import simulate_command, start_demo_simulators
from sxvis.cli.tokens import token_app
from sxvis.config import Settings
from sxvis.errors import SxvisError

if TYPE_CHECKING:
    from sxvis.database import Database

app = typer.Typer(help="SXVİS: the unified social-services information system.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(schema_app, name="schema")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(calendar_app, name="calendar")
app.add_typer(import_app, name="import")
app.add_typer(duplicates_app, name="duplicates")
app.command("simulate")(simulate_command)

console = Console(stderr=True)
T = TypeVar("T")
log = structlog.get_logger(__name__)

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "sxvis.graphql"


def _settings(**overrides: object) -> Settings:
    from sxvis.logging import configure

    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    configure(settings)
    return settings


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """The configured server's URL, or the embedded server's for as long as the block runs."""
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    from sxvis.database.embedded import EmbeddedPostgres

    with EmbeddedPostgres(settings.data_dir) as server:
        yield server.url


async def _on_database(url: str, work: Callable[["Database"], Awaitable[T]]) -> T:
    from sxvis.database import Database

    db = Database(url, pool_size=2, max_overflow=0)
    try:
        return await work(db)
    finally:
        await db.dispose()


def run_with_database(work: Callable[["Database"], Awaitable[T]]) -> T:
    """Resolve the database (configured, or the embedded one), run `work` on it, report errors in one
    line and exit 1. Every command that needs the database goes through here (`sxvis audit`,
    `sxvis calendar` too)."""
    try:
        with database_url(_settings()) as url:
            return asyncio.run(_on_database(url, work))
    except SxvisError as err:
        _fail(err)


async def _prepare(db: "Database", *, demo: bool, demo_persons: int, seed: int) -> None:
    """Migrate to head and install the catalogue; with `demo`, seed an empty registry."""
    from authz.store import seed_policies
    from sxvis.database import migrate
    from sxvis.seed.catalogue import install_catalogue

    await migrate.upgrade(db.engine)
    async with db.transaction() as session:
        await install_catalogue(session)
        await seed_policies(session)  # the first start only: afterwards the table is the operators'

    if demo:
        from sxvis.seed.demo import seed_demo

        with _progress() as progress:
            task = progress.add_task("Seeding demo persons", total=demo_persons)
            report = await seed_demo(
                db, persons=demo_persons, seed=seed, on_progress=lambda n: progress.advance(task, n)
            )
        if report is None:
            console.print("The registry already holds persons; demo data left as it is.")
        else:
            console.print(f"Demo registry: {report.persons} persons in {report.households} households.")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _print_development_token(settings: Settings) -> None:
    """Every request needs a token: hand the developer one, and say how to get others."""
    from authz.authentication import issue_dev_token

    token = issue_dev_token(settings, user="demo-worker", agency="SXA", roles=["social_worker"], name="Demo")
    console.print(
        "Every request needs a bearer token. A development token for a social worker of SXA (8 h):\n"
        f"  {token}\n"
        'In GraphiQL, open the Headers tab and paste {"Authorization": "Bearer <token>"}.\n'
        "Other users and roles: sxvis token issue --user U --agency A --role R [--role R2] [--ttl 8h]",
        soft_wrap=True,
    )


def _fail(err: Exception) -> NoReturn:
    console.print(f"[bold red]error:[/] {err}", soft_wrap=True)
    raise typer.Exit(1)


@app.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Seed demo data into an empty registry.")] = False,
    host: Annotated[str | None, typer.Option(help="Address to listen on (SXVIS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (SXVIS_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (SXVIS_WORKERS).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the demo data.")] = 2026,
) -> None:
    """Run the GraphQL server (migrating the database to head first)."""
    import uvicorn

    try:
        settings = _settings(host=host, port=port, workers=workers)
        if settings.is_production:
            from authz.authentication import TokenVerifier

            TokenVerifier.from_settings(settings)  # refuses to start without a way to verify tokens
        with database_url(settings) as url:
            asyncio.run(_on_database(url, lambda db: _prepare(db, demo=demo, demo_persons=2000, seed=seed)))
            os.environ["SXVIS_DATABASE_URL"] = url  # the workers read the same settings
            if demo:
                start_demo_simulators(settings, seed=seed)  # a daemon thread: it ends with the server
                os.environ["SXVIS_OUTBOX_IN_PROCESS"] = "true"  # the server delivers the outbox itself
            console.print(
                f"SXVİS on http://{settings.host}:{settings.port}/graphql "
                f"({settings.mode.value}, {settings.workers} worker(s)); Ctrl+C stops it."
            )
            if not settings.is_production:
                _print_development_token(settings)
            uvicorn.run(
                "sxvis.web.app:create_app_from_environment",
                factory=True,
                host=settings.host,
                port=settings.port,
                workers=settings.workers,
                log_level=settings.log_level.value,
                access_log=False,
                lifespan="on",
            )
    except SxvisError as err:
        _fail(err)


@app.command()
def worker() -> None:
    """Deliver the outbox to the ministries and retry pending checks, until SIGTERM or Ctrl+C.

    Connects as the database owner (SXVIS_DATABASE_URL) and to the ministries of SXVIS_MINISTRY__*.
    Several workers may run at once: each message is claimed by one (FOR UPDATE SKIP LOCKED).
    """
    from sxvis import worker as outbox_worker

    try:
        settings = _settings()
        with database_url(settings) as url:
            asyncio.run(outbox_worker.main(settings, url))
    except SxvisError as err:
        _fail(err)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: head)."""
    _run_migration("upgrade", revision)


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="e.g. -1, base, or a revision id")]) -> None:
    """Migrate the database down to REVISION."""
    _run_migration("downgrade", revision)


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and whether it is at head."""
    from sxvis.database import migrate

    async def show(db: "Database") -> None:
        current, head = await migrate.current(db.engine), migrate.head_revision()
        print(f"{current or '(none)'}{' (head)' if current == head else f' (head is {head})'}")

    run_with_database(show)


def _run_migration(action: str, revision: str) -> None:
    from sxvis.database import migrate

    async def run(db: "Database") -> None:
        if action == "upgrade":
            await migrate.upgrade(db.engine, revision)
        else:
            await migrate.downgrade(db.engine, revision)
        print(f"database at {await migrate.current(db.engine) or '(base)'}")

    run_with_database(run)


@app.command("seed")
def seed_command(
    demo: Annotated[bool, typer.Option(help="The demo registry (2,000 persons) if it is empty.")] = False,
    persons: Annotated[int, typer.Option(help="Add this many synthetic persons (COPY).", min=0)] = 0,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same persons.")] = 2026,
) -> None:
    """Load demo or scale data (deterministic for a given --seed)."""
    if not demo and persons == 0:
        console.print("Say what to seed: --demo, or --persons N.")
        raise typer.Exit(2)

    async def run(db: "Database") -> None:
        await _prepare(db, demo=demo, demo_persons=2000, seed=seed)
        if persons:
            from sxvis.seed.demo import seed_persons

            with _progress() as progress:
                task = progress.add_task("Loading persons", total=persons)
                report = await seed_persons(
                    db, count=persons, seed=seed, on_progress=lambda n: progress.advance(task, n)
                )
            console.print(
                f"Loaded {report.persons:,} persons, {report.households:,} households, "
                f"{report.circumstances:,} circumstances, {report.enrollments:,} enrollments "
                f"in {report.seconds:.1f} s ({report.persons_per_second:,.0f} persons/s)."
            )

    run_with_database(run)


@schema_app.command("export")
def schema_export(
    path: Annotated[Path, typer.Option(help="Where to write the SDL.")] = SCHEMA_FILE,
) -> None:
    """Write the GraphQL SDL (schema/sxvis.graphql); CI fails when it is out of step."""
    from schema import build_schema

    path.write_text(sdl(build_schema(Settings())), encoding="utf-8")
    console.print(f"wrote {path}")


def sdl(schema: object) -> str:
    return f"{str(schema).rstrip()}\n"


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
