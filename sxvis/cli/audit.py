"""`sxvis audit`: seal the access log, verify its chain, print the signed head.

The database is found exactly as for every other command (`sxvis.cli.common.run_with_database`: the
configured server, or the embedded one for as long as the command runs).
The signing key is read here, in the composition root: `SXVIS_AUDIT_KEY`, else the data folder's key.
"""

import os
import sys
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from sxvis.errors import SxvisError

audit_app = typer.Typer(help="The access log: seal, verify, and the signed chain head.", no_args_is_help=True)

_console = Console(stderr=True)
T = TypeVar("T")

AUDIT_KEY_VARIABLE = "SXVIS_AUDIT_KEY"


def _key() -> bytes:
    from sxvis.audit.heads import load_key
    from sxvis.cli.common import load_settings

    return load_key(load_settings().data_dir, os.environ.get(AUDIT_KEY_VARIABLE))


@audit_app.command("seal")
def seal(
    batch: Annotated[int, typer.Option(help="Events per transaction.", min=1)] = 5000,
    wait: Annotated[float, typer.Option(help="Seconds to wait for open writers.", min=0)] = 5.0,
) -> None:
    """Seal the events written so far into the hash chain; prints how many."""
    from sxvis.audit import seal_pending
    from sxvis.cli.common import run_with_database

    print(f"sealed {run_with_database(lambda db: seal_pending(db, batch=batch, wait=wait))} events")


@audit_app.command("verify")
def verify(
    head: Annotated[
        str | None, typer.Option(help="A head line kept earlier: the chain must still pass through it.")
    ] = None,
) -> None:
    """Recompute the chain; exit 1 naming the first altered, removed or inserted event."""
    from sxvis.audit import VerifyResult, check
    from sxvis.audit import verify as verify_chain
    from sxvis.cli.common import run_with_database

    known = None
    if head is not None:
        try:
            known = check(head, _key()).known
        except SxvisError as err:
            _console.print(f"[bold red]error:[/] {err}", soft_wrap=True)
            raise typer.Exit(1) from err

    result: VerifyResult = run_with_database(lambda db: verify_chain(db, known=known))
    print(result.describe())
    if not result.intact:
        raise typer.Exit(1)


@audit_app.command("head")
def head() -> None:
    """Print the signed chain head: one line for auditors to keep outside the database."""
    from sxvis.audit import head as signed_head
    from sxvis.cli.common import run_with_database

    key = _key()

    line = run_with_database(lambda db: signed_head(db, key))
    sys.stdout.write(line + "\n")


@audit_app.command("archive")
def archive(
    before: Annotated[str, typer.Option(help="Archive every month before this one (YYYY-MM).")],
    to: Annotated[
        str | None, typer.Option(help="Folder for the archive files (default: the data folder's archive/).")
    ] = None,
) -> None:
    """Detach, export and drop each month of the log before BEFORE, after verifying its stretch of the
    chain; the chain's head where it ends is kept, and `audit verify` goes on from there."""
    from pathlib import Path

    from sxvis.audit.partitions import archive as archive_months
    from sxvis.audit.partitions import month_of
    from sxvis.cli.common import load_settings, run_with_database

    try:
        first_kept = month_of(before)
    except SxvisError as err:
        _console.print(f"[bold red]error:[/] {err}", soft_wrap=True)
        raise typer.Exit(2) from err
    folder = Path(to) if to else load_settings().data_dir / "archive"
    user = os.environ.get("USER") or "operator"
    done = run_with_database(
        lambda db: archive_months(db, before=first_kept, folder=folder, archived_by=user)
    )
    if not done:
        print(f"nothing to archive before {before}")
    for month in done:
        print(
            f"archived {month.month:%Y-%m}: {month.events} events to {month.file}"
            f" (head {month.head_event_id}:{month.head_hash.hex()}, {month.stragglers} later events below it)"
        )
