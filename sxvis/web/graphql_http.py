"""`/graphql`: the one door of every GraphQL operation, a POST with a JSON body, without detours.

strawberry's HTTP view handles every transport (GET, multipart uploads, incremental delivery, the IDE)
and pays for that generality on every request. Here the one case SXVİS serves is served directly:
authenticate the caller (`sxvis.web.gate`), read the body (bounded), decode it with orjson, execute,
log the operation's denials, encode with orjson. Execution has a wall-clock limit
(`SXVIS_REQUEST_TIMEOUT_SECONDS`): a request still running then is cancelled, logged and answered with
a `TIMEOUT` error; a mutation it cancels changes nothing (each mutation's transaction rolls back).
A browser's GET gets the GraphiQL page in development; every other GET, and every other content type,
is refused with a clear message.
Subscriptions come through the same door on a websocket: `sxvis.web.graphql_ws` serves them with the
same gate, context and denial logging.

Part of the composition root: it is built by `sxvis.web.app` and knows the schema and the context.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import structlog
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from authz.authentication import AuthenticationFailed, SigningKeysUnavailable
from authz.purposes import UnknownPurpose
from schema.errors import denial_of, mark_forbidden
from sxvis.access.denials import log_denials
from sxvis.actors import Actor
from sxvis.web.gate import Gate, with_operation
from sxvis.web.graphql_ws import LiveEndpoint

_log = structlog.get_logger("sxvis.graphql")

MAX_BODY_BYTES = 1_000_000
_ALLOWED = {OperationType.QUERY, OperationType.MUTATION}


class GraphQLEndpoint:
    """Every operation runs here: authenticated, then executed, then its denials logged.

    A GET from a browser gets the GraphiQL page in development; any other GET is refused.
    """

    def __init__(
        self,
        schema: Any,
        gate: Gate,
        context: Callable[[Actor], Awaitable[Any]],
        *,
        ide_page: str | None,
        live: LiveEndpoint | None = None,
    ) -> None:
        self.schema = schema
        self.gate = gate
        self.context = context
        self.ide_page = ide_page
        self.live = live

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # Subscriptions (graphql-transport-ws): authenticated in connection_init (`sxvis.web.graphql_ws`).
            if self.live is not None:
                await self.live.serve(scope, receive, send)
            else:
                await WebSocket(scope, receive=receive, send=send).close(code=1008)
            return
        if scope["type"] == "http" and scope["method"] == "POST" and not _is_json(scope):
            await _error(415, "Send GraphQL as JSON: Content-Type: application/json.")(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] != "POST" and not _wants_html(scope):
            # Operations only over POST: a cross-site GET must not be able to read or plant log entries.
            await _error(405, "Send GraphQL as a POST with a JSON body.")(scope, receive, send)
            return
        if scope["type"] != "http":
            await _error(404, "Not found.")(scope, receive, send)
            return
        if scope["method"] != "POST":
            # The GraphiQL page: development only; it reads no data, and its queries come back by POST.
            page = HTMLResponse(self.ide_page) if self.ide_page else _error(404, "Not found.")
            await page(scope, receive, send)
            return
        response = await self._execute(Request(scope, receive))
        await response(scope, receive, send)

    async def _execute(self, request: Request) -> Response:
        try:
            actor = await self.gate.actor(request)
        except AuthenticationFailed as err:
            return _unauthenticated(err)
        except SigningKeysUnavailable as err:
            return _error(503, f"Tokens cannot be verified now: {err}")
        except UnknownPurpose as err:
            return _error(400, str(err))
        body = await _read_body(request)
        if body is None:
            return _error(413, "The request body is larger than 1 MB.")
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _error(400, "Unable to parse request body as JSON")
        if isinstance(data, list):
            return _error(400, "Batching is not supported: send one operation per request.")
        if not isinstance(data, dict) or not isinstance(data.get("query"), str):
            return _error(400, "No GraphQL query found in the request")
        variables = data.get("variables")
        operation_name = data.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            return _error(400, "`variables` must be a JSON object.")
        if operation_name is not None and not isinstance(operation_name, str):
            return _error(400, "`operationName` must be a string.")
        actor = with_operation(actor, data["query"], operation_name)
        context = await self.context(actor)
        limit = context.settings.request_timeout_seconds
        started = time.monotonic()
        try:
            async with asyncio.timeout(limit):
                result = await self.schema.execute(
                    data["query"],
                    variable_values=variables,
                    context_value=context,
                    operation_name=operation_name,
                    allowed_operation_types=_ALLOWED,
                )
        except TimeoutError:
            # Cancelled: each open transaction rolled back as the cancellation left its `async with`.
            _log.warning(
                "graphql.request_timeout",
                operation=operation_name,
                user=actor.user_id,
                agency=actor.agency_code,
                limit_seconds=limit,
                elapsed_seconds=round(time.monotonic() - started, 3),
            )
            return _timed_out(limit)
        except InvalidOperationTypeError as err:
            return _error(400, err.as_http_error_reason("POST"))
        except CannotGetOperationTypeError as err:
            return _error(400, err.as_http_error_reason())
        denials = []
        for error in result.errors or ():
            denial = denial_of(error)
            if denial is not None:
                mark_forbidden(error)
                denials.append(denial)
        await log_denials(context.db, actor, denials)  # before the answer leaves; a failure here is a 500
        return Response(orjson.dumps(process_result(result)), media_type="application/json")


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type == b"application/json"
    return False


def _wants_html(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept":
            return b"text/html" in value
    return False


async def _read_body(request: Request) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, message: str) -> Response:
    return Response(message, status_code=status, media_type="text/plain")


def _timed_out(limit: float) -> Response:
    message = (
        f"The request ran longer than {limit:g} s and was stopped. A mutation still running then "
        "changed nothing; a mutation finished before it stays done."
    )
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": "TIMEOUT"}}]}
    return Response(orjson.dumps(body), status_code=503, media_type="application/json")


def _unauthenticated(err: AuthenticationFailed) -> Response:
    body = {
        "errors": [{"message": err.message, "extensions": {"code": "UNAUTHENTICATED", "reason": err.reason}}]
    }
    return Response(
        orjson.dumps(body),
        status_code=401,
        media_type="application/json",
        headers={"WWW-Authenticate": err.www_authenticate},
    )
