"""`POST /integrations/justice/release-notices`: the Ministry of Justice's signed webhook.

Part of the composition root. No bearer token: the HMAC signature under the justice key is the
authentication (`integrations.adapters.justice`). The answers:

- 202 `{"status": "accepted", "messageId"}`: processed; the circumstance is recorded if the registry holds
  the FIN, and kept as unmatched if not (the same answer either way, so the sender cannot probe who is in
  the registry);
- 401: bad or missing signature, or a timestamp outside the window (`SXVIS_JUSTICE_MAX_SKEW_SECONDS`);
- 409: a message id already processed (a replay);
- 400: a signed body that is not a release notice; 403: the policy no longer lets the ministry's
  machine client record circumstances; 503: no justice key is configured.

A refused notice writes nothing to the database (only a log line); an accepted one writes the message id,
the circumstance and an access event in one transaction, acting as the ministry's `integration` client
in agency EN (its permissions come from the policy like anyone's).
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from authz.principal import Principal
from integrations.adapters.justice import JusticeNotices, MalformedNotice
from integrations.errors import SignatureRejected
from integrations.hub import Integrations
from sxvis.access.denials import log_denials
from sxvis.actors import Origin
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.database.scope import RowScope
from sxvis.errors import AccessDenied, DomainError
from sxvis.inbound.release_notices import JUSTICE, Replayed, receive_release_notice
from sxvis.web.gate import Gate

PATH = "/integrations/justice/release-notices"
JUSTICE_MINISTRY = "justice"  # its settings key (`SXVIS_MINISTRY__JUSTICE__*`)
log = structlog.get_logger(__name__)


def notices_from(settings: Settings, integrations: Integrations | None) -> JusticeNotices | None:
    """The reader of release notices, if a key is configured for the Ministry of Justice."""
    justice = None if integrations is None else integrations.settings.ministry.get(JUSTICE_MINISTRY)
    if justice is None:
        return None
    return JusticeNotices(justice, max_skew_seconds=settings.justice_max_skew_seconds)


def release_notice_endpoint(
    gate: Gate, db: Database, notices: JusticeNotices | None
) -> Callable[[Request], Awaitable[Response]]:
    async def receive(request: Request) -> Response:
        if notices is None:
            return _answer(503, "unavailable", "No key is configured for the Ministry of Justice.")
        body = await request.body()
        path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        if request.url.query:
            path += f"?{request.url.query}"
        client = request.client.host if request.client else None
        try:
            sender, notice = notices.read(
                method=request.method, path=path, body=body, headers=request.headers
            )
        except SignatureRejected as err:
            log.warning("justice.release_notice.refused", reason=err.reason, client=client)
            return _answer(401, "signature_rejected", err.reason)
        except MalformedNotice as err:
            log.warning("justice.release_notice.malformed", error=str(err), client=client)
            return _answer(400, "malformed", "The body is not a release notice.")
        store = await gate.policy()
        principal = Principal(
            user_id=sender.user_id,
            agency_code=JUSTICE,
            roles=frozenset({"integration"}),
            name="Ministry of Justice",
            token_id=None,
            expires_at=datetime.now(UTC) + timedelta(minutes=1),
        )
        actor = store.current.actor_for(
            principal,
            Origin(request_id=sender.message_id[:64], client_address=client, purpose="DATA_EXCHANGE"),
        )
        try:
            async with db.scoped_session(RowScope.of(actor)) as session:
                received = await receive_release_notice(session, actor, sender=sender, notice=notice)
        except Replayed:
            log.warning("justice.release_notice.replayed", message_id=sender.message_id, client=client)
            return _answer(409, "replayed", "This message id was already received.")
        except AccessDenied as denied:
            await log_denials(db, actor, [denied])
            return _answer(403, "forbidden", denied.message)
        except DomainError as err:
            return _answer(400, "invalid", err.message)
        log.info(
            "justice.release_notice.accepted",
            message_id=received.message_id,
            outcome=received.outcome.value,
            sent_by=sender.user_id,
        )
        return JSONResponse({"status": "accepted", "messageId": received.message_id}, status_code=202)

    return receive


def _answer(status: int, code: str, message: str) -> Response:
    return JSONResponse({"status": "refused", "code": code, "message": message}, status_code=status)
