"""The GraphiQL page, with its scripts served by SXVİS rather than fetched from unpkg.com.

The page is strawberry's own, so it keeps up with strawberry; only the unpkg URLs are rewritten to
`/static/graphiql/…`. The page's subresource-integrity hashes stay, so the browser checks that the
local copies are the very files strawberry expects.
"""

import re
from functools import cache
from pathlib import Path

import strawberry

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


class MissingAsset(LookupError):
    """strawberry's page asks for a file SXVİS does not ship (strawberry was upgraded)."""


def strawberry_page() -> str:
    return (Path(strawberry.__file__).parent / "static" / "graphiql.html").read_text(encoding="utf-8")


@cache
def local_page() -> str:
    def local(match: re.Match[str]) -> str:
        wanted = match.group(1)
        if wanted not in _LOCAL:
            raise MissingAsset(f"the GraphiQL page asks for {wanted}; sxvis/web/static/graphiql lacks it")
        return f"{STATIC_PREFIX}/{_LOCAL[wanted]}"

    return _UNPKG.sub(local, strawberry_page())
