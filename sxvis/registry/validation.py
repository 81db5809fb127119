"""Rules on single values of the registry: FIN, names, dates, contacts, address codes.

Each check raises `ValidationFailed` naming the field (in the domain's snake_case; the schema shows it in
the API's camelCase), so a client can put the message next to the right input.
"""

import re
from datetime import date

from sxvis import geography
from sxvis.errors import ErrorCode, ValidationFailed

_FIN = re.compile(r"^[0-9A-Z]{7}$")
# Letters of any alphabet, with the joiners names really use: space, hyphen, apostrophe, dot.
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.’][^\W\d_]+)*\.?$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def normalise_fin(value: str, *, field: str = "fin") -> str:
    """A FIN is 7 digits and capital letters; we accept lower case and stray spaces as typing slips."""
    fin = value.strip().upper()
    if not _FIN.match(fin):
        raise ValidationFailed("A FIN is exactly 7 characters, digits and capital letters A-Z.", field=field)
    return fin


def name(value: str, *, field: str, required: bool = True) -> str:
    text = " ".join(value.split())
    if not text:
        if required:
            raise ValidationFailed("This name is required.", field=field, code=ErrorCode.REQUIRED)
        return text
    if len(text) > 100:
        raise ValidationFailed("A name is at most 100 characters.", field=field)
    if not _NAME.match(text):
        raise ValidationFailed("A name may hold letters, spaces, hyphens and apostrophes only.", field=field)
    return text


def optional_name(value: str | None, *, field: str) -> str | None:
    if value is None:
        return None
    return name(value, field=field, required=False) or None


def birth_date(value: date, *, today: date) -> date:
    if value > today:
        raise ValidationFailed("The birth date cannot be in the future.", field="birth_date")
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationFailed("The birth date cannot be before 1900.", field="birth_date")
    return value


def date_of_death(value: date | None, *, born: date, today: date) -> date | None:
    if value is None:
        return None
    if value > today:
        raise ValidationFailed("The date of death cannot be in the future.", field="date_of_death")
    if value < born:
        raise ValidationFailed("The date of death cannot be before the birth date.", field="date_of_death")
    return value


def phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not _PHONE.match(text):
        raise ValidationFailed(
            "A phone number is digits, optionally with +, spaces and dashes.", field="phone"
        )
    return text


def email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValidationFailed("This is not an e-mail address.", field="email")
    return text


def address_codes(region_code: str | None, district_code: str | None) -> tuple[str | None, str | None]:
    """A district must lie in the region given; a district alone implies its region."""
    if district_code is not None:
        try:
            geography.district_by_code(district_code)
        except KeyError:
            raise ValidationFailed(
                f"No district has the code {district_code!r}.",
                field="district_code",
                code=ErrorCode.NOT_FOUND,
            ) from None
        implied = district_code.rsplit("-", 1)[0]
        if region_code is not None and region_code != implied:
            raise ValidationFailed(
                f"District {district_code} is not in region {region_code}.", field="district_code"
            )
        region_code = implied
    if region_code is not None:
        try:
            geography.region_by_code(region_code)
        except KeyError:
            raise ValidationFailed(
                f"No region has the code {region_code!r}.", field="region_code", code=ErrorCode.NOT_FOUND
            ) from None
    return region_code, district_code


def period(since: date, until: date | None, *, today: date, since_field: str, until_field: str) -> None:
    if since > today:
        raise ValidationFailed("This date cannot be in the future.", field=since_field)
    if until is not None and until < since:
        raise ValidationFailed("The end cannot come before the start.", field=until_field)
