"""The composition root of the web server: settings in, a Starlette app out (STYLE §8).

Only here (and in `sxvis.cli`) are the engine and the schema built. The app serves GraphQL at
`/graphql` (GraphiQL in development), `/healthz` (the process is up) and `/readyz` (the database answers
and is migrated to head).
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import structlog
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from resolvers.context import Context
from schema import build_schema
from sxvis import graphiql
from sxvis.actors import SYSTEM, Actor
from sxvis.config import Settings
from sxvis.database import Database, migrate
from sxvis.errors import ConfigurationError
from sxvis.graphql_http import GraphQLEndpoint

log = structlog.get_logger(__name__)


class GraphQLApp(GraphQL[Context, None]):
    """strawberry's ASGI view with our context and a faster JSON encoder."""

    def __init__(self, *, database: Database, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.is_production else "graphiql",
            allow_queries_via_get=False,  # reads will write access-log entries: no cross-site GET
            multipart_uploads_enabled=False,
        )
        self.database = database
        self.settings = settings

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(db=self.database, actor=self.actor_for(request), settings=self.settings)

    def actor_for(self, request: Request | WebSocket) -> Actor:
        # Authentication arrives with the access issue; until then development acts as the operator.
        return SYSTEM

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # strawberry's page, with its scripts from /static/graphiql instead of unpkg.com.
        return HTMLResponse(graphiql.local_page())


def create_app(settings: Settings, *, database: Database | None = None) -> Starlette:
    """The SXVİS web app. Pass `database` to share one (tests); otherwise it is opened from settings."""
    if settings.is_production:
        raise ConfigurationError(
            "Production mode needs authentication, which SXVİS does not have yet; "
            "run with SXVIS_MODE=development until it lands."
        )
    owned = database is None
    if database is None:
        if settings.database_url is None:
            raise ConfigurationError("No database: set SXVIS_DATABASE_URL, or start with `sxvis serve`.")
        database = Database(
            settings.database_url.get_secret_value(),
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
    db = database

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("sxvis.started", pid=os.getpid(), mode=settings.mode.value)
        yield
        if owned:
            await db.dispose()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            at_head = await migrate.is_at_head(db.engine)
        except Exception as err:
            return JSONResponse({"status": "unavailable", "database": type(err).__name__}, status_code=503)
        if not at_head:
            return JSONResponse({"status": "unavailable", "migrations": "behind head"}, status_code=503)
        return JSONResponse({"status": "ready"})

    graphql = GraphQLApp(database=db, settings=settings)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/graphql", GraphQLEndpoint(graphql)),
    ]
    if not settings.is_production:
        assets = StaticFiles(directory=graphiql.STATIC_DIR)
        routes.append(Mount(graphiql.STATIC_PREFIX, assets, name="graphiql"))
    return Starlette(routes=routes, lifespan=lifespan)


def create_app_from_environment() -> Starlette:
    """Factory for uvicorn workers: each reads the same SXVIS_* environment the parent prepared."""
    from sxvis.logging import configure

    settings = Settings()
    configure(settings)
    return create_app(settings)
