"""The composition root of the web server: settings in, a Starlette app out (STYLE §8).

Only here (and in `sxvis.cli`) are the engine and the schema built. The app serves GraphQL at
`/graphql` (GraphiQL in development), `/healthz` (the process is up) and `/readyz` (the database answers
and is migrated to head). Every GraphQL operation needs a bearer token (`sxvis.web.gate`); the app connects
to PostgreSQL as the `sxvis_app` role, so row-level security holds behind every query. Subscriptions
come to the same `/graphql` on a websocket (`sxvis.web.graphql_ws`); each process keeps one LISTEN
connection for the live inbox (`sxvis.referrals.events.ReferralStream`).
"""

import asyncio
import gc
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from sqlalchemy import make_url, text
from starlette.applications import Starlette
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from integrations.hub import Integrations
from resolvers.context import Context
from schema import build_schema
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.actors import Actor
from sxvis.applications import escalation as application_escalation
from sxvis.audit import chain, partitions
from sxvis.catalogue.cache import ServiceCache
from sxvis.checks import Freshness, retry_forever
from sxvis.config import Settings
from sxvis.database import Database, migrate
from sxvis.database.scope import APP_ROLE
from sxvis.duplicates import pairs as duplicate_pairs
from sxvis.errors import ConfigurationError
from sxvis.referrals import escalation
from sxvis.referrals.events import ReferralStream
from sxvis.web import graphiql
from sxvis.web.console import Operations, create_console
from sxvis.web.fhir_http import task_endpoint
from sxvis.web.gate import Gate
from sxvis.web.graphql_http import GraphQLEndpoint
from sxvis.web.graphql_ws import LiveEndpoint
from sxvis.web.justice_http import PATH as RELEASE_NOTICES_PATH
from sxvis.web.justice_http import notices_from, release_notice_endpoint
from sxvis.web.metrics_http import metrics_endpoint
from sxvis.worker import in_process_worker

log = structlog.get_logger(__name__)


def app_database_url(settings: Settings, owner_url: str | None = None) -> str:
    """The URL the served app connects with: as `sxvis_app`, never as the owner (migration 0004)."""
    if settings.app_database_url is not None:
        return settings.app_database_url.get_secret_value()
    url = owner_url or (settings.database_url.get_secret_value() if settings.database_url else None)
    if url is None:
        raise ConfigurationError("No database: set SXVIS_DATABASE_URL, or start with `sxvis serve`.")
    return make_url(url).set(username=APP_ROLE, password=None).render_as_string(hide_password=False)


class App(Starlette):
    """SXVİS's Starlette app, with one door in front of the router: an operation (a POST to `/graphql`)
    goes straight to the GraphQL endpoint under Starlette's own `ServerErrorMiddleware` (a failure is a
    plain 500, raised on for the server to log), past the exception middleware and the router, which
    would find the same endpoint and have nothing to add (the endpoint raises no `HTTPException`). The
    router and middleware layers were 4 % of a FIN lookup's server time. Everything else, the GraphiQL
    page and the subscriptions' websocket at `/graphql` included, goes through Starlette as before; so
    does every request of an app given middleware of its own, or served under a root path."""

    def __init__(self, *, graphql: ASGIApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._operations = ServerErrorMiddleware(graphql, debug=self.debug)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == "/graphql"
            and not scope.get("root_path")
            and not self.user_middleware
        ):
            scope["app"] = self
            await self._operations(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def freeze_startup_heap() -> None:
    """Take what a worker built at start out of the cyclic garbage collector's sight (`gc.freeze`).

    The imported modules, the schema, SQLAlchemy's metadata and the policy are about 240,000 objects
    that live as long as the worker. Each full collection traversed them all, about 100 ms of the
    worker's time during which every request in flight waited, and under load full collections still
    come every few seconds (what requests in flight hold when a young collection runs is promoted, and
    enough promotions start a full one). Frozen, they are skipped: a full collection cost a quarter as
    much in `bench/registry.py`'s FIN phase. The collector never frees what is frozen, so this runs once,
    at the end of a server worker's start-up, and not in a process that builds many apps (the tests)."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    integrations: Integrations | None = None,
    freeze_heap: bool = False,
) -> Starlette:
    """The SXVİS web app. Pass `database` (connected as the app role) to share one (tests); otherwise
    it is opened from settings. Likewise `integrations` (the ministry clients): otherwise built from
    `SXVIS_MINISTRY__*` and closed when the app stops. `freeze_heap`: a server worker's app, the only
    one in its process, freezes what it built once it has started (`freeze_startup_heap`)."""
    owned = database is None
    owns_integrations = integrations is None
    hub = integrations if integrations is not None else Integrations.from_environment()
    freshness = Freshness.from_hours(settings.fact_freshness_hours)
    if database is None:
        database = Database(
            app_database_url(settings), pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )
    db = database
    gate = Gate(settings, db)
    pseudonym_key = settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else None
    pseudonyms = Pseudonyms.from_data_dir(settings.data_dir, pseudonym_key)
    referral_stream = ReferralStream(db.url)  # this process's one LISTEN, for the live inbox
    services = ServiceCache(db)  # the passports, shared by this process's requests (no personal data)

    async def context(actor: Actor) -> Context:
        return Context(
            db=db,
            actor=actor,
            settings=settings,
            pseudonyms=pseudonyms,
            policy=await gate.policy(),
            integrations=hub,
            services=services,
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("sxvis.started", pid=os.getpid(), mode=settings.mode.value)
        await gate.policy()
        referral_stream.start()
        sealer = asyncio.create_task(_seal_forever(settings), name="sxvis-audit-sealer")
        pairing = asyncio.create_task(_refresh_duplicates_forever(settings), name="sxvis-duplicate-pairs")
        # Checks a ministry could not answer are asked again until it does (sxvis.checks).
        checker = asyncio.create_task(
            retry_forever(db, hub, freshness=freshness, every_seconds=settings.check_retry_seconds),
            name="sxvis-check-retry",
        )
        outbox_stop = asyncio.Event()  # `serve --demo`: this process delivers the outbox too
        outbox = asyncio.create_task(in_process_worker(settings, hub, outbox_stop), name="sxvis-outbox")
        if freeze_heap:
            freeze_startup_heap()
        try:
            yield
        finally:
            sealer.cancel()
            pairing.cancel()
            checker.cancel()
            outbox_stop.set()
            await asyncio.gather(sealer, pairing, checker, outbox, return_exceptions=True)
            if owns_integrations:
                await hub.aclose()
            await referral_stream.close()
            await gate.close()
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

    ide_page = None if settings.is_production else graphiql.local_page()
    schema = build_schema(settings)
    live = LiveEndpoint(schema, gate, context, referral_stream)
    endpoint = GraphQLEndpoint(schema, gate, context, ide_page=ide_page, live=live)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/graphql", endpoint),
        WebSocketRoute("/graphql", endpoint),  # subscriptions, through the same door
        Route("/fhir/Task/{id}", task_endpoint(gate, db, pseudonyms), methods=["GET"]),
        Route("/metrics", metrics_endpoint(settings, gate, db, hub), methods=["GET"]),
        Route(
            RELEASE_NOTICES_PATH,
            release_notice_endpoint(gate, db, notices_from(settings, hub)),
            methods=["POST"],
        ),
    ]
    if not settings.is_production:
        assets = StaticFiles(directory=graphiql.STATIC_DIR)
        routes.append(Mount(graphiql.STATIC_PREFIX, assets, name="graphiql"))
        routes.append(Route(graphiql.TOKEN_PATH, graphiql.token_endpoint(settings), methods=["GET"]))
    # The console, for people: last, so that every route above is matched first.
    operations = Operations(schema, gate, context, referral_stream)
    routes.append(Mount("/", create_console(settings, operations), name="console"))
    app = App(routes=routes, lifespan=lifespan, graphql=endpoint)
    app.state.schema = schema  # what answers `/graphql` (its prepared documents: `schema.prepared`)
    app.state.gate = gate  # so that a host without a lifespan (the tests' transport) can close it
    app.state.integrations = hub  # the ministry clients: the outbox worker and the operator view use them
    return app


async def _refresh_duplicates_forever(settings: Settings) -> None:
    """Recompute the probable-duplicate pairs of the persons changed since, at start and then every
    `duplicates_refresh_seconds`, as the owner (`sxvis.duplicates.pairs`). A task of its own: the first
    refresh of a large registry takes a while, and sealing must not wait for it. Workers take turns
    under an advisory lock; a worker that finds it taken skips its turn."""
    if settings.database_url is None:
        return
    owner = Database(settings.database_url.get_secret_value(), pool_size=1, max_overflow=0)
    try:
        while True:
            try:
                done = await duplicate_pairs.refresh(owner)
                if done.years:
                    log.info("duplicates.refreshed", years=done.years, pairs=done.pairs)
            except Exception:
                log.exception("duplicates.refresh.failed")
            await asyncio.sleep(settings.duplicates_refresh_seconds)
    finally:
        await owner.dispose()


async def _seal_forever(settings: Settings) -> None:
    """The server's background work, as the owner, every few seconds:

    - seal new access events (the app role may not write seals; every worker runs a sealer, and they
      take turns under an advisory lock, so the chain stays in order);
    - make the access log's partitions for the coming months, once an hour (`sxvis.audit.partitions`);
    - escalate overdue urgent and emergency referrals (rows locked with SKIP LOCKED, so workers share);
    - escalate applications at risk of missing their E-sosial posting deadline (rule 5), likewise.
    """
    if settings.database_url is None:
        return
    owner = Database(settings.database_url.get_secret_value(), pool_size=1, max_overflow=0)
    partitions_due = 0.0
    try:
        while True:
            if time.monotonic() >= partitions_due:
                try:
                    ready = await partitions.ensure_partitions(owner)
                    partitions_due = time.monotonic() + (3600 if ready else 60)
                except Exception:
                    log.exception("audit.partitions.failed")
                    partitions_due = time.monotonic() + 60
            await asyncio.sleep(settings.audit_seal_seconds)
            try:
                await chain.seal_pending(owner)
            except Exception:
                log.exception("audit.seal.failed")
            try:
                async with owner.transaction() as session:
                    await escalation.escalate_overdue(session)
            except Exception:
                log.exception("referrals.escalation.failed")
            try:
                async with owner.transaction() as session:
                    await application_escalation.escalate_at_risk(session)
            except Exception:
                log.exception("applications.escalation.failed")
    finally:
        await owner.dispose()


def create_app_from_environment() -> Starlette:
    """Factory for uvicorn workers: each reads the same SXVIS_* environment the parent prepared."""
    from sxvis.logging import configure

    settings = Settings()
    configure(settings)
    return create_app(settings, freeze_heap=True)
