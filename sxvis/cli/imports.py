"""`sxvis import persons`: load an agency's list of beneficiaries (CSV or JSON Lines) into the registry.

An operator command, run as the database owner (`sxvis.cli.common.run_with_database`); the work is
`sxvis.imports.service.import_persons`.
"""

import getpass
from pathlib import Path
from typing import Annotated

import typer

import_app = typer.Typer(help="Bulk imports into the registry.", no_args_is_help=True)


@import_app.command("persons")
def import_persons_command(
    file: Annotated[Path, typer.Argument(help="A CSV file (with a header) or JSON Lines (.jsonl).")],
    source: Annotated[str, typer.Option("--source", help="The agency whose list this is (its code).")],
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl (default: from the file's suffix).")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            help="Where to report the rows not imported (.csv, .json, .jsonl; default: beside FILE)."
        ),
    ] = None,
) -> None:
    """Validate every row, merge the good ones by FIN (insert or update), report the rest.

    Re-running the same file changes nothing. A new row whose name and birth date match a registered
    person is reported as a probable duplicate, not created.
    """
    from sxvis.cli.common import console, fail, progress_bar, run_with_database
    from sxvis.database import Database
    from sxvis.imports.rows import FileFormat, ImportFileError
    from sxvis.imports.service import ImportSummary, import_persons

    try:
        chosen = None if file_format is None else FileFormat(file_format.lower())
    except ValueError:
        fail(ImportFileError(f"Unknown format {file_format!r}: csv or jsonl."))
    total = _count_records(file)

    async def work(db: Database) -> ImportSummary:
        with progress_bar() as progress:
            task = progress.add_task(f"Importing {file.name}", total=total)

            def phase(name: str) -> None:
                progress.update(task, description=f"Importing {file.name}: {name}")

            return await import_persons(
                db,
                path=file,
                source=source.strip().upper(),
                run_by=f"operator:{getpass.getuser()}",
                file_format=chosen,
                report=report,
                on_rows=lambda n: progress.advance(task, n),
                on_phase=phase,
            )

    summary = run_with_database(work)
    console.print(
        f"Imported {summary.rows:,} rows for {source.upper()} in {summary.seconds:.1f} s "
        f"({summary.rows_per_second:,.0f} rows/s): {summary.inserted:,} inserted, {summary.updated:,} "
        f"updated, {summary.unchanged:,} unchanged, {summary.rejected:,} rejected, "
        f"{summary.duplicates:,} probable duplicates (import {summary.import_id}).",
        soft_wrap=True,
    )
    if summary.report is not None:
        console.print(f"Rows not imported, with line numbers and reasons: {summary.report}", soft_wrap=True)


def _count_records(path: Path) -> int | None:
    """Lines in the file, for the progress bar's total (a CSV's header excluded); None if unreadable."""
    try:
        with path.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return None
    return max(lines - 1, 0) if path.suffix.lower() == ".csv" else lines
