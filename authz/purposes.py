"""Purpose of use: why a request reads personal data, recorded in every access event.

A client states it in the `X-Purpose-Of-Use` header; without one, the role's default applies. The list
is closed, so an auditor can group events by purpose, and a misspelt header fails loudly (HTTP 400).
"""

from collections.abc import Iterable
from enum import StrEnum

from authz.roles import Role


class Purpose(StrEnum):
    SERVICE_DELIVERY = "SERVICE_DELIVERY"  # providing or arranging a social service
    CASE_MANAGEMENT = "CASE_MANAGEMENT"  # assessing, planning and following a case
    ELIGIBILITY_CHECK = "ELIGIBILITY_CHECK"  # deciding whether a person may receive a service
    EMERGENCY = "EMERGENCY"  # a risk to life or safety
    AUDIT = "AUDIT"  # reviewing who accessed what
    ADMINISTRATION = "ADMINISTRATION"  # managing roles and the system
    DATA_EXCHANGE = "DATA_EXCHANGE"  # a ministry system's exchange of records
    INTAKE = "INTAKE"  # opening an application for a person at the desk, by FIN (issue 16)


# The first of the caller's roles in this order gives the default.
ROLE_DEFAULTS: tuple[tuple[Role, Purpose], ...] = (
    (Role.CASE_MANAGER, Purpose.CASE_MANAGEMENT),
    (Role.SOCIAL_WORKER, Purpose.SERVICE_DELIVERY),
    (Role.PARTNER_AGENCY, Purpose.SERVICE_DELIVERY),
    (Role.INTEGRATION, Purpose.DATA_EXCHANGE),
    (Role.AUDITOR, Purpose.AUDIT),
    (Role.AGENCY_ADMIN, Purpose.ADMINISTRATION),
    (Role.SYSTEM_ADMIN, Purpose.ADMINISTRATION),
)

HEADER = "x-purpose-of-use"


class UnknownPurpose(ValueError):
    def __init__(self, given: str) -> None:
        known = ", ".join(Purpose)
        super().__init__(f"X-Purpose-Of-Use {given!r} is not a known purpose; use one of {known}.")


def purpose_for(header: str | None, roles: Iterable[str]) -> Purpose:
    if header is not None and header.strip():
        try:
            return Purpose(header.strip().upper())
        except ValueError:
            raise UnknownPurpose(header.strip()[:64]) from None
    held = set(roles)
    for role, purpose in ROLE_DEFAULTS:
        if role.value in held:
            return purpose
    return Purpose.SERVICE_DELIVERY
