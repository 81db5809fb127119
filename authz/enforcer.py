"""The Casbin enforcer and the one question services ask: may this actor do this?

The model (`model.conf`) is RBAC with domains; the domain is the agency. The policy seed is
`policy.csv`. An actor's effective roles are the roles in its token plus the roles SXVİS has granted
to that user in that agency (`g` lines); the actor may act if any effective role may.
"""

from collections.abc import Iterable
from pathlib import Path
from threading import Lock

import casbin

from authz.actions import Action
from authz.principal import Principal
from sxvis.actors import Actor, Origin
from sxvis.errors import AccessDenied

HERE = Path(__file__).resolve().parent
MODEL_PATH = HERE / "model.conf"
POLICY_PATH = HERE / "policy.csv"


def load_enforcer(policy_path: Path = POLICY_PATH) -> casbin.Enforcer:
    return casbin.Enforcer(str(MODEL_PATH), str(policy_path))


class Authorizer:
    """Answers permission questions for actors; one per process, reloaded when the policy changes."""

    def __init__(self, enforcer: casbin.Enforcer) -> None:
        self._enforcer = enforcer
        # An actor's permissions depend only on (user, agency, token roles) and this policy, which never
        # changes in place (a policy change builds a new Authorizer), so they are computed once each.
        self._permissions: dict[tuple[str, str, frozenset[str]], frozenset[str]] = {}
        self._lock = Lock()

    def actor_for(self, principal: Principal, origin: Origin | None = None) -> Actor:
        """The actor a verified principal acts as: its token roles, its granted roles, its permissions."""
        actor = principal.to_actor()
        roles = self.effective_roles(actor)
        return Actor(
            user_id=actor.user_id,
            agency_code=actor.agency_code,
            roles=roles,
            name=actor.name,
            permissions=self.permission_strings(actor),
            origin=origin or Origin(),
        )

    def permission_strings(self, actor: Actor) -> frozenset[str]:
        key = (actor.user_id, actor.agency_code, frozenset(actor.roles))
        found = self._permissions.get(key)
        if found is None:
            found = frozenset(action.value for action in self.permissions(actor))
            with self._lock:
                if len(self._permissions) > 100_000:  # bounded: a flood of users cannot grow it forever
                    self._permissions.clear()
                self._permissions[key] = found
        return found

    def effective_roles(self, actor: Actor) -> frozenset[str]:
        granted = self._enforcer.get_roles_for_user_in_domain(actor.user_id, actor.agency_code)
        return frozenset(actor.roles) | frozenset(granted)

    def allows(self, actor: Actor, action: Action) -> bool:
        return any(
            self._enforcer.enforce(role, actor.agency_code, action.obj, action.act)
            for role in self.effective_roles(actor)
        )

    def require(self, actor: Actor, action: Action) -> None:
        """Raise `AccessDenied` naming what is missing, so the caller's error says what to ask for."""
        if not self.allows(actor, action):
            roles = ", ".join(sorted(self.effective_roles(actor))) or "no role"
            raise AccessDenied(
                f"Your roles ({roles}) in agency {actor.agency_code} do not permit {action.value}.",
                action=action.value,
            )

    def permissions(self, actor: Actor) -> list[Action]:
        return [action for action in Action if self.allows(actor, action)]


def matrix_markdown(authorizer: Authorizer, roles: Iterable[str]) -> str:
    """The policy as a Markdown table (docs/access-policy.md keeps a copy; a test compares them)."""
    table = matrix(authorizer, roles)
    actions = [action.value for action in Action]
    lines = ["| role | " + " | ".join(f"`{a}`" for a in actions) + " |", "|---|" + "---|" * len(actions)]
    for role, row in table.items():
        lines.append(f"| {role} | " + " | ".join("✔" if row[a] else "·" for a in actions) + " |")
    return "\n".join(lines) + "\n"


def matrix(authorizer: Authorizer, roles: Iterable[str]) -> dict[str, dict[str, bool]]:
    """role → action → allowed, in an agency with no agency-specific lines (docs and tests use it)."""
    table: dict[str, dict[str, bool]] = {}
    for role in roles:
        actor = Actor(user_id=f"matrix-{role}", agency_code="ANY", roles=frozenset({role}))
        table[role] = {action.value: authorizer.allows(actor, action) for action in Action}
    return table
