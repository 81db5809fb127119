"""The console's GraphQL: the pages run the API's own operations, in process, as the signed-in user.

A page never calls a service: it sends a GraphQL document (a constant beside the page) through the
schema, with a context built exactly as the `/graphql` door builds one (`sxvis.web.gate.Gate.actor_of`,
then the app's context factory). So authorization, the remit, pseudonyms, field minimisation and the
access log apply unchanged, and a page can show nothing the API would not. Denials in a result are
given the `FORBIDDEN` code and logged (`log_denials`) before the page is rendered, as the door does.

Live updates run the `referralEvents` subscription itself (`subscribe`), with the websocket door's
`LiveContext`: the actor is derived again for every event and each delivery is logged.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from starlette.requests import HTTPConnection
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing

from authz.principal import Principal
from resolvers.context import Context
from resolvers.referral_events import LiveContext
from schema.errors import denial_of, mark_forbidden
from sxvis.access.denials import log_denials
from sxvis.actors import Actor
from sxvis.errors import AccessDenied
from sxvis.referrals.events import Inbox, ReferralStream
from sxvis.web.gate import Gate, with_operation

_PAGE_OPERATIONS = {OperationType.QUERY, OperationType.MUTATION}


class OperationFailed(Exception):
    """A document the console sent failed for a reason that is not a person's doing (a bug, a limit)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(error.get("message")) for error in errors))
        self.errors = errors


@dataclass
class Outcome:
    """What an operation answered: its data, and whether (and why) any of it was refused."""

    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def forbidden(self) -> bool:
        return any(_code(error) == "FORBIDDEN" for error in self.errors)

    @property
    def user_errors(self) -> list[dict[str, Any]]:
        """Query errors a person can cause (`BAD_USER_INPUT`: a malformed id, a search too short)."""
        return [error for error in self.errors if _code(error) == "BAD_USER_INPUT"]

    def payload(self, name: str) -> dict[str, Any]:
        """A mutation's payload; raises `OperationFailed` when the request itself failed."""
        value = self.data.get(name)
        if value is None or (self.errors and not self.forbidden):
            raise OperationFailed(self.errors)
        return value  # type: ignore[no-any-return]


class Operations:
    """Runs GraphQL documents for the console, as the signed-in user."""

    def __init__(
        self,
        schema: Any,
        gate: Gate,
        context: Callable[[Actor], Awaitable[Context]],
        stream: ReferralStream,
    ) -> None:
        self.schema = schema
        self.gate = gate
        self.context = context
        self.stream = stream

    async def actor(self, principal: Principal, connection: HTTPConnection) -> Actor:
        return await self.gate.actor_of(principal, connection)

    async def run(
        self, principal: Principal, connection: HTTPConnection, document: str, **variables: Any
    ) -> Outcome:
        """Execute one query or mutation; a denial in it is logged before this returns."""
        actor = with_operation(await self.actor(principal, connection), document, None)
        context = await self.context(actor)
        result = await self.schema.execute(
            document,
            variable_values=variables,
            context_value=context,
            allowed_operation_types=_PAGE_OPERATIONS,
        )
        await _log_denials(context, result.errors or [])
        errors = [error.formatted for error in result.errors or []]
        unexpected = [error for error in errors if _code(error) not in ("FORBIDDEN", "BAD_USER_INPUT")]
        if unexpected:
            raise OperationFailed(unexpected)
        return Outcome(data=result.data or {}, errors=errors)

    async def refuse(self, principal: Principal, connection: HTTPConnection, denial: AccessDenied) -> None:
        """Log a page's refusal (a role that may not open it) as the API logs its denials."""
        actor = await self.actor(principal, connection)
        await log_denials(self.gate.db, actor, [denial])

    async def subscribe(
        self,
        principal: Principal,
        connection: HTTPConnection,
        document: str,
        *,
        listening: asyncio.Event | None = None,
    ) -> AsyncIterator[Outcome]:
        """Run a subscription until the token expires or the caller stops; each result's denials logged.
        `listening` is set once the subscriber's inbox is registered on the stream: from then on no move
        is missed (the page may say so, and refresh once to catch what came before)."""

        async def authorize() -> Actor:
            return with_operation(await self.actor(principal, connection), document, None)

        base = await self.context(await authorize())
        stream = self.stream if listening is None else _Announcing(self.stream, listening)
        context = LiveContext.of(base, stream=stream, expires_at=principal.expires_at, authorize=authorize)
        source = await self.schema.subscribe(document, context_value=context)
        async with aclosing(source) as results:
            async for result in results:  # an ExecutionResult, or a PreExecutionError (same shape)
                errors = list(getattr(result, "errors", None) or [])
                await _log_denials(context, errors)
                data = getattr(result, "data", None) or {}
                yield Outcome(data=data, errors=[error.formatted for error in errors])


class _Announcing(ReferralStream):
    """The process's referral stream, telling one subscriber when its inbox is registered."""

    def __init__(self, stream: ReferralStream, listening: asyncio.Event) -> None:  # no super(): a view
        self._stream = stream
        self._listening_event = listening

    async def subscribe(self, actor: Actor) -> Inbox:
        inbox = await self._stream.subscribe(actor)
        self._listening_event.set()
        return inbox


async def _log_denials(context: Context, errors: list[GraphQLError]) -> None:
    denials = []
    for error in errors:
        denial = denial_of(error)
        if denial is not None:
            mark_forbidden(error)
            denials.append(denial)
    await log_denials(context.db, context.actor, denials)


def _code(error: dict[str, Any]) -> str | None:
    extensions = error.get("extensions") or {}
    code = extensions.get("code")
    return code if isinstance(code, str) else None
