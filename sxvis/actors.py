"""Who is acting: the user, their agency and roles, as every service call receives them.

Services take the actor explicitly (STYLE §2) so that the same rules, remit and audit apply whatever
the front. Authentication (JWT) builds it from a token; until then the development server acts as the
operator's system administrator.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    agency_code: str
    roles: frozenset[str]
    name: str = ""

    @property
    def label(self) -> str:
        """How records name who did something: `user@AGENCY`."""
        return f"{self.user_id}@{self.agency_code}"


# Used by `sxvis seed` and by development mode until tokens exist (issue: access).
SYSTEM = Actor(user_id="system", agency_code="VXSIDA", roles=frozenset({"system_admin"}), name="SXVİS")
