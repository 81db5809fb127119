"""The gate every GraphQL request passes: who is calling (token), as what (policy), why (purpose).

Part of the composition root: it joins authentication and the policy store (`authz`) to the core's
`Actor`. The policy store is opened at the first request rather than at startup, so an app that is
served without a lifespan (the tests' ASGI transport) behaves as one that is.
"""

import asyncio
import re
import uuid
from dataclasses import replace

from starlette.requests import HTTPConnection, Request

from authz.authentication import TokenVerifier
from authz.principal import Principal
from authz.purposes import HEADER as PURPOSE_HEADER
from authz.purposes import purpose_for
from authz.store import PolicyStore
from sxvis.actors import Actor, Origin
from sxvis.config import Settings
from sxvis.database import Database

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


class Gate:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.verifier = TokenVerifier.from_settings(settings)
        self.db = db
        self._store: PolicyStore | None = None
        self._opening = asyncio.Lock()

    async def policy(self) -> PolicyStore:
        if self._store is None:
            async with self._opening:
                if self._store is None:
                    self._store = await PolicyStore.open(self.db)
        return self._store

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None

    async def actor(self, request: Request) -> Actor:
        """The caller as an actor; raises `AuthenticationFailed` (401) or `UnknownPurpose` (400)."""
        principal = await self.verifier.authenticate(request.headers.get("authorization"))
        return await self.actor_of(principal, request)

    async def actor_of(self, principal: Principal, request: HTTPConnection) -> Actor:
        """A verified principal as an actor under the current policy, with the request's purpose, id and
        address; raises `UnknownPurpose`. A websocket's subscriptions call it again for every event."""
        purpose = purpose_for(request.headers.get(PURPOSE_HEADER), principal.roles)
        given_id = request.headers.get("x-request-id", "")
        origin = Origin(
            request_id=given_id if _REQUEST_ID.match(given_id) else uuid.uuid4().hex,
            client_address=request.client.host if request.client else None,
            purpose=purpose.value,
        )
        store = await self.policy()
        return store.current.actor_for(principal, origin)


def with_operation(actor: Actor, document: str, operation_name: str | None) -> Actor:
    """The actor, its origin naming the GraphQL operation (given, or the document's first)."""
    name = operation_name
    if name is None:
        found = _OPERATION.match(document)
        name = found.group(1) if found else None
    return actor if name is None else actor.with_origin(replace(actor.origin, operation_name=name[:128]))
