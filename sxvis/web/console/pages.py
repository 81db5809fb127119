"""What every console page shares: who is signed in, the language, CSRF, the navigation, rendering.

A page is a route, a template and the GraphQL documents it runs. Register it with `@site.page(...)`:

```python
@site.page("/persons", name="persons", title=N_("Find a person"), permission="person:search", nav=True)
async def persons(view: View) -> Response:
    found = await view.run(SEARCH, text=view.query("q"))
    return view.render("persons.html", found=found.data)
```

The decorator does the rest, in this order, for every page:

1. the language: the `sxvis_lang` cookie (Azerbaijani when there is none);
2. the visitor: the token kept in the signed session cookie, verified again; a session whose token
   has expired (or no longer verifies) ends here, and the browser is sent to sign in again;
3. CSRF, for every POST: the form's `csrf_token` (or htmx's `X-CSRF-Token` header) must equal the
   session's (the synchronizer-token pattern; see `docs/console.md` for why not a library);
4. the permission the page needs (`permission=`, an `authz` action): a role without it gets a page
   saying so, in its language, and the refusal is logged like any GraphQL denial;
5. the handler, whose `view.run(...)` executes GraphQL as the visitor (`operations.Operations`).

The navigation lists the pages registered with `nav=True` whose permission the visitor's roles hold.
"""

import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import structlog
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from authz.authentication import AuthenticationFailed, SigningKeysUnavailable
from authz.principal import Principal
from sxvis.actors import Actor
from sxvis.config import Settings
from sxvis.errors import AccessDenied
from sxvis.web.console import i18n
from sxvis.web.console.labels import label
from sxvis.web.console.operations import OperationFailed, Operations, Outcome

log = structlog.get_logger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TOKEN_KEY = "token"  # noqa: S105 (the session key under which the token is kept)
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
STATIC_PREFIX = "/static/console"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown (`_()` in the template)."""
    return message


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    title: str  # an English message id, translated when shown
    permission: str | None  # the action the visitor's roles must permit; None: any signed-in user
    nav: bool


Handler = Callable[["View"], Awaitable[Response]]


@dataclass
class View:
    """One request to one page: the visitor, their language, the form, and helpers to run and render."""

    site: "Site"
    page: Page
    request: Request
    principal: Principal | None
    actor: Actor | None
    form: FormData | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    async def run(self, document: str, **variables: Any) -> Outcome:
        if self.principal is None:
            raise RuntimeError("a public page runs no GraphQL")
        return await self.site.operations.run(self.principal, self.request, document, **variables)

    def path_id(self, name: str = "id") -> str:
        """An API id from the path, as `url_id` wrote it."""
        return api_id(str(self.request.path_params[name]))

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else default

    def render(self, template: str, *, status_code: int = 200, **context: Any) -> Response:
        return self.site.render(self.request, template, view=self, status_code=status_code, **context)

    def redirect(self, path: str) -> Response:
        if self.request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": path})
        return RedirectResponse(path, status_code=303)


class Site:
    """The console's pages, its templates and what they share."""

    def __init__(self, settings: Settings, operations: Operations) -> None:
        self.settings = settings
        self.operations = operations
        self.pages: list[Page] = []
        self.routes: list[Route] = []
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            autoescape=jinja2.select_autoescape(default=True),
            extensions=["jinja2.ext.i18n"],
            undefined=jinja2.StrictUndefined,
        )
        environment.install_gettext_callables(  # type: ignore[attr-defined]
            i18n.gettext, i18n.ngettext, newstyle=True
        )
        environment.filters |= {
            "when": i18n.when,
            "day": i18n.day,
            "number": i18n.number,
            "label": label,
            "url_id": url_id,
        }
        environment.filters |= {"agency_options": agency_options, "options": options}
        self.templates = Jinja2Templates(env=environment)

    # --- registering pages -----------------------------------------------------------------------

    def page(
        self,
        path: str,
        *,
        name: str,
        title: str = "",
        permission: str | None = None,
        nav: bool = False,
        methods: Sequence[str] = ("GET",),
        public: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            page = Page(name=name, path=path, title=title, permission=permission, nav=nav)
            known = next((known for known in self.pages if known.name == name), None)
            if known is None:
                self.pages.append(page)
            elif known.path != path:  # one name, one page: a clash would drop a page from the menu
                raise ValueError(f"the page name {name!r} is taken by {known.path}")

            async def endpoint(request: Request) -> Response:
                return await self._serve(page, handler, request, public=public)

            self.routes.append(
                Route(path, endpoint, methods=list(methods), name=f"{name}:{'/'.join(methods)}")
            )
            return handler

        return register

    def navigation(self, actor: Actor | None) -> list[Page]:
        if actor is None:
            return []
        return [p for p in self.pages if p.nav and (p.permission is None or actor.may(p.permission))]

    # --- serving ----------------------------------------------------------------------------------

    async def _serve(self, page: Page, handler: Handler, request: Request, *, public: bool) -> Response:
        language = i18n.use(i18n.chosen(request.cookies.get(i18n.COOKIE)))
        try:
            view = View(site=self, page=page, request=request, principal=None, actor=None)
            if request.method == "POST":
                view.form = await request.form()
                if not self._csrf_ok(request, view.form):
                    log.warning("console.csrf.refused", path=request.url.path)
                    return self.error(
                        request, 403, i18n.gettext("This form has expired. Open the page again.")
                    )
            principal = await self.principal_of(request)
            if principal is None and not public:
                return _to_sign_in(request)
            if principal is not None:
                view.principal = principal
                view.actor = await self.operations.actor(principal, request)
                if page.permission is not None and not view.actor.may(page.permission):
                    try:
                        view.actor.require(page.permission)
                    except AccessDenied as denial:
                        await self.operations.refuse(principal, request, denial)
                    return view.render("forbidden.html", status_code=403)
            try:
                return await handler(view)
            except OperationFailed as err:
                log.error("console.operation.failed", page=page.name, errors=err.errors)
                return self.error(request, 500, i18n.gettext("Something went wrong. Try again later."))
        finally:
            i18n.reset(language)

    async def principal_of(self, request: Request) -> Principal | None:
        """The signed-in visitor, or None; a session whose token no longer verifies is ended."""
        token = request.session.get(TOKEN_KEY)
        if not isinstance(token, str):
            return None
        try:
            return await self.operations.gate.verifier.verify_async(token)
        except (AuthenticationFailed, SigningKeysUnavailable) as err:
            log.info("console.session.ended", reason=getattr(err, "reason", "unavailable"))
            request.session.pop(TOKEN_KEY, None)
            request.session["ended"] = True
            return None

    def _csrf_ok(self, request: Request, form: FormData) -> bool:
        expected = request.session.get(CSRF_KEY)
        given = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
        return (
            isinstance(expected, str)
            and isinstance(given, str)
            and secrets.compare_digest(expected.encode(), given.encode())
        )

    def render(
        self,
        request: Request,
        template: str,
        *,
        view: View | None = None,
        status_code: int = 200,
        **context: Any,
    ) -> Response:
        actor = view.actor if view is not None else None
        values = {
            "view": view,
            "page": view.page if view is not None else None,
            "actor": actor,
            "principal": view.principal if view is not None else None,
            "nav": self.navigation(actor),
            "language": i18n.current(),
            "languages": i18n.LANGUAGES,
            "csrf_token": csrf_token(request),
            "static": STATIC_PREFIX,
            "development": not self.settings.is_production,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        }
        return self.templates.TemplateResponse(request, template, values, status_code=status_code)

    def error(self, request: Request, status: int, message: str) -> Response:
        return self.render(request, "error.html", status_code=status, status=status, message=message)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use ("" outside the session middleware: a crash page)."""
    if "session" not in request.scope:
        return ""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def new_key() -> str:
    """An idempotency key for a form that creates something: a resubmission returns the same thing."""
    return uuid.uuid4().hex


def agency_options(agencies: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(code, name in the current language) for a list of agencies, for a <select>."""
    key = "nameAz" if i18n.current() == "az" else "nameEn"
    return [(agency["code"], f"{agency[key]} ({agency['code']})") for agency in agencies]


def options(messages: dict[str, str]) -> list[tuple[str, str]]:
    """(value, translated label) for an enum's labels (`labels.LABELS[kind]`), for a <select>."""
    return [(value, i18n.gettext(message)) for value, message in messages.items()]


def url_id(value: str) -> str:
    """An API id as a path segment: global ids are base64, whose `/` and `+` a path cannot carry; the
    URL-safe alphabet can, and pseudonyms (`~` and base32) never contain `-` or `_`."""
    return value.replace("+", "-").replace("/", "_")


def api_id(segment: str) -> str:
    return segment.replace("-", "+").replace("_", "/")


def local_path(value: str, default: str = "/") -> str:
    """`value` if it is a path on this site, else `default` (no open redirects)."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def _to_sign_in(request: Request) -> Response:
    target = "/sign-in?next=" + quote(local_path(request.url.path), safe="/")
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
