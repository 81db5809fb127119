"""The GraphiQL page, with its scripts served by SXVİS rather than fetched from unpkg.com.

The page is strawberry's own, so it keeps up with strawberry; only the unpkg URLs are rewritten to
`/static/graphiql/…`. The page's subresource-integrity hashes stay, so the browser checks that the
local copies are the very files strawberry expects.

Development only (neither the page nor `TOKEN_PATH` exists in production), the page asks `TOKEN_PATH`
for a token of `DEMO_USER` and puts it in GraphiQL's Headers tab, so that the first query works without
pasting anything; its opening text says who that user is and how to get a token for another. The
token is low-privilege on purpose: a social worker of one district centre, who sees only that centre's
remit (no registry-wide reading, no protected identities, no administration). It is handed only to a
browser on the same machine: the request must come from loopback, name a loopback host (no DNS
rebinding) and carry a header a cross-site page cannot send without a CORS preflight, which we never
answer.
"""

import ipaddress
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sxvis.config import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
STATIC_PREFIX = "/static/graphiql"

# unpkg path → local file name
_LOCAL = {
    "react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "react-dom@18.2.0/umd/react-dom.production.min.js": "react-dom.production.min.js",
    "graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": "plugin-explorer.umd.js",
    "@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
}
_UNPKG = re.compile(r"https://unpkg\.com/([^\"']+)")


TOKEN_PATH = "/graphiql/token"  # noqa: S105 (a route, not a secret)
TOKEN_REQUEST_HEADER = "x-sxvis-graphiql"  # noqa: S105


@dataclass(frozen=True)
class DemoUser:
    user: str
    agency: str
    role: str
    name: str
    description: str


# The user `sxvis serve` prints a token for and GraphiQL offers (development only).
DEMO_USER = DemoUser(
    user="demo-worker",
    agency="DOST-BAKI-1",
    role="social_worker",
    name="Demo social worker",
    description="a social worker of the DOST centre Baku-1, who sees only that centre's remit",
)


class MissingAsset(LookupError):
    """strawberry's page asks for a file SXVİS does not ship (strawberry was upgraded)."""


def development_token(settings: Settings) -> str:
    """A development token of `DEMO_USER` (8 hours); `issue_dev_token` refuses in production."""
    from authz.authentication import issue_dev_token

    return issue_dev_token(
        settings, user=DEMO_USER.user, agency=DEMO_USER.agency, roles=[DEMO_USER.role], name=DEMO_USER.name
    )


def token_endpoint(settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    """`GET TOKEN_PATH`: the demo user's token for the GraphiQL page, to a browser on this machine only."""

    async def offer(request: Request) -> Response:
        if settings.is_production or not _from_this_machine(request):
            return JSONResponse(
                {"error": "not offered"}, status_code=403, headers={"Cache-Control": "no-store"}
            )
        body = {
            "headers": {"Authorization": f"Bearer {development_token(settings)}"},
            "user": DEMO_USER.user,
            "agency": DEMO_USER.agency,
            "role": DEMO_USER.role,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    return offer


def _from_this_machine(request: Request) -> bool:
    if request.headers.get(TOKEN_REQUEST_HEADER) != "offer":
        return False  # a cross-site fetch cannot set it without a preflight
    try:
        if request.client is None or not ipaddress.ip_address(request.client.host).is_loopback:
            return False
    except ValueError:
        return False
    host = request.headers.get("host", "").rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name that merely resolves to loopback now may be a DNS-rebinding page


def strawberry_page() -> str:
    return (Path(strawberry.__file__).parent / "static" / "graphiql.html").read_text(encoding="utf-8")


@cache
def local_page() -> str:
    def local(match: re.Match[str]) -> str:
        wanted = match.group(1)
        if wanted not in _LOCAL:
            raise MissingAsset(f"the GraphiQL page asks for {wanted}; sxvis/web/static/graphiql lacks it")
        return f"{STATIC_PREFIX}/{_LOCAL[wanted]}"

    return _offer_token(_UNPKG.sub(local, strawberry_page()))


_WELCOME = f"""# SXVİS: the GraphQL API, in development mode (never in production).
#
# The Headers tab holds a development token for {DEMO_USER.user}: {DEMO_USER.description}
# (no registry-wide reading, no protected identities, no administration). Only a browser on the
# server's own machine is offered it. For another user or role, run
#
#     sxvis token issue --user aysel --agency DOST --role case_manager
#
# and put {{"Authorization": "Bearer <token>"}} in the Headers tab (it is kept there).
# Run a query with Ctrl-Enter or the play button; docs/api.md and the Docs pane describe the API.

{{ service(code: "09-03-00-00") {{ code nameEn totalDuration {{ value unit }} }} }}
"""

# GraphiQL keeps the Headers tab in localStorage: a token the user pasted stays; one we offered is
# replaced by a fresh one at each visit (tokens expire).
_OFFER_SCRIPT = """
      async function sxvisOfferToken() {
        try {
          const response = await fetch(%(path)s, { headers: { %(header)s: "offer" } });
          if (!response.ok) return;
          const offered = JSON.stringify((await response.json()).headers, null, 2);
          const kept = (localStorage.getItem("graphiql:headers") || "").trim();
          const lastOffer = localStorage.getItem("sxvis:offered-headers");
          if (!kept || kept === "{}" || kept === lastOffer) window.sxvisOfferedHeaders = offered;
          localStorage.setItem("sxvis:offered-headers", offered);
        } catch (error) {
          console.warn("SXVİS: no development token offered", error);
        }
      }
"""

_EDITS: tuple[tuple[re.Pattern[str], Callable[[], str]], ...] = (
    # the welcome text, instead of strawberry's
    (
        re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.S),
        lambda: f"const EXAMPLE_QUERY = {json.dumps(_WELCOME)};",
    ),
    # the offered headers, unless the URL gives some
    (
        re.compile(re.escape("React.useState(parameters.headers)")),
        lambda: "React.useState(parameters.headers || window.sxvisOfferedHeaders)",
    ),
    # ask for the token before GraphiQL starts
    (
        re.compile(re.escape("root.render(React.createElement(GraphiQLWithExplorer));")),
        lambda: (
            _OFFER_SCRIPT % {"path": json.dumps(TOKEN_PATH), "header": json.dumps(TOKEN_REQUEST_HEADER)}
            + "      sxvisOfferToken().finally(() => root.render(React.createElement(GraphiQLWithExplorer)));"
        ),
    ),
)


def _offer_token(page: str) -> str:
    for pattern, replacement in _EDITS:
        text = replacement()
        page, count = pattern.subn(lambda _: text, page, count=1)  # noqa: B023 (used at once)
        if count != 1:
            raise MissingAsset(f"the GraphiQL page changed: {pattern.pattern[:60]} not found")
    return page
