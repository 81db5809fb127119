"""What of a fact an agency sees when the person's identity is not disclosed to it.

The FIN of a protected person still goes to the ministry (the ministry is entitled to it), but the
answer must not hand the identity back to an agency that sees the person under a pseudonym: who lives
at the person's address (their names, FINs, the address itself) and where the person works would point
straight at them. Ages, relations, amounts and groups stay: they are what the check is for.
"""

from typing import Any

from sxvis.checks.enums import CheckKind

_IDENTIFYING: dict[CheckKind, frozenset[str]] = {
    CheckKind.EMPLOYMENT: frozenset({"employer", "employerTin"}),
    CheckKind.ADDRESS_RESIDENTS: frozenset({"address"}),
}
_IDENTIFYING_RESIDENT = frozenset({"fin", "name"})


def shown(kind: CheckKind, value: dict[str, Any] | None, *, disclosed: bool) -> dict[str, Any] | None:
    if value is None or disclosed:
        return value
    hidden = _IDENTIFYING.get(kind, frozenset())
    out = {key: item for key, item in value.items() if key not in hidden}
    if kind is CheckKind.ADDRESS_RESIDENTS and isinstance(out.get("residents"), list):
        out["residents"] = [
            {key: item for key, item in resident.items() if key not in _IDENTIFYING_RESIDENT}
            for resident in out["residents"]
            if isinstance(resident, dict)
        ]
    return out
