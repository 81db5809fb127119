"""How long a fact may be reused before the ministry is asked again, per kind of check.

A fact is fresh while both hold: its `valid_until` is in the future (the ministry's own limit, such as
the end of a disability group, capped when the fact was stored), and it was obtained within the
freshness the operator configures for its kind *now* (`SXVIS_FACT_FRESHNESS_HOURS`), so shortening a
freshness takes effect at once, also on facts already stored.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sxvis.checks.enums import CheckKind
from sxvis.errors import ConfigurationError

DEFAULT_FRESHNESS: Mapping[CheckKind, timedelta] = {
    # A disability group is set for a period and rarely changes inside it; TSERAS also gives its end.
    CheckKind.DISABILITY: timedelta(days=30),
    # Employment can change any day, and treatment vouchers depend on it (rule 8, 003 step 4).
    CheckKind.EMPLOYMENT: timedelta(days=1),
    CheckKind.ADDRESS_RESIDENTS: timedelta(days=7),
    CheckKind.TARGETED_AID: timedelta(days=7),
    CheckKind.PENSION: timedelta(days=30),
}


@dataclass(frozen=True, slots=True)
class Freshness:
    limits: Mapping[CheckKind, timedelta] = field(default_factory=lambda: dict(DEFAULT_FRESHNESS))

    @classmethod
    def from_hours(cls, overrides: Mapping[str, float]) -> "Freshness":
        """The defaults, with the operator's overrides in hours keyed by kind (`{"EMPLOYMENT": 4}`)."""
        limits = dict(DEFAULT_FRESHNESS)
        for name, hours in overrides.items():
            try:
                kind = CheckKind(name.upper())
            except ValueError:
                kinds = ", ".join(k.value for k in CheckKind)
                raise ConfigurationError(f"fact freshness names no check {name!r} (one of {kinds})") from None
            if hours <= 0:
                raise ConfigurationError(f"the freshness of {kind.value} must be positive hours")
            limits[kind] = timedelta(hours=hours)
        return cls(limits)

    def of(self, kind: CheckKind) -> timedelta:
        return self.limits[kind]

    def valid_until(
        self, kind: CheckKind, *, obtained_at: datetime, ministry_until: datetime | None
    ) -> datetime:
        """What a fact obtained now is stored with: the ministry's limit, capped by the freshness."""
        cap = obtained_at + self.of(kind)
        return cap if ministry_until is None else min(cap, ministry_until)

    def fresh_until(self, kind: CheckKind, *, obtained_at: datetime, valid_until: datetime) -> datetime:
        return min(valid_until, obtained_at + self.of(kind))

    def is_fresh(
        self, kind: CheckKind, *, obtained_at: datetime, valid_until: datetime, now: datetime
    ) -> bool:
        return now < self.fresh_until(kind, obtained_at=obtained_at, valid_until=valid_until)
