"""The development token GraphiQL offers: the low-privilege demo user, to a browser on this machine only.

The endpoint runs in a Starlette app over httpx's ASGI transport, which lets a test say which address
the request came from.
"""

import base64
import json
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from starlette.applications import Starlette
from starlette.routing import Route

from sxvis.config import Settings
from sxvis.web import graphiql
from sxvis.web.app import create_app

OFFER = {graphiql.TOKEN_REQUEST_HEADER: "offer"}


def claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


async def ask(
    settings: Settings,
    *,
    client: str = "127.0.0.1",
    host: str = "127.0.0.1:8000",
    headers: dict[str, str] = OFFER,
) -> httpx.Response:
    app = Starlette(routes=[Route(graphiql.TOKEN_PATH, graphiql.token_endpoint(settings))])
    transport = httpx.ASGITransport(app=app, client=(client, 50000))
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as http:
        return await http.get(graphiql.TOKEN_PATH, headers=headers)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(mode="development", data_dir=tmp_path)


async def test_a_browser_on_this_machine_is_offered_the_demo_users_token(settings: Settings) -> None:
    response = await ask(settings)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    scheme, token = response.json()["headers"]["Authorization"].split(" ")
    assert scheme == "Bearer"
    assert {k: claims(token)[k] for k in ("sub", "agency", "roles")} == {
        "sub": "demo-worker",
        "agency": "DOST-BAKI-1",
        "roles": ["social_worker"],
    }


async def test_the_demo_user_has_no_registry_wide_reading(settings: Settings) -> None:
    """A district centre's social worker: `registry:read` is granted to SXA, VXSİDA and EESMN only."""
    policy = (Path(__file__).parents[1] / "authz" / "policy.csv").read_text()
    grants = [line for line in policy.splitlines() if line.replace(" ", "").endswith(",registry,read")]
    assert grants
    assert not any(graphiql.DEMO_USER.agency in line or ", *," in line for line in grants)


async def test_another_machine_is_not_offered_a_token(settings: Settings) -> None:
    assert (await ask(settings, client="10.1.2.3")).status_code == 403


async def test_a_page_under_another_host_name_is_not_offered_a_token(settings: Settings) -> None:
    """DNS rebinding: evil.example resolving to 127.0.0.1 still says Host: evil.example."""
    assert (await ask(settings, host="evil.example:8000")).status_code == 403


async def test_a_request_without_graphiqls_header_is_not_offered_a_token(settings: Settings) -> None:
    """A cross-site page cannot add the header without a CORS preflight, which the server never answers."""
    assert (await ask(settings, headers={})).status_code == 403


async def test_localhost_and_ipv6_loopback_are_this_machine(settings: Settings) -> None:
    assert (await ask(settings, host="localhost:8000")).status_code == 200
    assert (await ask(settings, client="::1", host="[::1]:8000")).status_code == 200


async def test_production_has_no_token_route(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pem = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    monkeypatch.setenv("SXVIS_JWT_ISSUER", "https://id.example.az")
    monkeypatch.setenv("SXVIS_JWT_PUBLIC_KEY", pem.decode())
    app = create_app(
        Settings(mode="production", database_url="postgresql://x@localhost/x", data_dir=tmp_path)
    )
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        response = await http.get(graphiql.TOKEN_PATH, headers=OFFER)
    assert response.status_code == 404
    assert "Bearer" not in response.text
