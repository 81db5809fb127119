"""`sxvis audit`: seal the access log, verify its chain, print the signed head.

The database is found exactly as for every other command (`sxvis.cli.database_url`: the configured
server, or the embedded one for as long as the command runs). `sxvis.cli` is imported inside each
command, not at the top, because `sxvis.cli` itself imports this module to register `audit_app`.
The signing key is read here, in the composition root: `SXVIS_AUDIT_KEY`, else the data folder's key.
"""

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from sxvis.errors import SxvisError

audit_app = typer.Typer(help="The access log: seal, verify, and the signed chain head.", no_args_is_help=True)

_console = Console(stderr=True)
T = TypeVar("T")

AUDIT_KEY_VARIABLE = "SXVIS_AUDIT_KEY"


def _run(work: Callable[[str], Coroutine[Any, Any, T]]) -> T:
    """Run `work(url)` against the configured (or embedded) database; errors become a clear exit 1."""
    from sxvis.cli import _settings, database_url

    try:
        with database_url(_settings()) as url:
            return asyncio.run(work(url))
    except SxvisError as err:
        _console.print(f"[bold red]error:[/] {err}", soft_wrap=True)
        raise typer.Exit(1) from err


def _key() -> bytes:
    from sxvis.audit.heads import load_key
    from sxvis.cli import _settings

    return load_key(_settings().data_dir, os.environ.get(AUDIT_KEY_VARIABLE))


@audit_app.command("seal")
def seal(
    batch: Annotated[int, typer.Option(help="Events per transaction.", min=1)] = 5000,
    wait: Annotated[float, typer.Option(help="Seconds to wait for open writers.", min=0)] = 5.0,
) -> None:
    """Seal the events written so far into the hash chain; prints how many."""
    from sxvis.audit import seal_pending
    from sxvis.database import Database

    async def work(url: str) -> int:
        db = Database(url, pool_size=2, max_overflow=0)
        try:
            return await seal_pending(db, batch=batch, wait=wait)
        finally:
            await db.dispose()

    print(f"sealed {_run(work)} events")


@audit_app.command("verify")
def verify(
    head: Annotated[
        str | None, typer.Option(help="A head line kept earlier: the chain must still pass through it.")
    ] = None,
) -> None:
    """Recompute the chain; exit 1 naming the first altered, removed or inserted event."""
    from sxvis.audit import VerifyResult, check
    from sxvis.audit import verify as verify_chain
    from sxvis.database import Database

    known = None
    if head is not None:
        try:
            known = check(head, _key()).known
        except SxvisError as err:
            _console.print(f"[bold red]error:[/] {err}", soft_wrap=True)
            raise typer.Exit(1) from err

    async def work(url: str) -> VerifyResult:
        db = Database(url, pool_size=1, max_overflow=0)
        try:
            return await verify_chain(db, known=known)
        finally:
            await db.dispose()

    result = _run(work)
    print(result.describe())
    if not result.intact:
        raise typer.Exit(1)


@audit_app.command("head")
def head() -> None:
    """Print the signed chain head: one line for auditors to keep outside the database."""
    from sxvis.audit import head as signed_head
    from sxvis.database import Database

    key = _key()

    async def work(url: str) -> str:
        db = Database(url, pool_size=1, max_overflow=0)
        try:
            return await signed_head(db, key)
        finally:
            await db.dispose()

    line = _run(work)
    sys.stdout.write(line + "\n")
