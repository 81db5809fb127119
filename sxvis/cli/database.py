"""`sxvis db`: Alembic migrations, the only way the database schema changes."""

from typing import TYPE_CHECKING, Annotated

import typer

from sxvis.cli.common import run_with_database

if TYPE_CHECKING:
    from sxvis.database import Database

db_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)


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

    # Never under a running server: its code expects the schema it started with.
    run_with_database(run, while_serving=False)
