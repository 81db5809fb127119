"""Small builders of valid inputs; each test changes only what it is about."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from authz.actions import Action
from authz.auth_settings import DEV_KEY_ID, AuthSettings
from authz.authentication import DEV_ALGORITHM, load_or_create_dev_key
from sxvis.actors import Actor
from sxvis.config import Settings

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


def token_for_agency(settings: Settings, agency: str, roles: tuple[str, ...] = ("social_worker",)) -> str:
    """A development token as `sxvis token issue` would sign it, for an agency or roles it would refuse."""
    auth = AuthSettings.from_settings(settings)
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": auth.issuer,
        "aud": auth.jwt_audience,
        "sub": "ghost",
        "agency": agency,
        "roles": list(roles),
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    key = load_or_create_dev_key(auth.dev_key_path)
    return jwt.encode(claims, key, algorithm=DEV_ALGORITHM, headers={"kid": DEV_KEY_ID})
