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


class PolicyIndex:
    """The enforcer's policy, indexed for the questions SXVİS asks: which actions a role holds in an
    agency, and which roles a user was granted there.

    pycasbin answers one (role, agency, object, action) question by walking the `p` lines, all of them
    for a denial: with 10,000 lines that is milliseconds per decision, and an actor's full set of
    permissions (one question per action) tens of milliseconds (bench/policy.py). The index answers
    from sets. It is built from the enforcer's own policy and role links, and a test checks that it
    agrees with `enforcer.enforce` for every role, agency and action of the policy.
    """

    def __init__(self, enforcer: casbin.Enforcer) -> None:
        parents: dict[str, set[str]] = {}
        for child, parent, *_ in enforcer.get_named_grouping_policy("g2"):
            parents.setdefault(child, set()).add(parent)
        self._grants: dict[tuple[str, str], set[str]] = {}
        for user, role, agency, *_ in enforcer.get_named_grouping_policy("g"):
            self._grants.setdefault((user, agency), set()).add(role)
        self._lines: dict[str, set[tuple[str, str]]] = {}  # role → {(agency or "*", "object:action")}
        for role, agency, obj, act, *_ in enforcer.get_named_policy("p"):
            self._lines.setdefault(role, set()).add((agency, f"{obj}:{act}"))
        self._inherits = {role: _closure(role, parents) for role in set(parents) | set(self._lines)}

    def granted_roles(self, user: str, agency: str) -> frozenset[str]:
        return frozenset(self._grants.get((user, agency), ()))

    def actions(self, roles: Iterable[str], agency: str) -> frozenset[str]:
        held: set[str] = set()
        for role in roles:
            for inherited in self._inherits.get(role, (role,)):
                for domain, action in self._lines.get(inherited, ()):
                    if domain in ("*", agency):
                        held.add(action)
        return frozenset(held)


def _closure(role: str, parents: dict[str, set[str]]) -> tuple[str, ...]:
    """The role and every role it inherits from (g2), transitively, as Casbin's role manager does."""
    seen = [role]
    for current in seen:
        seen.extend(parent for parent in parents.get(current, ()) if parent not in seen)
    return tuple(seen)


class Authorizer:
    """Answers permission questions for actors; one per process, reloaded when the policy changes."""

    def __init__(self, enforcer: casbin.Enforcer) -> None:
        self._enforcer = enforcer
        self._index = PolicyIndex(enforcer)
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
            known = {action.value for action in Action}
            found = self._index.actions(self.effective_roles(actor), actor.agency_code) & known
            with self._lock:
                if len(self._permissions) > 100_000:  # bounded: a flood of users cannot grow it forever
                    self._permissions.clear()
                self._permissions[key] = found
        return found

    def effective_roles(self, actor: Actor) -> frozenset[str]:
        return frozenset(actor.roles) | self._index.granted_roles(actor.user_id, actor.agency_code)

    def allows(self, actor: Actor, action: Action) -> bool:
        return action.value in self.permission_strings(actor)

    def casbin_allows(self, actor: Actor, action: Action) -> bool:
        """The same question put to Casbin itself, one enforce per role (the index's reference)."""
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
        held = self.permission_strings(actor)
        return [action for action in Action if action.value in held]


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
