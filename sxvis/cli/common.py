"""What every `sxvis` command shares: settings, the database (configured or embedded), progress bars,
and the one way a command reports an error. Commands import this module; it imports no command.
"""

import asyncio
import signal
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, NoReturn, TypeVar

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

from sxvis.config import Settings
from sxvis.errors import DataDirInUse, SxvisError

if TYPE_CHECKING:
    from sxvis.database import Database

console = Console(stderr=True)
T = TypeVar("T")


def load_settings(**overrides: object) -> Settings:
    from sxvis.logging import configure

    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    configure(settings)
    return settings


@contextmanager
def database_url(settings: Settings, *, while_serving: bool = False) -> Iterator[str]:
    """The configured server's URL, or the embedded server's for as long as the block runs.

    The embedded server is started in the data folder and stopped on every way out of the block: a
    return, an exception, Ctrl+C, SIGTERM (turned into SystemExit here, so the block unwinds); if the
    process is killed outright, the server stops itself (see `sxvis.database.embedded`).
    With `while_serving`, a folder held by a running `sxvis serve` is no refusal: the block gets that
    server's socket URL instead (commands that only read or add rows, never the schema).
    """
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    from sxvis.database.embedded import EmbeddedPostgres, running_server_url

    server = EmbeddedPostgres(settings.data_dir)
    with _sigterm_unwinds():
        try:
            server.start()
        except DataDirInUse:
            if not while_serving:
                raise
            shared = running_server_url(settings.data_dir)
        else:
            try:
                yield server.url
            finally:
                server.stop()
            return
        console.print(f"A running SXVİS holds {settings.data_dir}: using its database.", soft_wrap=True)
        yield shared


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM raises SystemExit(143) so that `finally` blocks run (uvicorn restores this handler and
    re-raises the signal after its graceful shutdown; Python's default would end the process at once)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_on_term(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


async def on_database(url: str, work: Callable[["Database"], Awaitable[T]]) -> T:
    from sxvis.database import Database

    db = Database(url, pool_size=2, max_overflow=0)
    try:
        return await work(db)
    finally:
        await db.dispose()


def run_with_database(work: Callable[["Database"], Awaitable[T]], *, while_serving: bool = True) -> T:
    """Resolve the database (configured, or the embedded one), run `work` on it, report errors in one
    line and exit 1. Every command that needs the database goes through here (`sxvis audit`,
    `sxvis calendar` too). While `sxvis serve` runs on the embedded database, the work runs on that
    server's database (unless `while_serving=False`: schema changes wait for the server to stop)."""
    try:
        with database_url(load_settings(), while_serving=while_serving) as url:
            return asyncio.run(on_database(url, work))
    except SxvisError as err:
        fail(err)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def fail(err: Exception) -> NoReturn:
    console.print(f"[bold red]error:[/] {err}", soft_wrap=True)
    raise typer.Exit(1)
