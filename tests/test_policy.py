"""The access policy as a table (STYLE §5): each role's permissions, as docs/access-policy.md shows them."""

from pathlib import Path

import pytest

from authz.actions import Action
from authz.enforcer import Authorizer, load_enforcer, matrix_markdown
from authz.roles import Role
from authz.store import build_authorizer, read_policy_csv
from sxvis.actors import Actor

ROLES = (
    "partner_agency",
    "social_worker",
    "case_manager",
    "agency_admin",
    "auditor",
    "system_admin",
    "integration",
)
DOC = Path(__file__).resolve().parent.parent / "docs" / "access-policy.md"

# role → the actions it may take in an agency with no agency-specific lines (DOST). Everything else is
# denied; `registry:read` in particular is never granted for "*", only per agency (below).
EXPECTED = {
    "partner_agency": {"person:read", "person:search", "referral:read", "referral:respond", "catalogue:read"},
    "social_worker": {
        "person:read",
        "person:read_contact",
        "person:read_address",
        "person:search",
        "person:register",
        "person:update",
        "circumstance:record",
        "enrollment:create",
        "enrollment:end",
        "consent:record",
        "consent:revoke",
        "notice:read",
        "referral:create",
        "referral:read",
        "referral:respond",
        "referral:cancel",
        "case:open",
        "case:read",
        "case:update",
        "case:close",
        "catalogue:read",
    },
    "case_manager": {
        "person:read",
        "person:read_contact",
        "person:read_address",
        "person:search",
        "person:register",
        "person:update",
        "person:break_glass",
        "circumstance:record",
        "enrollment:create",
        "enrollment:end",
        "consent:record",
        "consent:revoke",
        "notice:read",
        "referral:create",
        "referral:read",
        "referral:respond",
        "referral:cancel",
        "case:open",
        "case:read",
        "case:update",
        "case:close",
        "catalogue:read",
    },
    "agency_admin": {"policy:read", "policy:grant", "policy:revoke", "notice:read", "catalogue:read"},
    "auditor": {"access_log:read", "break_glass:review", "policy:read", "catalogue:read"},
    "system_admin": {"policy:read", "policy:grant", "policy:revoke", "catalogue:read", "access_log:read"},
    "integration": {"person:read", "person:register", "circumstance:record", "catalogue:read"},
}
# Providers' places, referral statistics and the working-day calendar (issue 6).
EXPECTED["agency_admin"] |= {"capacity:set", "referral:statistics"}
EXPECTED["auditor"] |= {"referral:statistics"}
EXPECTED["system_admin"] |= {"capacity:set", "capacity:set_any", "calendar:manage"}
# Checks against the ministry systems (issue 7): social workers, and case managers through them.
EXPECTED["social_worker"] |= {"check:run", "check:read"}
EXPECTED["case_manager"] |= {"check:run", "check:read"}
# The operator view of the integrations and the outbox's dead letters (issue 7).
EXPECTED["system_admin"] |= {"integration:status", "dead_letter:retry"}
# Applications under the service passports (issue 16); the queue is served by SXA only (below).
_APPLICATIONS = {"application:submit", "application:read", "application:assess", "application:decide"}
EXPECTED["social_worker"] |= _APPLICATIONS | {"application:withdraw"}
EXPECTED["case_manager"] |= _APPLICATIONS | {"application:withdraw"}
EXPECTED["partner_agency"] |= {"application:read"}
EXPECTED["agency_admin"] |= {"application:statistics"}
EXPECTED["auditor"] |= {"application:statistics"}
# The person's access report (issue 14): auditors, and agency admins answering subject-access requests.
EXPECTED["auditor"] |= {"access_report:read"}
EXPECTED["agency_admin"] |= {"access_report:read"}


@pytest.fixture(scope="module")
def authorizer() -> Authorizer:
    return Authorizer(load_enforcer())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(Action))
def test_each_role_may_do_exactly_what_the_matrix_says(
    authorizer: Authorizer, role: str, action: Action
) -> None:
    actor = Actor(user_id="u", agency_code="DOST", roles=frozenset({role}))
    assert authorizer.allows(actor, action) is (action.value in EXPECTED[role])


# The registry-wide grant: agency → the roles that read every person there (domain-specific `p` lines).
REGISTRY_WIDE = {
    "VXSIDA": {"social_worker", "case_manager", "agency_admin"},
    "EESMN": {"social_worker", "case_manager", "partner_agency", "agency_admin"},
    "SXA": {"social_worker", "case_manager", "partner_agency", "agency_admin"},
    "DOST": set(),
    "DIN": set(),
}


@pytest.mark.parametrize("agency", sorted(REGISTRY_WIDE))
@pytest.mark.parametrize("role", ROLES)
def test_the_registry_wide_grant_is_held_where_the_policy_names_it(
    authorizer: Authorizer, agency: str, role: str
) -> None:
    actor = Actor(user_id="u", agency_code=agency, roles=frozenset({role}))
    assert authorizer.allows(actor, Action.REGISTRY_READ) is (role in REGISTRY_WIDE[agency])


@pytest.mark.parametrize("agency", sorted(REGISTRY_WIDE))
@pytest.mark.parametrize("role", ROLES)
def test_only_sxa_serves_the_queue_of_a_rationed_service(
    authorizer: Authorizer, agency: str, role: str
) -> None:
    actor = Actor(user_id="u", agency_code=agency, roles=frozenset({role}))
    allowed = agency == "SXA" and role in {"social_worker", "case_manager"}
    assert authorizer.allows(actor, Action.QUEUE_ALLOCATE) is allowed


def test_a_grant_applies_in_its_own_agency_only(authorizer: Authorizer) -> None:
    enforcer = load_enforcer()
    enforcer.add_named_grouping_policy("g", "aysel", "auditor", "DOST")
    granted = Authorizer(enforcer)
    assert granted.allows(
        Actor(user_id="aysel", agency_code="DOST", roles=frozenset()), Action.ACCESS_LOG_READ
    )
    assert not granted.allows(
        Actor(user_id="aysel", agency_code="SXA", roles=frozenset()), Action.ACCESS_LOG_READ
    )


def test_a_denial_says_which_roles_lacked_which_permission(authorizer: Authorizer) -> None:
    from sxvis.errors import AccessDenied

    with pytest.raises(AccessDenied, match=r"\(partner_agency\) in agency DIN do not permit access_log:read"):
        authorizer.require(
            Actor(user_id="u", agency_code="DIN", roles=frozenset({"partner_agency"})), Action.ACCESS_LOG_READ
        )


def test_the_documented_matrix_is_the_policy(authorizer: Authorizer) -> None:
    assert matrix_markdown(authorizer, ROLES) in DOC.read_text(encoding="utf-8"), (
        "docs/access-policy.md is out of step with authz/policy.csv: regenerate its matrix"
    )


def _grown_policy() -> list[tuple[str, ...]]:
    """The seed, plus agency-specific lines, grants, and a chain of inherited roles."""
    lines = list(read_policy_csv())
    actions = list(Action)
    for i, agency in enumerate(("DOST", "DIN", "SXA", "NGO-QADIN", "X-1")):
        for j, role in enumerate(Role):
            action = actions[(i * 7 + j * 3) % len(actions)]
            lines.append(("p", role.value, agency, action.obj, action.act))
            lines.append(("g", f"user-{i}-{j}", role.value, agency))
    lines.append(("g2", "auditor", "partner_agency"))
    lines.append(("g2", "partner_agency", "integration"))
    return lines


@pytest.mark.parametrize("policy", ["seed", "grown"])
def test_the_index_answers_exactly_as_casbin_does(policy: str) -> None:
    rules = read_policy_csv() if policy == "seed" else _grown_policy()
    authorizer = build_authorizer(rules)
    agencies = ("DOST", "DIN", "SXA", "NGO-QADIN", "X-1", "VXSIDA", "EESMN")
    users = ["nobody", *(f"user-{i}-{j}" for i in range(5) for j in range(len(Role)))]
    for agency in agencies:
        for user in users:
            for role in (*Role, None):
                actor = Actor(
                    user_id=user, agency_code=agency, roles=frozenset() if role is None else {role.value}
                )
                for action in Action:
                    assert authorizer.allows(actor, action) == authorizer.casbin_allows(actor, action), (
                        agency,
                        user,
                        role,
                        action,
                    )
