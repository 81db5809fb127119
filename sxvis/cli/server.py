"""`sxvis serve`, `sxvis worker` and `sxvis seed`: the server, the outbox worker, the data they start from."""

import asyncio
import os
import signal
import threading
import time
from typing import TYPE_CHECKING, Annotated

import typer

from sxvis.cli.common import (
    console,
    database_url,
    fail,
    load_settings,
    on_database,
    progress_bar,
    run_with_database,
)
from sxvis.cli.simulate import start_demo_simulators
from sxvis.config import Settings
from sxvis.errors import SxvisError

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from sxvis.database import Database

_SERVE_PID = "SXVIS_SERVE_PID"  # set by `serve` for its uvicorn workers
# How long an orphaned worker's graceful shutdown may take before it is ended (see `_end_when_orphaned`).
ORPHAN_GRACE_SECONDS = 10.0


def create_app_in_worker() -> "Starlette":
    """uvicorn's app factory. In a worker process of `sxvis serve --workers N`, first make sure the worker
    ends with `serve` (a SIGTERM from the kernel, even if `serve` is killed -9): otherwise orphaned
    workers keep the port, and answer 500s without their database."""
    from sxvis.database.embedded import end_with_parent
    from sxvis.web.app import create_app_from_environment

    serve_pid = int(os.environ.get(_SERVE_PID, "0") or 0)
    is_worker = serve_pid != 0 and os.getpid() != serve_pid  # with one worker, uvicorn runs in `serve`
    if is_worker:
        if not end_with_parent(signal.SIGTERM, serve_pid):  # False: `serve` died meanwhile
            raise SystemExit("sxvis serve ended before this worker started")
        _end_when_orphaned(serve_pid)
    return create_app_from_environment()


def _end_when_orphaned(serve_pid: int) -> None:
    """The kernel's SIGTERM starts uvicorn's graceful shutdown, which waits for what is in flight: the
    worker's startup, its requests, its lifespan's closing (the database pool, the live inbox's
    listener), against a database that ended with `serve`. CI once saw a worker still alive 30 s after
    `serve` was killed -9. A worker whose `serve` is gone is ended `ORPHAN_GRACE_SECONDS` later, whatever
    it is waiting for. A normal stop never gets here: uvicorn's supervisor waits for its workers."""

    def watch() -> None:
        while os.getppid() == serve_pid:
            time.sleep(0.5)
        time.sleep(ORPHAN_GRACE_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="sxvis-orphan-watch", daemon=True).start()


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

        with progress_bar() as progress:
            task = progress.add_task("Seeding demo persons", total=demo_persons)
            report = await seed_demo(
                db, persons=demo_persons, seed=seed, on_progress=lambda n: progress.advance(task, n)
            )
        if report is None:
            console.print("The registry already holds persons; demo data left as it is.")
        else:
            console.print(f"Demo registry: {report.persons} persons in {report.households} households.")


def _print_development_token(settings: Settings) -> None:
    """Every request needs a token: hand the developer a low-privilege one, and say how to get others."""
    from sxvis.web.graphiql import DEMO_USER, development_token

    console.print(
        f"Every request needs a bearer token. A development token for {DEMO_USER.user}, "
        f"{DEMO_USER.description} (8 h):\n"
        f"  {development_token(settings)}\n"
        f"GraphiQL (http://{settings.host}:{settings.port}/graphql) puts it in its Headers tab for you.\n"
        "Other users and roles: sxvis token issue --user U --agency A --role R [--role R2] [--ttl 8h]",
        soft_wrap=True,
    )


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
        settings = load_settings(host=host, port=port, workers=workers)
        if settings.is_production:
            from authz.authentication import TokenVerifier

            TokenVerifier.from_settings(settings)  # refuses to start without a way to verify tokens
        with database_url(settings) as url:
            asyncio.run(on_database(url, lambda db: _prepare(db, demo=demo, demo_persons=2000, seed=seed)))
            os.environ["SXVIS_DATABASE_URL"] = url  # the workers read the same settings
            os.environ[_SERVE_PID] = str(os.getpid())
            if demo:
                start_demo_simulators(settings, seed=seed)  # a daemon thread: it ends with the server
                os.environ["SXVIS_OUTBOX_IN_PROCESS"] = "true"  # the server delivers the outbox itself
            console.print(
                f"SXVİS on http://{settings.host}:{settings.port}/ (the console; GraphQL at /graphql) "
                f"({settings.mode.value}, {settings.workers} worker(s)); Ctrl+C stops it."
            )
            if not settings.is_production:
                _print_development_token(settings)
            uvicorn.run(
                "sxvis.cli.server:create_app_in_worker",
                factory=True,
                host=settings.host,
                port=settings.port,
                workers=settings.workers,
                log_level=settings.log_level.value,
                access_log=False,
                lifespan="on",
            )
    except SxvisError as err:
        fail(err)


def worker() -> None:
    """Deliver the outbox to the ministries and retry pending checks, until SIGTERM or Ctrl+C.

    Connects as the database owner (SXVIS_DATABASE_URL) and to the ministries of SXVIS_MINISTRY__*.
    Several workers may run at once: each message is claimed by one (FOR UPDATE SKIP LOCKED).
    """
    from sxvis import worker as outbox_worker

    try:
        settings = load_settings()
        with database_url(settings) as url:
            asyncio.run(outbox_worker.main(settings, url))
    except SxvisError as err:
        fail(err)


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

            with progress_bar() as progress:
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
