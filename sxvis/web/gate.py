"""The gate every GraphQL request passes: who is calling (token), as what (policy), why (purpose).

Part of the composition root: it joins authentication and the policy store (`authz`) to the core's
`Actor`. The policy store is opened at the first request rather than at startup, so an app that is
served without a lifespan (the tests' ASGI transport) behaves as one that is.

A verified token still names an agency, and the agency must be one in the catalogue: an agency that
does not exist has no remit, no policy and no row its records could point to, so its token is refused
(401, `unknown_agency`) before any work is done. The codes are read once per process and read again
when a token names one not known, at most once every `AGENCY_REFRESH_SECONDS`, so a stream of made-up
agencies costs no query each.
"""

import asyncio
import re
import time
import uuid
from dataclasses import replace

from starlette.requests import HTTPConnection, Request

from authz.authentication import AuthenticationFailed, AuthFailure, TokenVerifier
from authz.principal import Principal
from authz.purposes import HEADER as PURPOSE_HEADER
from authz.purposes import purpose_for
from authz.store import PolicyStore
from sxvis.actors import Actor, Origin
from sxvis.catalogue.service import agency_codes
from sxvis.config import Settings
from sxvis.database import Database

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
AGENCY_REFRESH_SECONDS = 30.0


class KnownAgencies:
    """The catalogue's agency codes, as this process last read them."""

    def __init__(self, db: Database, *, refresh_seconds: float = AGENCY_REFRESH_SECONDS) -> None:
        self.db = db
        self.refresh_seconds = refresh_seconds
        self._codes: frozenset[str] | None = None
        self._read_at = 0.0
        self._reading = asyncio.Lock()
        self.reads = 0

    async def require(self, code: str) -> None:
        """Return if `code` names an agency of the catalogue; `AuthenticationFailed` otherwise."""
        if self._codes is not None and code in self._codes:
            return
        async with self._reading:
            stale = time.monotonic() - self._read_at >= self.refresh_seconds
            if self._codes is None or (code not in self._codes and stale):
                async with self.db.reader() as session:
                    self._codes = await agency_codes(session)
                self._read_at = time.monotonic()
                self.reads += 1
        if code not in self._codes:
            raise AuthenticationFailed(
                f"The token's agency {code!r} is not an agency of SXVİS; a token must name its agency by "
                "its code in the SXVİS catalogue (`agencies` query)",
                reason=AuthFailure.UNKNOWN_AGENCY,
            )


class Gate:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.verifier = TokenVerifier.from_settings(settings)
        self.db = db
        self.agencies = KnownAgencies(db)
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
        address; raises `AuthenticationFailed` (an agency not in the catalogue) or `UnknownPurpose`. A
        websocket's subscriptions call it again for every event."""
        await self.agencies.require(principal.agency_code)
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
