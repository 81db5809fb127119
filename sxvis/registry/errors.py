"""Error codes of the registry. The schema exposes them as the `RegistryErrorCode` enum."""

from enum import StrEnum


class RegistryErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT = "CONFLICT"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"  # rule 1: residence status not among the passport's eligible users
    NOT_A_PROVIDER = "NOT_A_PROVIDER"  # the agency does not provide that service
    DECEASED = "DECEASED"  # a service cannot start for a person who has died
    REFUSAL_GROUND_NOT_IN_PASSPORT = "REFUSAL_GROUND_NOT_IN_PASSPORT"  # rule 6
    CONSENT_REQUIRED = "CONSENT_REQUIRED"  # rule 2: a referral to a non-state body needs the person's consent
    NO_CAPACITY = "NO_CAPACITY"  # the provider has no free place for the service
    INVALID_CHARACTERS = "INVALID_CHARACTERS"  # a control character in a string input (schema/edges.py)
    INVALID_DATE = "INVALID_DATE"  # a date not written YYYY-MM-DD (or a date-time not ISO 8601)
