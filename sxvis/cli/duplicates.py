"""`sxvis duplicates refresh`: recompute the probable-duplicate pairs now (`sxvis.duplicates.pairs`).

The server does this by itself every `SXVIS_DUPLICATES_REFRESH_SECONDS` for the persons changed since;
an operator runs it after a large import (so reviewers need not wait), or with `--full` after changing
the matching rules. Runs as the database owner, with a progress bar over the birth years.
"""

from typing import Annotated

import typer

duplicates_app = typer.Typer(help="Probable-duplicate pairs of persons (the duplicateCandidates queue).")


@duplicates_app.command("refresh")
def refresh(
    full: Annotated[bool, typer.Option(help="Recompute every birth year, not only changed ones.")] = False,
) -> None:
    """Recompute the pairs of the persons changed since the last refresh (all of them with --full)."""
    from sxvis.cli.common import console, progress_bar, run_with_database
    from sxvis.database import Database
    from sxvis.duplicates.pairs import Refreshed
    from sxvis.duplicates.pairs import refresh as refresh_pairs

    async def work(db: Database) -> Refreshed:
        with progress_bar() as progress:
            task = progress.add_task("Pairing persons, a birth year at a time", total=None)
            return await refresh_pairs(
                db,
                full=full,
                on_start=lambda years: progress.update(task, total=years),
                on_year=lambda year: progress.advance(task),
            )

    done = run_with_database(work)
    if done.skipped:
        console.print("Another refresh is running (a server worker, or another command); try again later.")
        raise typer.Exit(1)
    what = "every birth year" if done.full else f"{done.years} birth year(s) of {done.changed} changed"
    console.print(f"Recomputed {what}: {done.pairs:,} probable duplicate pairs.")
