"""The `sxvis` command: one sub-command group per module, composed here.

With no SXVIS_DATABASE_URL every command that needs a database starts the embedded PostgreSQL in the
data folder for as long as it runs, so the quick start needs nothing installed but the package. What the
commands share is in `sxvis.cli.common`, which imports none of them.
"""

import sys

import typer

from sxvis.cli.audit import audit_app
from sxvis.cli.calendar import calendar_app
from sxvis.cli.database import db_app
from sxvis.cli.duplicates import duplicates_app
from sxvis.cli.graphql_schema import schema_app
from sxvis.cli.imports import import_app
from sxvis.cli.server import seed_command, serve, worker
from sxvis.cli.simulate import simulate_command
from sxvis.cli.tokens import token_app

app = typer.Typer(help="SXVİS: the unified social-services information system.", no_args_is_help=True)
app.command()(serve)
app.command()(worker)
app.command("seed")(seed_command)
app.add_typer(db_app, name="db")
app.add_typer(schema_app, name="schema")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(calendar_app, name="calendar")
app.add_typer(import_app, name="import")
app.add_typer(duplicates_app, name="duplicates")
app.command("simulate")(simulate_command)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
