"""`GET /metrics`: Prometheus metrics, protected from the public.

Part of the composition root. A scrape needs `Authorization: Bearer <token>`, either the configured
`SXVIS_METRICS_TOKEN` (what a Prometheus server puts in its scrape config) or a user's token whose actor
holds `integration:status` (the operator view's permission). No token: 401; a token without the
permission: 403. The series (`integrations.metrics`): requests by adapter and outcome, latency
histograms, breaker state, and, read from the database at each scrape, outbox depth and dead letters.
"""

import hmac
from collections.abc import Awaitable, Callable

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from authz.authentication import AuthenticationFailed
from authz.purposes import UnknownPurpose
from integrations.breaker import CircuitState
from integrations.hub import Integrations
from integrations.metrics import BREAKER_STATE, OUTBOX_DEAD, OUTBOX_PENDING
from integrations.outbound import OUTBOUND
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.outbox import service as outbox
from sxvis.web.gate import Gate

log = structlog.get_logger(__name__)
_BREAKER_VALUES = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}


def metrics_endpoint(
    settings: Settings, gate: Gate, db: Database, integrations: Integrations | None
) -> Callable[[Request], Awaitable[Response]]:
    scraper_token = settings.metrics_token.get_secret_value().encode() if settings.metrics_token else None

    async def metrics(request: Request) -> Response:
        refusal = await _refusal(request, gate, scraper_token)
        if refusal is not None:
            return refusal
        clients = integrations.clients if integrations is not None else {}
        for name, client in clients.items():
            BREAKER_STATE.labels(name).set(_BREAKER_VALUES[client.breaker.state])
        ministries = sorted(set(clients) | set(OUTBOUND))
        async with db.reader() as session:
            rows = await session.execute(
                text("SELECT ministry, pending, dead FROM sxvis_outbox_status(CAST(:names AS text[]))"),
                {"names": ministries},
            )
            for row in rows:
                OUTBOX_PENDING.labels(row.ministry).set(row.pending)
                OUTBOX_DEAD.labels(row.ministry).set(row.dead)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return metrics


async def _refusal(request: Request, gate: Gate, scraper_token: bytes | None) -> Response | None:
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    scraper = scraper_token is not None and scheme.lower() == "bearer"
    if scraper and hmac.compare_digest(given.strip().encode(), scraper_token or b""):
        return None
    try:
        actor = await gate.actor(request)
    except AuthenticationFailed as err:
        response = JSONResponse({"error": err.message}, status_code=401)
        response.headers["WWW-Authenticate"] = err.www_authenticate
        return response
    except UnknownPurpose as err:
        return JSONResponse({"error": str(err)}, status_code=400)
    if not actor.may(outbox.STATUS):
        log.info("metrics.forbidden", user=actor.label)
        return JSONResponse({"error": f"Reading metrics needs {outbox.STATUS}."}, status_code=403)
    return None
