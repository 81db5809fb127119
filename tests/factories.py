"""Small builders of valid inputs; each test changes only what it is about."""

import itertools
from typing import Any

from authz.actions import Action
from sxvis.actors import Actor

_counter = itertools.count(1)


def fin() -> str:
    """A fresh valid FIN: 7 characters, digits and capital letters."""
    return f"T{next(_counter):06d}"


def person_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "fin": fin(),
        "lastName": "Məmmədov",
        "firstName": "Əli",
        "patronymic": "Həsən oğlu",
        "birthDate": "1950-03-04",
        "sex": "MALE",
        "residenceStatus": "CITIZEN",
        "regionCode": "AZ-01",
        "districtCode": "AZ-01-03",
        "addressLine": "Nizami küçəsi 12, mənzil 4",
        "phone": "+994 50 123 45 67",
        "email": "ali@example.az",
    }
    values.update(overrides)
    return values


WORKER = Actor(
    user_id="test-worker",
    agency_code="SXA",
    roles=frozenset({"social_worker"}),
    permissions=frozenset(
        a.value
        for a in Action
        if a.obj in {"person", "circumstance", "enrollment", "consent", "registry", "notice"}
    ),
)
"""An actor for tests that call services directly: a social worker of SXA with the registry-wide grant."""
