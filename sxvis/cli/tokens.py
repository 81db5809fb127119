"""`sxvis token issue`: a development token on stdout, so a shell can say `TOKEN=$(sxvis token issue …)`.

Only the token goes to stdout; notes and errors go to stderr. Production mode refuses: its tokens come
from the identity provider, and it never trusts the development key.
"""

import re
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console

from authz.auth_settings import AuthSettings
from authz.authentication import issue_dev_token
from authz.roles import Role
from sxvis.config import Settings
from sxvis.errors import SxvisError

token_app = typer.Typer(help="Development bearer tokens.", no_args_is_help=True)

_console = Console(stderr=True)
_TTL = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MAX_TTL = timedelta(days=30)


def parse_ttl(text: str) -> timedelta:
    """`8h`, `30m`, `1d` or `90s` as a `timedelta`; `typer.BadParameter` otherwise."""
    match = _TTL.fullmatch(text.strip())
    if match is None:
        raise typer.BadParameter(
            f"{text!r} is not a lifetime: write a number and a unit, e.g. 8h, 30m, 1d", param_hint="'--ttl'"
        )
    amount, unit = int(match[1]), match[2]
    ttl = timedelta(**{_UNITS[unit]: amount})
    if ttl <= timedelta(0):
        raise typer.BadParameter("the lifetime must be longer than zero", param_hint="'--ttl'")
    if ttl > MAX_TTL:
        raise typer.BadParameter(f"the lifetime may be at most {MAX_TTL.days}d", param_hint="'--ttl'")
    return ttl


@token_app.command("issue")
def issue(
    user: Annotated[str, typer.Option(help="The user id (the token's `sub`).")],
    agency: Annotated[str, typer.Option(help="The agency code, e.g. DOST.")],
    role: Annotated[list[Role], typer.Option(help="A role; repeat for more.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the user id).")] = None,
    ttl: Annotated[str, typer.Option(help="Lifetime: 8h, 30m, 1d …")] = "8h",
) -> None:
    """Print a development token (development mode only) for USER in AGENCY with ROLEs."""
    lifetime = parse_ttl(ttl)
    try:
        settings = AuthSettings.from_settings(Settings())
        if settings.is_production:
            _console.print(
                "[bold red]error:[/] `sxvis token issue` makes development tokens, which production "
                "refuses; in production, get a token from your identity provider.",
                soft_wrap=True,
            )
            raise typer.Exit(1)
        first_use = not settings.dev_key_path.exists()
        token = issue_dev_token(
            settings,
            user=user,
            agency=agency,
            roles=role,
            name=name,
            ttl=lifetime,
        )
    except SxvisError as err:
        _console.print(f"[bold red]error:[/] {err}", soft_wrap=True)
        raise typer.Exit(1) from None
    if first_use:
        _console.print(f"Created the development signing key {settings.dev_key_path}", soft_wrap=True)
    print(token)
