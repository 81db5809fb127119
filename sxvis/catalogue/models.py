"""Agencies and the service catalogue: small reference tables, the same for every person.

A service is stored as its passport (001 §1-27), each field in a structured column, so a rule such as
"refusal only on the passport's grounds" (rule 6) or "deadline from the passport's durations" (rule 4)
reads a column, never parses prose.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sxvis.catalogue.enums import (
    AgencyKind,
    ApplicationForm,
    DocumentForm,
    DurationUnit,
    EligibleUser,
    Fee,
    RefusalGround,
    ResponseForm,
)
from sxvis.database.base import Base, EnumArray, created_at, db_enum

SERVICE_CODE_PATTERN = r"^[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}$"


class Agency(Base):
    """A state body, centre, municipality or NGO: the unit of remit and of access policy."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_az: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    kind: Mapped[AgencyKind] = mapped_column(db_enum(AgencyKind, "agency_kind"))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(16))
    # Referrals to a body that is not a state body need the person's consent (DESIGN, Referrals).
    is_state_body: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at()

    __table_args__ = (CheckConstraint(r"code ~ '^[A-Z][A-Z0-9-]{1,31}$'", name="code_format"),)


class Service(Base):
    """A service passport (ASAN/DOST form, 001 §1-27)."""

    __tablename__ = "services"

    code: Mapped[str] = mapped_column(String(11), primary_key=True)  # §2
    name_az: Mapped[str] = mapped_column(Text)  # §1
    name_en: Mapped[str] = mapped_column(Text)
    source_document: Mapped[str] = mapped_column(Text)
    classification: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)  # §3
    performing_units: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)  # §4
    legal_basis: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)  # §5
    application_forms: Mapped[list[ApplicationForm]] = mapped_column(EnumArray(ApplicationForm))  # §6
    communication_channels: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)  # §7
    response_forms: Mapped[list[ResponseForm]] = mapped_column(EnumArray(ResponseForm))  # §8
    refusal_grounds: Mapped[list[RefusalGround]] = mapped_column(EnumArray(RefusalGround))  # §9
    eligible_users: Mapped[list[EligibleUser]] = mapped_column(EnumArray(EligibleUser))  # §10
    back_office: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)  # §11
    total_duration_value: Mapped[int | None] = mapped_column(Integer)  # §12
    total_duration_unit: Mapped[DurationUnit | None] = mapped_column(db_enum(DurationUnit, "duration_unit"))
    front_office_duration_value: Mapped[int | None] = mapped_column(Integer)  # §13
    front_office_duration_unit: Mapped[DurationUnit | None] = mapped_column(
        db_enum(DurationUnit, "duration_unit")
    )
    back_office_duration_value: Mapped[int | None] = mapped_column(Integer)  # §14
    back_office_duration_unit: Mapped[DurationUnit | None] = mapped_column(
        db_enum(DurationUnit, "duration_unit")
    )
    duration_note: Mapped[str | None] = mapped_column(Text)
    operator_standard_minutes: Mapped[int | None] = mapped_column(SmallInteger)  # §15
    fee: Mapped[Fee] = mapped_column(db_enum(Fee, "service_fee"))  # §16
    fee_note: Mapped[str | None] = mapped_column(Text)
    places_of_service: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)  # §17
    procedure: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    information_systems: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    electronisation_degree: Mapped[str | None] = mapped_column(Text)
    automation_degree: Mapped[str | None] = mapped_column(Text)
    # Services for persons with disabilities follow the Individual Rehabilitation Program (rule 14).
    requires_irp: Mapped[bool] = mapped_column(default=False)
    # The variants an application chooses between (003 step 4: treatment or rest vouchers), if any.
    variants: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default=text("'{}'"))
    # Given in queue order, as places come (rule 9, 003 steps 8-9): approval puts an application in
    # the service's queue instead of enrolling at once.
    rationed: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    notes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    created_at: Mapped[datetime] = created_at()

    required_documents: Mapped[list["RequiredDocument"]] = relationship(
        order_by="RequiredDocument.position", lazy="raise"
    )

    __table_args__ = (
        CheckConstraint(f"code ~ '{SERVICE_CODE_PATTERN}'", name="code_format"),
        CheckConstraint(
            "(total_duration_value IS NULL) = (total_duration_unit IS NULL)"
            " AND (front_office_duration_value IS NULL) = (front_office_duration_unit IS NULL)"
            " AND (back_office_duration_value IS NULL) = (back_office_duration_unit IS NULL)",
            name="duration_has_unit",
        ),
    )


class RequiredDocument(Base):
    """A document the passport asks for (001 §18-22), with the forms in which it is accepted."""

    __tablename__ = "service_required_documents"

    service_code: Mapped[str] = mapped_column(
        ForeignKey("services.code", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    name_az: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    forms: Mapped[list[DocumentForm]] = mapped_column(EnumArray(DocumentForm))
    note: Mapped[str | None] = mapped_column(Text)


class ServiceProvider(Base):
    """An agency that provides a service (`Service.providers`); capacity comes with referrals."""

    __tablename__ = "service_providers"

    service_code: Mapped[str] = mapped_column(
        ForeignKey("services.code", ondelete="CASCADE"), primary_key=True
    )
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), primary_key=True, index=True)
    created_at: Mapped[datetime] = created_at()
