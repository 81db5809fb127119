"""The roles a token may name: a closed list, so a typo in an identity provider fails loudly.

A role the policy does not know would grant nothing, silently; refusing it at authentication tells the
operator at once that the identity provider and SXVİS disagree. Casbin decides what each role may do
(`policy.csv`); this module only names them.
"""

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    PARTNER_AGENCY = "partner_agency"  # queries within its remit
    SOCIAL_WORKER = "social_worker"
    CASE_MANAGER = "case_manager"
    AGENCY_ADMIN = "agency_admin"  # grants and revokes roles within its own agency
    AUDITOR = "auditor"  # reads the access log, reviews break-the-glass
    SYSTEM_ADMIN = "system_admin"  # the operator's administrators, every agency
    INTEGRATION = "integration"  # machine clients, not people


KNOWN_ROLES = ", ".join(Role)


class UnknownRole(ValueError):
    """A role name that is not one of `Role`; the message names it and lists the known ones."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown role: {name} (known roles: {KNOWN_ROLES})")
        self.name = name


def parse_role(name: str) -> Role:
    try:
        return Role(name)
    except ValueError:
        raise UnknownRole(name) from None


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    """Every name as a `Role`; raises `UnknownRole` for the first it does not know."""
    return frozenset(parse_role(name) for name in names)
