"""The principal: who a verified token says the caller is, and until when.

It carries what the token proved and nothing else (no permissions: Casbin derives those per request, so a
policy change applies at once). Services receive an `Actor`; `to_actor()` is the only bridge, so the core
never depends on how the caller was authenticated.
"""

from dataclasses import dataclass
from datetime import datetime

from sxvis.actors import Actor


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    agency_code: str
    roles: frozenset[str]  # values of `authz.roles.Role`, checked when the token was verified
    name: str
    token_id: str | None  # the token's `jti`, for the access log; absent in some providers' tokens
    expires_at: datetime  # timezone-aware, UTC

    def to_actor(self) -> Actor:
        return Actor(user_id=self.user_id, agency_code=self.agency_code, roles=self.roles, name=self.name)
