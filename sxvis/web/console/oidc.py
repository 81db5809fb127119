"""Production sign-in: OpenID Connect (authorization code with PKCE) through Authlib.

Configured by `SXVIS_OIDC_DISCOVERY_URL`, `SXVIS_OIDC_CLIENT_ID` and `SXVIS_OIDC_CLIENT_SECRET`.
Authlib does the protocol: discovery, the state and nonce (kept in the signed session), PKCE, the code
exchange, and the ID token's signature, issuer, audience and nonce. The console then keeps the
provider's **access token** as the session's token, and verifies it like every API caller's bearer
token (`SXVIS_JWKS_URL`, `SXVIS_JWT_ISSUER`, the `sxvis` audience, the `agency` and `roles` claims):
one rule for who may act, whichever door they came in by, and the session ends when that token does.
"""

import httpx
import structlog
from starlette.responses import RedirectResponse, Response

from authz.authentication import AuthenticationFailed, SigningKeysUnavailable
from sxvis.web.console import i18n
from sxvis.web.console.pages import TOKEN_KEY, Site, View

CLIENT = "sxvis"
CALLBACK = "/sign-in/callback"

log = structlog.get_logger(__name__)


def configured(site: Site) -> bool:
    settings = site.settings
    return settings.oidc_discovery_url is not None and settings.oidc_client_id is not None


def register(site: Site) -> None:
    if not configured(site):
        return
    # Imported only where single sign-on is configured: development never loads the OIDC client.
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.starlette_client import OAuth

    settings = site.settings
    oauth = OAuth()
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    oauth.register(
        CLIENT,
        server_metadata_url=settings.oidc_discovery_url,
        client_id=settings.oidc_client_id,
        client_secret=secret,
        client_kwargs={
            "scope": settings.oidc_scope,
            "code_challenge_method": "S256",
            # httpx's own 5 s: tight for a provider across a network, and CI once saw a loopback
            # provider's code exchange time out under load.
            "timeout": settings.oidc_timeout_seconds,
        },
    )
    client = oauth.create_client(CLIENT)

    @site.page("/sign-in/oidc", name="sign-in-oidc", public=True)
    async def start(view: View) -> Response:
        redirect_uri = str(view.request.base_url).rstrip("/") + CALLBACK
        response: Response = await client.authorize_redirect(view.request, redirect_uri)
        return response

    @site.page(CALLBACK, name="sign-in-callback", public=True)
    async def callback(view: View) -> Response:
        problem, status = "", 400
        try:
            answer = await client.authorize_access_token(view.request)
            token = str(answer.get("access_token") or "")
            await site.operations.gate.verifier.verify_async(token)
        except httpx.HTTPError as err:
            # The provider did not answer (down, slow, refused): the person is told, the operator logged.
            log.warning(
                "console.oidc_unreachable", error=type(err).__name__, provider=settings.oidc_discovery_url
            )
            problem = i18n.gettext("The identity provider cannot be reached now. Try again shortly.")
            status = 503
        except OAuthError:
            problem = i18n.gettext("The identity provider did not sign you in. Try again.")
        except AuthenticationFailed:
            problem = i18n.gettext("Your account has no role in SXVİS. Ask your agency's administrator.")
        except SigningKeysUnavailable:
            problem = i18n.gettext("Tokens cannot be checked now. Try again shortly.")
        if problem:
            return view.render(
                "sign_in.html",
                status_code=status,
                demo_users=(),
                ended=False,
                next="",
                errors={"": problem},
                typed="",
                oidc=True,
            )
        view.request.session.clear()
        view.request.session[TOKEN_KEY] = token
        return RedirectResponse("/", status_code=303)
