"""Who is acting: the user, their agency, roles and effective permissions, and where the request came from.

Services take the actor explicitly (STYLE §2) so that the same rules, remit and audit apply whatever
the front. Authentication builds it from a verified token; the policy (Casbin, in `authz`) fills in
`permissions` as action strings (`person:read` …), so the core checks permissions without knowing
Casbin or role names: `actor.require("person:register")`.
"""

from dataclasses import dataclass, field, replace

from sxvis.errors import AccessDenied

READS_WHOLE_REGISTRY = "registry:read"
"""The registry-wide grant: the agency sees every person, not only those in its remit."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where and why a request came: what every access event records besides the actor."""

    request_id: str | None = None
    client_address: str | None = None
    operation_name: str | None = None
    purpose: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    agency_code: str
    roles: frozenset[str]
    name: str = ""
    permissions: frozenset[str] = frozenset()
    origin: Origin = field(default_factory=Origin)

    @property
    def label(self) -> str:
        """How records name who did something: `user@AGENCY`."""
        return f"{self.user_id}@{self.agency_code}"

    @property
    def reads_whole_registry(self) -> bool:
        return READS_WHOLE_REGISTRY in self.permissions

    def may(self, action: str) -> bool:
        return action in self.permissions

    def require(self, action: str) -> None:
        """Raise `AccessDenied` naming the missing permission, so the error says what to ask for."""
        if action not in self.permissions:
            roles = ", ".join(sorted(self.roles)) or "no role"
            raise AccessDenied(
                f"Your roles ({roles}) in agency {self.agency_code} do not permit {action}.", action=action
            )

    def with_origin(self, origin: Origin) -> "Actor":
        return replace(self, origin=origin)


SYSTEM = Actor(user_id="system", agency_code="VXSIDA", roles=frozenset({"system_admin"}), name="SXVİS")
"""The operator's own process (`sxvis seed`, migrations): acts outside any request and reads nothing."""
