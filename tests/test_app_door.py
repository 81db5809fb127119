"""An operation (a POST to `/graphql`) goes straight to the GraphQL endpoint (`sxvis.web.app.App`);
everything else goes through Starlette's router and middleware as before."""

from collections.abc import AsyncIterator

import httpx
import pytest

from sxvis.config import Settings
from sxvis.database import Database
from sxvis.web.app import App, create_app
from sxvis.web.graphql_http import GraphQLEndpoint
from tests.conftest import Api


@pytest.fixture
async def app(db: Database, app_database: Database, settings: Settings) -> AsyncIterator[App]:
    built = create_app(settings, database=app_database)
    assert isinstance(built, App)
    yield built
    await built.state.gate.close()


def client(app: App, *, root_path: str = "") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, root_path=root_path)
    return httpx.AsyncClient(transport=transport, base_url="http://sxvis.test")


async def test_an_operation_is_answered_without_starlettes_router(app: App, settings: Settings) -> None:
    async with client(app) as http:
        result = await Api(http, settings).execute("{ services(first: 1) { edges { node { code } } } }")
    assert result.status == 200
    assert result.data["services"]["edges"]
    assert app.middleware_stack is None, "Starlette built no middleware stack: nothing went through it"


async def test_other_requests_go_through_starlette(app: App) -> None:
    async with client(app) as http:
        response = await http.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert app.middleware_stack is not None


async def test_an_operation_under_a_root_path_goes_through_starlette(app: App, settings: Settings) -> None:
    async with client(app, root_path="/sxvis") as http:
        token = Api(http, settings).headers
        response = await http.post("/sxvis/graphql", json={"query": "{ __typename }"}, headers=token)
    assert response.json() == {"data": {"__typename": "Query"}}
    assert app.middleware_stack is not None


async def test_a_failure_in_the_endpoint_is_a_plain_500(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: GraphQLEndpoint, request: object) -> None:
        raise RuntimeError("the endpoint broke")

    monkeypatch.setattr(GraphQLEndpoint, "_execute", broken)
    async with client(app) as http:
        response = await http.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
