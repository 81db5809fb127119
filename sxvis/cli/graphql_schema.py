"""`sxvis schema export`: the GraphQL SDL that CI keeps in step with the code."""

from pathlib import Path
from typing import Annotated

import typer

from sxvis.cli.common import console
from sxvis.config import Settings

schema_app = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "sxvis.graphql"


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
