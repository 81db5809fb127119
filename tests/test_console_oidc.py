"""The console's production sign-in: OpenID Connect against a small provider started by the test, on
loopback, with SXVİS in production mode verifying the provider's tokens by its JWKS."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from integrations.simulators import SimulatorServer
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.web.app import create_app
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, User


@pytest.fixture
def served() -> Iterator[tuple[Provider, SimulatorServer]]:
    provider = Provider(issuer="", user=User("oidc-aysel", "Aysel Kərimova", "DOST", ["social_worker"]))
    with SimulatorServer(provider.app()) as server:
        provider.issuer = server.url
        yield provider, server


@pytest.fixture
def provider(served: tuple[Provider, SimulatorServer]) -> Provider:
    return served[0]


@pytest.fixture
async def console(
    provider: Provider, db: Database, app_database: Database, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("SXVIS_JWKS_URL", f"{provider.issuer}/jwks")
    monkeypatch.setenv("SXVIS_JWT_ISSUER", provider.issuer)
    settings = Settings(
        mode="production",
        data_dir=data_dir,
        oidc_discovery_url=f"{provider.issuer}/.well-known/openid-configuration",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_timeout_seconds=60,  # a loopback provider in a thread of a busy test process
    )
    app = create_app(settings, database=app_database)
    # https: the production session cookie is Secure.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://sxvis.test"
    ) as client:
        yield client
    await app.state.gate.close()


async def test_a_user_signs_in_through_the_identity_provider_and_acts_with_its_token(
    console: httpx.AsyncClient, provider: Provider
) -> None:
    page = await console.get("/sign-in")
    assert 'href="/sign-in/oidc"' in page.text
    assert 'name="demo"' not in page.text  # no demo users in production
    to_provider = await console.get("/sign-in/oidc")
    assert to_provider.status_code == 302
    asked = parse_qs(urlsplit(to_provider.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["nonce"]
    async with httpx.AsyncClient() as browser:  # the person's browser at the provider
        back = await browser.get(to_provider.headers["location"])
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/sign-in/callback"
    signed_in = await console.get(f"{callback.path}?{callback.query}")
    assert signed_in.status_code == 303, signed_in.text
    home = await console.get("/")
    assert "Aysel Kərimova" in home.text
    assert 'href="/referrals"' in home.text
    assert (await console.get("/referrals")).status_code == 200
    assert len(provider.exchanged) == 1


async def test_a_replayed_or_forged_callback_signs_nobody_in(console: httpx.AsyncClient) -> None:
    await console.get("/sign-in/oidc")
    forged = await console.get("/sign-in/callback?code=made-up&state=made-up")
    assert forged.status_code == 400
    assert "Kimlik təminatçısı" in forged.text
    assert (await console.get("/", follow_redirects=False)).status_code == 303


async def test_a_provider_that_stops_answering_before_the_callback_is_a_readable_error(
    console: httpx.AsyncClient, served: tuple[Provider, SimulatorServer]
) -> None:
    provider, server = served
    to_provider = await console.get("/sign-in/oidc")
    async with httpx.AsyncClient() as browser:
        back = await browser.get(to_provider.headers["location"])
    server.stop()  # the code exchange finds nobody listening
    callback = urlsplit(back.headers["location"])
    answer = await console.get(f"{callback.path}?{callback.query}")
    assert answer.status_code == 503
    assert "Kimlik təminatçısı ilə indi əlaqə yoxdur" in answer.text
    assert provider.exchanged == []
    assert (await console.get("/", follow_redirects=False)).status_code == 303  # nobody signed in
