"""`/graphql` over a websocket: subscriptions (graphql-transport-ws), through the same door as a POST.

`sxvis.web.graphql_http.GraphQLEndpoint` hands a websocket to `LiveEndpoint`, which speaks the protocol with
strawberry's own handler and keeps the door's rules:

- Authentication in `connection_init`: the payload carries the token as `{"Authorization": "Bearer …"}`
  (the header's name and form) or `{"token": "…"}`, verified by the gate like a request's header. No
  token, or one that does not verify, closes the socket with 4403 (the protocol's refusal of a
  connection), its reason saying why; a `subscribe` before the connection is acknowledged closes it with
  4401 (strawberry). When the token's `exp` passes, the socket closes with 4403, events or not.
- Subscriptions only: queries and mutations are served by POST, where they are logged.
- Each subscription gets a context of its own (`LiveContext`), whose actor the resolver derives again
  under the current policy for each event; denials are logged (`log_denials`) before they are sent.

Part of the composition root: built by `sxvis.web.app`, it knows the schema, the gate and the context.
"""

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from graphql import GraphQLError
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema.base import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType
from strawberry.utils.aio import aclosing

from authz.authentication import AuthenticationFailed, SigningKeysUnavailable
from authz.principal import Principal
from authz.purposes import UnknownPurpose
from resolvers.context import Context
from resolvers.referral_events import LiveContext
from schema.errors import denial_of, mark_forbidden
from sxvis.access.denials import log_denials
from sxvis.actors import Actor
from sxvis.referrals.events import ReferralStream
from sxvis.web.gate import Gate, with_operation

REFUSED = 4403  # graphql-transport-ws: the server refuses the connection ("Forbidden")
TRY_AGAIN_LATER = 1013  # RFC 6455 registry: the server cannot verify tokens now
INIT_TIMEOUT = timedelta(seconds=10)
MAX_SUBSCRIPTIONS = 10
_MAX_REASON_BYTES = 123  # a close frame's reason (RFC 6455 §5.5)


@dataclass
class Connection:
    """One websocket: who is on it, once `connection_init` has proved it."""

    socket: WebSocket
    connection_params: dict[str, object] = field(default_factory=dict)  # set by strawberry's handler
    principal: Principal | None = None


class _Refused(Exception):
    """`connection_init` is refused: close with `code` and `reason`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def token_of(params: Mapping[str, object]) -> str | None:
    """The `Authorization` value a `connection_init` payload carries, in either accepted form."""
    for key in ("Authorization", "authorization"):
        value = params.get(key)
        if isinstance(value, str):
            return value
    token = params.get("token")
    if isinstance(token, str):
        return f"Bearer {token}"
    return None


class _Handler(BaseGraphQLTransportWSHandler[Connection, None]):
    """strawberry's graphql-transport-ws handler, with a refusal that says why, and an end at `exp`."""

    _expiry: "asyncio.Task[None] | None" = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except _Refused as refusal:
            await self.websocket.close(code=refusal.code, reason=_reason(refusal.reason))
            return
        principal = self.context.principal
        if self.connection_acknowledged and principal is not None and self._expiry is None:
            self._expiry = asyncio.create_task(self._end_at(principal.expires_at))

    async def _end_at(self, expires_at: datetime) -> None:
        await asyncio.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()))
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        await self.websocket.close(
            code=REFUSED, reason="Forbidden: the token expired; connect with a new one"
        )

    async def shutdown(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expiry
        await super().shutdown()


class _Subscriptions:
    """The schema as the socket sees it: subscriptions only, each run with a context of its own, and
    the denials in its results logged before they are sent."""

    def __init__(
        self, schema: BaseSchema, context_for: Callable[[Connection, str, str | None], Awaitable[LiveContext]]
    ) -> None:
        self.schema = schema
        self.context_for = context_for

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        **_: Any,
    ) -> AsyncGenerator[Any, None]:
        return self._results(
            query, variable_values, cast(Connection, context_value), root_value, operation_name
        )

    async def _results(
        self,
        query: str | None,
        variables: dict[str, Any] | None,
        connection: Connection,
        root_value: Any | None,
        operation_name: str | None,
    ) -> AsyncGenerator[Any, None]:
        context = await self.context_for(connection, query if isinstance(query, str) else "", operation_name)
        source = await self.schema.stream(
            query,
            variable_values=variables,
            context_value=context,
            root_value=root_value,
            operation_name=operation_name,
            allowed_operation_types=(OperationType.SUBSCRIPTION,),
        )
        async with aclosing(cast(AsyncIterator[Any], source)) as results:
            async for result in results:
                if isinstance(result, ExecutionResult) and result.errors:
                    await _log_denials(context, result.errors)
                yield result


async def _log_denials(context: LiveContext, errors: list[GraphQLError]) -> None:
    denials = []
    for error in errors:
        denial = denial_of(error)
        if denial is not None:
            mark_forbidden(error)
            denials.append(denial)
    await log_denials(context.db, context.actor, denials)


class LiveEndpoint(GraphQL[Connection, None]):
    """The websocket side of `/graphql`."""

    graphql_transport_ws_handler_class = _Handler

    def __init__(
        self,
        schema: BaseSchema,
        gate: Gate,
        context: Callable[[Actor], Awaitable[Context]],
        stream: ReferralStream,
    ) -> None:
        super().__init__(
            cast(BaseSchema, _Subscriptions(schema, self._context_for)),
            graphql_ide=None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=INIT_TIMEOUT,
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS,
        )
        self.gate = gate
        self.make_context = context
        self.stream = stream

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.run(WebSocket(scope, receive=receive, send=send))

    async def get_context(self, request: Any, response: Any) -> Connection:
        return Connection(socket=cast(WebSocket, request))

    async def on_ws_connect(self, context: Connection) -> UnsetType | dict[str, object] | None:
        try:
            context.principal = await self.gate.verifier.authenticate(token_of(context.connection_params))
            await self.gate.actor_of(context.principal, context.socket)  # the purpose header is valid
        except AuthenticationFailed as err:
            raise _Refused(REFUSED, f"Forbidden: {err.message}") from None
        except UnknownPurpose as err:
            raise _Refused(REFUSED, f"Forbidden: {err}") from None
        except SigningKeysUnavailable:
            raise _Refused(TRY_AGAIN_LATER, "Tokens cannot be verified now; try again later") from None
        return cast(UnsetType, UNSET)  # acknowledge without a payload

    async def _context_for(
        self, connection: Connection, query: str, operation_name: str | None
    ) -> LiveContext:
        principal = connection.principal
        if principal is None:  # strawberry runs no operation before the connection is acknowledged
            raise RuntimeError("a subscription on an unauthenticated socket")

        async def authorize() -> Actor:
            return with_operation(
                await self.gate.actor_of(principal, connection.socket), query, operation_name
            )

        base = await self.make_context(await authorize())
        return LiveContext.of(base, stream=self.stream, expires_at=principal.expires_at, authorize=authorize)


def _reason(text: str) -> str:
    encoded = text.encode()
    if len(encoded) <= _MAX_REASON_BYTES:
        return text
    return encoded[: _MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."
