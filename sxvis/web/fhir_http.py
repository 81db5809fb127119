"""`GET /fhir/Task/{id}`: a referral as a FHIR R4 Task, authenticated and logged like GraphQL.

Part of the composition root. The same gate authenticates the caller; the read goes through the
referral service (permission, the agency's involvement, the access event) in a scoped transaction; the
person is referenced by the caller's agency's pseudonym. Not found and not yours answer alike (404).
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from authz.authentication import AuthenticationFailed
from authz.purposes import UnknownPurpose
from sxvis.access.denials import log_denials
from sxvis.access.pseudonyms import PREFIX, Pseudonyms
from sxvis.database import Database
from sxvis.database.scope import RowScope
from sxvis.errors import AccessDenied
from sxvis.referrals import fhir
from sxvis.referrals import service as referrals
from sxvis.web.gate import Gate

FHIR_JSON = "application/fhir+json"


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
        try:
            referral_id = uuid.UUID(request.path_params["id"])
        except ValueError:
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
        if not found:
            return _outcome(404, "not-found", "No Task has this id.")
        referral = found[0]
        patient = pseudonyms.public_id(referral.person_id, actor.agency_code).removeprefix(PREFIX)
        body = fhir.task_of(referral, history, patient_id=patient)
        return Response(orjson.dumps(body), media_type=FHIR_JSON)

    return task


def _outcome(status: int, code: str, message: str) -> Response:
    body: dict[str, Any] = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }
    return Response(orjson.dumps(body), status_code=status, media_type=FHIR_JSON)
