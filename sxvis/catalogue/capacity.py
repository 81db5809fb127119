"""Places per service at each provider, and who may take one.

A provider declares how many places it has for a service (`set_service_capacity`, agency admins for
their own agency, system admins anywhere). The places taken are the provider's active enrollments in
that service, counted in SQL (the view `service_capacity_usage`, migration 0009) rather than kept in a
counter: ending an enrollment frees its place with nothing else to update. The view runs as its owner,
so any agency sees how full a provider is (a count, not personal data) without seeing whom it serves.

A provider that declared nothing has no limit. Taking a place locks the capacity row first
(`take_place`), so two enrollments racing for the last place queue on that row and the second counts
the first's place: no overbooking, except where the caller says so (an EMERGENCY referral, rule 12).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    func,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from sxvis import audit
from sxvis.actors import Actor
from sxvis.catalogue.models import Agency, Service, ServiceProvider
from sxvis.database.base import Base, created_at, updated_at
from sxvis.errors import AccessDenied, DomainError, NotFound, ValidationFailed
from sxvis.registry.errors import RegistryErrorCode

SET = "capacity:set"
"""Declare the places of one's own agency."""
SET_ANY = "capacity:set_any"
"""Declare the places of any agency (the operator's administrators)."""
MAX_PLACES = 100_000


class ServiceCapacity(Base):
    """How many places a provider has for a service (only providers of the service declare any)."""

    __tablename__ = "service_capacities"

    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(11), primary_key=True)
    places: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    __table_args__ = (
        ForeignKeyConstraint(
            ["service_code", "agency_code"],
            ["service_providers.service_code", "service_providers.agency_code"],
            name="fk_service_capacities_provider",
            ondelete="CASCADE",
        ),
        CheckConstraint("places >= 0", name="places_not_negative"),
    )


USAGE = table(
    "service_capacity_usage",
    Column("agency_code", String),
    Column("service_code", String),
    Column("places", Integer),
    Column("taken", Integer),
)
"""Each declared capacity with its places taken (active enrollments); a view, so not in the metadata."""


@dataclass(frozen=True, slots=True)
class Capacity:
    agency_code: str
    service_code: str
    places: int
    taken: int

    @property
    def free(self) -> int:
        """Never below zero, even when an emergency overbooked the provider."""
        return max(self.places - self.taken, 0)


class NoCapacity(DomainError):
    """The provider has no free place for the service; `alternatives` are providers nearby that do."""

    code = RegistryErrorCode.NO_CAPACITY

    def __init__(self, message: str, *, field: str, alternatives: Sequence[Capacity]) -> None:
        super().__init__(message, field=field)
        self.alternatives = list(alternatives)


async def set_service_capacity(
    session: AsyncSession, actor: Actor, *, agency_code: str, service_code: str, places: int
) -> Capacity:
    actor.require(SET)
    if agency_code != actor.agency_code and not actor.may(SET_ANY):
        raise AccessDenied(
            f"Your agency {actor.agency_code} declares its own places only, not those of {agency_code}.",
            action=SET_ANY,
        )
    if not 0 <= places <= MAX_PLACES:
        raise ValidationFailed(f"Give between 0 and {MAX_PLACES} places.", field="places")
    if await session.get(Agency, agency_code) is None:
        raise NotFound(f"No agency has the code {agency_code!r}.", field="agency_code")
    if await session.get(Service, service_code) is None:
        raise NotFound(f"No service has the code {service_code!r}.", field="service_code")
    if await session.get(ServiceProvider, (service_code, agency_code)) is None:
        raise ValidationFailed(
            f"Agency {agency_code} does not provide service {service_code}.",
            field="service_code",
            code=RegistryErrorCode.NOT_A_PROVIDER,
        )
    statement = insert(ServiceCapacity).values(
        agency_code=agency_code, service_code=service_code, places=places, updated_by=actor.label
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ServiceCapacity.agency_code, ServiceCapacity.service_code],
            set_={"places": places, "updated_by": actor.label, "updated_at": func.now()},
        )
    )
    await audit.record(
        session,
        actor,
        action=SET,
        entity_type="service_capacity",
        entity_id=f"{agency_code}:{service_code}",
        details={"agency": agency_code, "service": service_code, "places": places},
    )
    found = await capacity_of(session, agency_code=agency_code, service_code=service_code)
    assert found is not None  # just written in this transaction
    return found


async def capacity_of(session: AsyncSession, *, agency_code: str, service_code: str) -> Capacity | None:
    query = select(USAGE).where(USAGE.c.agency_code == agency_code, USAGE.c.service_code == service_code)
    row = (await session.execute(query)).first()
    return None if row is None else Capacity(*row)


async def capacities_of_services(session: AsyncSession, *, service_codes: Sequence[str]) -> list[Capacity]:
    query = select(USAGE).where(USAGE.c.service_code.in_(service_codes)).order_by(USAGE.c.agency_code)
    return [Capacity(*row) for row in await session.execute(query)]


async def capacities_of_agencies(session: AsyncSession, *, agency_codes: Sequence[str]) -> list[Capacity]:
    query = select(USAGE).where(USAGE.c.agency_code.in_(agency_codes)).order_by(USAGE.c.service_code)
    return [Capacity(*row) for row in await session.execute(query)]


async def alternatives_to(session: AsyncSession, *, agency_code: str, service_code: str) -> list[Capacity]:
    """Other providers of the service in the same region as `agency_code`, with a free place, the
    freest first. Only providers that declared places count: an undeclared one promises nothing."""
    region = select(Agency.region_code).where(Agency.code == agency_code).scalar_subquery()
    query = (
        select(USAGE)
        .join(Agency, Agency.code == USAGE.c.agency_code)
        .where(
            USAGE.c.service_code == service_code,
            USAGE.c.agency_code != agency_code,
            Agency.region_code.is_not_distinct_from(region),
            USAGE.c.places > USAGE.c.taken,
        )
        .order_by((USAGE.c.places - USAGE.c.taken).desc(), USAGE.c.agency_code)
    )
    return [Capacity(*row) for row in await session.execute(query)]


async def require_free_place(
    session: AsyncSession, *, agency_code: str, service_code: str, field: str
) -> Capacity | None:
    """The provider's capacity if it has a free place (or None if it declared none); `NoCapacity`
    with the alternatives otherwise. A look, not a reservation: the place is taken on enrollment."""
    found = await capacity_of(session, agency_code=agency_code, service_code=service_code)
    if found is not None and found.free == 0:
        raise NoCapacity(
            f"{agency_code} has no free place for service {service_code}"
            f" ({found.taken} of {found.places} taken); see the alternatives.",
            field=field,
            alternatives=await alternatives_to(session, agency_code=agency_code, service_code=service_code),
        )
    return found


async def take_place(
    session: AsyncSession, *, agency_code: str, service_code: str, overbook: bool, field: str
) -> bool:
    """Lock the provider's capacity row for the rest of the transaction and check a place is free; the
    caller then enrolls. True if this overbooks (allowed only with `overbook`). Racing callers wait on
    the lock, and each counts after the one before it has committed or rolled back."""
    locked = await session.scalar(
        select(ServiceCapacity.places)
        .where(ServiceCapacity.agency_code == agency_code, ServiceCapacity.service_code == service_code)
        .with_for_update()
    )
    if locked is None:
        return False
    # A new statement after the lock: under READ COMMITTED it sees the enrollments committed meanwhile.
    try:
        await require_free_place(session, agency_code=agency_code, service_code=service_code, field=field)
    except NoCapacity:
        if not overbook:
            raise
        return True
    return False
