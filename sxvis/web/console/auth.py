"""Signing in and out, the language switch, and the home page.

Development and the demo: choose a demo user (an agency and a role) and the console issues a token for
them with the development key, exactly as `sxvis token issue` does; or paste a token. Production (no
development key) accepts a pasted token from the identity provider; OpenID Connect sign-in is not built
yet (docs/console.md). Either way the session keeps only the token, in the signed, HTTP-only,
SameSite cookie, and every request verifies it again: the session ends when the token does.
"""

from dataclasses import dataclass
from datetime import timedelta

from starlette.responses import RedirectResponse, Response

from authz.authentication import AuthenticationFailed, SigningKeysUnavailable, issue_dev_token
from sxvis.web.console import i18n, oidc
from sxvis.web.console.pages import N_, TOKEN_KEY, Site, View, local_path

DEMO_TOKEN_HOURS = 8
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class DemoUser:
    key: str
    user: str
    name: str
    agency: str
    roles: tuple[str, ...]
    description: str  # a message id


DEMO_USERS = (
    DemoUser("sxa-worker", "leyla.sxa", "Leyla Həsənova", "SXA", ("social_worker",), N_("Social worker")),
    DemoUser(
        "sxa-manager",
        "rauf.sxa",
        "Rauf Əliyev",
        "SXA",
        ("social_worker", "case_manager"),
        N_("Case manager (may break the glass)"),
    ),
    DemoUser("dost-worker", "nigar.dost", "Nigar Quliyeva", "DOST", ("social_worker",), N_("Social worker")),
    DemoUser(
        "ngo-partner", "sevda.qadin", "Sevda Məmmədova", "NGO-QADIN", ("partner_agency",), N_("NGO partner")
    ),
    DemoUser("auditor", "kamran.audit", "Kamran Rzayev", "EESMN", ("auditor",), N_("Auditor")),
    DemoUser("operator", "elvin.ops", "Elvin Nəsirov", "VXSIDA", ("system_admin",), N_("Operator")),
)


def register(site: Site) -> None:
    @site.page("/", name="home", title=N_("Home"), nav=True)
    async def home(view: View) -> Response:
        return view.render("home.html")

    @site.page("/sign-in", name="sign-in", title=N_("Sign in"), public=True)
    async def sign_in_form(view: View) -> Response:
        ended = bool(view.request.session.pop("ended", False))
        return view.render(
            "sign_in.html",
            demo_users=_demo_users(site),
            ended=ended,
            next=view.query("next"),
            errors={},
            typed="",
            oidc=oidc.configured(site),
        )

    @site.page("/sign-in", name="sign-in", title=N_("Sign in"), methods=("POST",), public=True)
    async def sign_in(view: View) -> Response:
        demo = {user.key: user for user in _demo_users(site)}
        chosen = demo.get(view.field("demo"))
        token = view.field("token")
        if chosen is not None and not token:
            token = issue_dev_token(
                site.settings,
                user=chosen.user,
                agency=chosen.agency,
                roles=chosen.roles,
                name=chosen.name,
                ttl=timedelta(hours=DEMO_TOKEN_HOURS),
            )
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        errors: dict[str, str] = {}
        if not token:
            errors["token"] = i18n.gettext("Choose a user or paste a token.")
        else:
            try:
                await site.operations.gate.verifier.verify_async(token)
            except AuthenticationFailed:
                errors["token"] = i18n.gettext("This token is not valid or has expired.")
            except SigningKeysUnavailable:
                errors["token"] = i18n.gettext("Tokens cannot be checked now. Try again shortly.")
        if errors:
            return view.render(
                "sign_in.html",
                status_code=400,
                demo_users=_demo_users(site),
                ended=False,
                next=view.field("next"),
                errors=errors,
                typed=view.field("token"),
                oidc=oidc.configured(site),
            )
        # A new session on sign-in: nothing from before it (its CSRF token included) carries over.
        view.request.session.clear()
        view.request.session[TOKEN_KEY] = token
        return RedirectResponse(local_path(view.field("next")), status_code=303)

    @site.page("/sign-out", name="sign-out", methods=("POST",), public=True)
    async def sign_out(view: View) -> Response:
        view.request.session.clear()
        return RedirectResponse("/sign-in", status_code=303)

    @site.page("/language", name="language", methods=("POST",), public=True)
    async def language(view: View) -> Response:
        response = RedirectResponse(local_path(view.field("next")), status_code=303)
        response.set_cookie(
            i18n.COOKIE,
            i18n.chosen(view.field("language")),
            max_age=LANGUAGE_COOKIE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=site.settings.is_production,
        )
        return response


def _demo_users(site: Site) -> tuple[DemoUser, ...]:
    return () if site.settings.is_production else DEMO_USERS
