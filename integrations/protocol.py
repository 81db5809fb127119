"""The small protocols the registry codes against: one per ministry subsystem, plus what all share.

The registry asks a `DisabilityRegistry` about a person; it never sees URLs, headers or retries. An adapter
(TSERAS over HTTP, later) implements the subsystem's protocol on top of a `MinistryClient`, and also
satisfies `Adapter`, which is what the operator view reads (name, circuit state).
"""

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from integrations.breaker import BreakerStatus
from integrations.signing import Attribution


class Adapter(Protocol):
    """Every ministry adapter: a stable name (`tseras`, `esosial` …) and its endpoint's health."""

    @property
    def name(self) -> str: ...

    def status(self) -> BreakerStatus: ...


@dataclass(frozen=True, slots=True)
class DisabilityRecord:
    """What TSERAS says about one person's disability."""

    group: int
    cause: str
    valid_until: date | None


class DisabilityRegistry(Adapter, Protocol):
    """TSERAS: is the person disabled, in which group, for what cause, until when."""

    async def disability_of(self, fin: str, *, on_behalf: Attribution) -> DisabilityRecord | None:
        """The person's current record, or None when TSERAS knows no disability for this FIN.

        Raises `MinistryUnavailable` when TSERAS cannot answer now (the check goes `PENDING`).
        """
        ...
