"""What every `sxvis` command shares: settings, the database (configured or embedded), progress bars,
and the one way a command reports an error. Commands import this module; it imports no command.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
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
from sxvis.errors import SxvisError

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
def database_url(settings: Settings) -> Iterator[str]:
    """The configured server's URL, or the embedded server's for as long as the block runs."""
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    from sxvis.database.embedded import EmbeddedPostgres

    with EmbeddedPostgres(settings.data_dir) as server:
        yield server.url


async def on_database(url: str, work: Callable[["Database"], Awaitable[T]]) -> T:
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
        with database_url(load_settings()) as url:
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
