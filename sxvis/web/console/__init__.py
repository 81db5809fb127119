"""The web console: pages for people, beside `/graphql` for programs (issue 14).

`create_console(settings, operations)` builds a Starlette app that `sxvis.web.app` mounts at `/`, after
every other route. It holds the pages (`auth`, `people`, `referrals`; each a route, a template and the
GraphQL documents it runs, see `pages.Site.page`), their templates and translations, and its static
files (htmx, the stylesheet), served from the package so the console works on a closed network.

Sessions are Starlette's signed cookie (itsdangerous): HTTP-only, SameSite=Lax, Secure in production,
and they hold only the token; the key is `SXVIS_CONSOLE_SESSION_KEY`, or a key file in the data folder.
"""

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from sxvis import keyfiles
from sxvis.config import Settings
from sxvis.web.console import (
    applications,
    audit,
    auth,
    cases,
    i18n,
    oidc,
    operator,
    people,
    referrals,
    report,
)
from sxvis.web.console.operations import Operations
from sxvis.web.console.pages import STATIC_PREFIX, Site

__all__ = ["SESSION_COOKIE", "Operations", "Site", "create_console"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "sxvis_session"
SESSION_KEY_FILE = Path("keys") / "console-session.key"


def session_secret(settings: Settings) -> str:
    if settings.console_session_key is not None:
        return settings.console_session_key.get_secret_value()
    return keyfiles.read_or_create(settings.data_dir / SESSION_KEY_FILE)


def create_console(settings: Settings, operations: Operations) -> Starlette:
    site = Site(settings, operations)
    auth.register(site)
    oidc.register(site)
    people.register(site)
    cases.register(site)
    referrals.register(site)
    applications.register(site)
    audit.register(site)
    report.register(site)
    operator.register(site)

    async def not_found(request: Request, exc: Exception) -> Response:
        token = i18n.use(i18n.chosen(request.cookies.get(i18n.COOKIE)))
        try:
            status = exc.status_code if isinstance(exc, HTTPException) else 404
            if status == 405:
                return site.error(request, 405, i18n.gettext("This page cannot be used this way."))
            return site.error(request, 404, i18n.gettext("There is no such page."))
        finally:
            i18n.reset(token)

    async def server_error(request: Request, exc: Exception) -> Response:
        token = i18n.use(i18n.chosen(request.cookies.get(i18n.COOKIE)))
        try:
            return site.error(request, 500, i18n.gettext("Something went wrong. Try again later."))
        finally:
            i18n.reset(token)

    routes: list[BaseRoute] = [
        *site.routes,
        Mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=session_secret(settings),
                session_cookie=SESSION_COOKIE,
                max_age=None,  # a browser session; the token's own expiry ends it sooner (pages.Site)
                same_site="lax",
                https_only=settings.is_production,
            )
        ],
        exception_handlers={404: not_found, 405: not_found, 500: server_error},
    )
    app.state.site = site
    return app
