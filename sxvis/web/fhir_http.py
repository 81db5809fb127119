"""`GET /fhir/Task/{id}`: a referral as a FHIR R4 Task, authenticated and logged like GraphQL.

Part of the composition root. The same gate authenticates the caller; the read goes through the
referral service (permission, the agency's involvement, the access event) in a scoped transaction; the
person is referenced by the caller's agency's pseudonym. Not found and not yours answer alike (404).

The `{id}` is the Task's own `id`, the referral's bare UUID (a valid FHIR logical id, and the one FHIR
clients should keep); the GraphQL `Referral.id` (a global id) is accepted too, since it names the same
referral. (A referral's global id is the base64 of ASCII hex digits and dashes, which never yields `/`,
`+` or `=`, so it fits in the path as it is.)
"""

import traceback
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import structlog
from starlette.requests import Request
from starlette.responses import Response

from authz.authentication import AuthenticationFailed
from authz.purposes import UnknownPurpose
from schema.errors import database_facts
from schema.relay import parse_uuid
from sxvis.access.denials import log_denials
from sxvis.access.pseudonyms import PREFIX, Pseudonyms
from sxvis.database import Database
from sxvis.database.scope import RowScope
from sxvis.errors import AccessDenied, ValidationFailed
from sxvis.referrals import fhir
from sxvis.referrals import service as referrals
from sxvis.web.gate import Gate

FHIR_JSON = "application/fhir+json"
_log = structlog.get_logger("sxvis.fhir")


def task_endpoint(
    gate: Gate, db: Database, pseudonyms: Pseudonyms
) -> Callable[[Request], Awaitable[Response]]:
    async def task(request: Request) -> Response:
        try:
            actor = await gate.actor(request)
        except AuthenticationFailed as err:
            response = _outcome(401, "login", err.message)
            response.headers["WWW-Authenticate"] = err.www_authenticate
            return response
        except UnknownPurpose as err:
            return _outcome(400, "invalid", str(err))
        referral_id = task_id(request.path_params["id"])
        if referral_id is None:
            return _outcome(404, "not-found", "No Task has this id.")
        try:
            async with db.scoped_session(RowScope.of(actor)) as session:
                found = await referrals.get_referrals(
                    session, actor, ids=[referral_id], fields=fhir.TASK_FIELDS
                )
                history = await referrals.history_of(
                    session, actor, referral_ids=[referral_id], fields=fhir.OUTPUT_FIELDS
                )
        except AccessDenied as denied:
            await log_denials(db, actor, [denied])
            return _outcome(403, "forbidden", denied.message)
        except Exception as err:
            # As in GraphQL (`schema.errors`): a database error's text quotes values; the caller gets
            # the request id, the log the rest without values.
            _log.error(
                "fhir.unexpected_error",
                error_type=f"{type(err).__module__}.{type(err).__qualname__}",
                request_id=actor.origin.request_id,
                frames="".join(traceback.format_tb(err.__traceback__)),
                **database_facts(err),
            )
            return _outcome(
                500,
                "exception",
                f"Unexpected error; the server log has the details under request {actor.origin.request_id}.",
            )
        if not found:
            return _outcome(404, "not-found", "No Task has this id.")
        referral = found[0]
        patient = pseudonyms.public_id(referral.person_id, actor.agency_code).removeprefix(PREFIX)
        body = fhir.task_of(referral, history, patient_id=patient)
        return Response(orjson.dumps(body), media_type=FHIR_JSON)

    return task


def task_id(given: str) -> uuid.UUID | None:
    """The referral a Task id names: the Task's own `id` (the bare UUID, what FHIR clients should keep),
    or the GraphQL `Referral.id` (a global id), which names the same referral; None for anything else."""
    try:
        return uuid.UUID(given)
    except ValueError:
        pass
    try:
        return parse_uuid(given, type_name="Referral", field="id")
    except ValidationFailed:
        return None


def _outcome(status: int, code: str, message: str) -> Response:
    body: dict[str, Any] = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }
    return Response(orjson.dumps(body), status_code=status, media_type=FHIR_JSON)
