"""The small protocols the registry codes against: one per ministry subsystem, plus what all share.

The registry asks a `DisabilityRegistry` about a person; it never sees URLs, headers or retries. An adapter
(TSERAS over HTTP, later) implements the subsystem's protocol on top of a `MinistryClient`, and also
satisfies `Adapter`, which is what the operator view reads (name, circuit state).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from integrations.breaker import BreakerStatus
from integrations.signing import Attribution

R = TypeVar("R")


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


@dataclass(frozen=True, slots=True)
class Obtained(Generic[R]):
    """A query adapter's answer with its provenance: the record (None: the ministry has none for this
    person), the system that gave it and the message id it answered (`X-Road-Id`, logged by both sides)."""

    record: R | None
    source_system: str
    message_id: str


class DisabilityRegistry(Adapter, Protocol):
    """TSERAS: is the person disabled, in which group, for what cause, until when."""

    async def disability_of(self, fin: str, *, on_behalf: Attribution) -> Obtained[DisabilityRecord]:
        """The person's current record, or `record=None` when TSERAS knows no disability for this FIN.

        Raises `MinistryUnavailable` when TSERAS cannot answer now (the check goes `PENDING`), and
        `MinistryRejected` or `MalformedAnswer` when asking again won't help. So do the protocols below.
        """
        ...


@dataclass(frozen=True, slots=True)
class EmploymentRecord:
    """The employment-contract notification subsystem: a contract in force, and with whom since when."""

    employed: bool
    employer: str | None
    since: date | None


class EmploymentContracts(Adapter, Protocol):
    """Is the person employed (rule 8: treatment vouchers, not rest vouchers, depend on it)."""

    async def employment_of(self, fin: str, *, on_behalf: Attribution) -> Obtained[EmploymentRecord]: ...


@dataclass(frozen=True, slots=True)
class AidRecord:
    """VEMTAS: targeted social assistance granted to the person's family, monthly amount in AZN."""

    receives: bool
    amount: Decimal | None
    until: date | None


class TargetedAid(Adapter, Protocol):
    async def aid_of(self, fin: str, *, on_behalf: Attribution) -> Obtained[AidRecord]: ...


@dataclass(frozen=True, slots=True)
class Resident:
    """Someone registered at the person's address: their relation to the person and their age."""

    fin: str
    name: str
    birth_date: date
    age: int
    relation: str  # a `HouseholdRelation` value, seen from the person asked about


@dataclass(frozen=True, slots=True)
class AddressRecord:
    address: str
    residents: tuple[Resident, ...]


class AddressRegistry(Adapter, Protocol):
    """Who is registered at the person's address (rule 8: able-bodied relatives in the same locality)."""

    async def residents_of(self, fin: str, *, on_behalf: Attribution) -> Obtained[AddressRecord]: ...


@dataclass(frozen=True, slots=True)
class PensionRecord:
    receives: bool
    kind: str | None  # AGE, DISABILITY, SURVIVOR
    amount: Decimal | None


class PensionRegistry(Adapter, Protocol):
    async def pension_of(self, fin: str, *, on_behalf: Attribution) -> Obtained[PensionRecord]: ...
