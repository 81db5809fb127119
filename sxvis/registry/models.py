"""Persons, households, circumstances and service enrollments.

Every table that holds data about a person carries `person_id`, so the schema can later be distributed
by person (Citus) without redesign (DESIGN, Database).
"""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Computed,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.database.base import Base, created_at, db_enum, updated_at, uuid_pk
from sxvis.registry.enums import (
    CircumstanceCategory,
    EnrollmentEndReason,
    EnrollmentStatus,
    HouseholdRelation,
    ResidenceStatus,
    Sex,
)

FIN_PATTERN = r"^[0-9A-Z]{7}$"

# The search key: surname, first name and patronymic folded by `sxvis_fold` (migration 0001), which
# erases the differences between Azerbaijani, Russian-Cyrillic and ASCII spellings of one name.
NAME_KEY_SQL = "sxvis_fold(last_name || ' ' || first_name || ' ' || coalesce(patronymic, ''))"
# The name's parts folded on their own (migration 0016), for the name search's exact and prefix tiers:
# the father's name is the patronymic's first word ("Həsən oğlu" → "hasan"), '' when there is none.
LAST_KEY_SQL = "sxvis_fold(last_name)"
FIRST_KEY_SQL = "sxvis_fold(first_name)"
PATRONYMIC_KEY_SQL = "split_part(sxvis_fold(coalesce(patronymic, '')), ' ', 1)"
# The display order: the Azerbaijani alphabet, byte-comparable (`sxvis_sort_key`, migration 0001).
SORT_KEY_SQL = "sxvis_sort_key(last_name || ' ' || first_name || ' ' || coalesce(patronymic, ''))"


class Household(Base):
    __tablename__ = "households"

    id: Mapped[uuid.UUID] = uuid_pk()
    head_person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("persons.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    region_code: Mapped[str | None] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(16))
    address_line: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[uuid.UUID] = uuid_pk()
    fin: Mapped[str] = mapped_column(String(7), unique=True)
    last_name: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(Text)
    patronymic: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[date]
    sex: Mapped[Sex] = mapped_column(db_enum(Sex, "sex"))
    residence_status: Mapped[ResidenceStatus] = mapped_column(db_enum(ResidenceStatus, "residence_status"))
    region_code: Mapped[str | None] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(16))
    address_line: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    protected: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # The agency that registered the protection: the only one entitled to the identity by default.
    protected_by: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"))
    date_of_death: Mapped[date | None]
    household_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True
    )
    registered_by: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    # The last bulk import that wrote this person (`sxvis import persons`, migration 0012).
    import_source: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"))
    import_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person_imports.id"))
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    name_key: Mapped[str] = mapped_column(Text, Computed(NAME_KEY_SQL, persisted=True))
    sort_key: Mapped[str] = mapped_column(Text(collation="C"), Computed(SORT_KEY_SQL, persisted=True))
    last_key: Mapped[str] = mapped_column(Text(collation="C"), Computed(LAST_KEY_SQL, persisted=True))
    first_key: Mapped[str] = mapped_column(Text(collation="C"), Computed(FIRST_KEY_SQL, persisted=True))
    patronymic_key: Mapped[str] = mapped_column(
        Text(collation="C"), Computed(PATRONYMIC_KEY_SQL, persisted=True)
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    __table_args__ = (
        CheckConstraint(f"fin ~ '{FIN_PATTERN}'", name="fin_format"),
        CheckConstraint("date_of_death IS NULL OR date_of_death >= birth_date", name="death_after_birth"),
        CheckConstraint("protected = (protected_by IS NOT NULL)", name="protection_has_holder"),
        Index(
            "ix_persons_name_key_trgm",
            "name_key",
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
        ),
        # The name search's tiers (sxvis.registry.search): each exact part is one range in listing order.
        Index("ix_persons_last_first_key", "last_key", "first_key", "sort_key", "id"),
        Index("ix_persons_last_key", "last_key", "sort_key", "id"),
        Index("ix_persons_first_key", "first_key", "sort_key", "id"),
        Index("ix_persons_patronymic_key", "patronymic_key", "sort_key", "id"),
        Index("ix_persons_last_patronymic_key", "last_key", "patronymic_key", "sort_key", "id"),
        Index("ix_persons_first_patronymic_key", "first_key", "patronymic_key", "sort_key", "id"),
        Index("ix_persons_region_district", "region_code", "district_code"),
        Index("ix_persons_sort_key_id", "sort_key", "id"),
        # The persons an agency registered, in listing order (`sxvis.access.remit.remit_rows_sql`).
        Index("ix_persons_registered_by_sort", "registered_by", "sort_key", "id"),
        Index("ix_persons_birth_date", "birth_date"),
        # Probable duplicates: the same birth date and folded name (import, duplicateCandidates).
        Index("ix_persons_birth_date_name_key", "birth_date", "name_key"),
    )


class PersonNameWord(Base):
    """A folded surname, first name or father's name some person bears (or bore), kept by statement
    triggers on `persons` (migration 0016): the dictionary a misspelt search word is corrected against."""

    __tablename__ = "person_name_words"

    word: Mapped[str] = mapped_column(Text(collation="C"), primary_key=True)

    __table_args__ = (
        Index(
            "ix_person_name_words_trgm",
            "word",
            postgresql_using="gin",
            postgresql_ops={"word": "gin_trgm_ops"},
        ),
    )


class HouseholdMember(Base):
    """A person's place in a household; a person belongs to at most one household."""

    __tablename__ = "household_members"

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[HouseholdRelation] = mapped_column(db_enum(HouseholdRelation, "household_relation"))
    created_at: Mapped[datetime] = created_at()


class Circumstance(Base):
    """A difficult life circumstance (Strategy §3) of a person, from when, until when, and who says so."""

    __tablename__ = "circumstances"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    category: Mapped[CircumstanceCategory] = mapped_column(
        db_enum(CircumstanceCategory, "circumstance_category")
    )
    since: Mapped[date]
    until: Mapped[date | None]
    source_agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    # The person's `sort_key`, kept by triggers (migration 0020): a category's persons in listing order.
    sort_key: Mapped[str] = mapped_column(Text(collation="C"), server_default=FetchedValue())

    __table_args__ = (
        CheckConstraint("until IS NULL OR until >= since", name="until_after_since"),
        Index("ix_circumstances_person_id", "person_id"),
        Index("ix_circumstances_category_person", "category", "person_id"),
        Index(
            "ix_circumstances_category_sort",
            "category",
            "sort_key",
            "person_id",
            postgresql_include=["until", "id"],
        ),
    )


class Enrollment(Base):
    """A person's enrollment in a service at a provider agency."""

    __tablename__ = "enrollments"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    provider_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    status: Mapped[EnrollmentStatus] = mapped_column(db_enum(EnrollmentStatus, "enrollment_status"))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    end_reason: Mapped[EnrollmentEndReason | None] = mapped_column(
        db_enum(EnrollmentEndReason, "enrollment_end_reason")
    )
    irp_reference: Mapped[str | None] = mapped_column(String(64))  # Individual Rehabilitation Program
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ended_after_started"),
        CheckConstraint(
            "(status = 'ENDED') = (ended_on IS NOT NULL AND end_reason IS NOT NULL)", name="ended_has_reason"
        ),
        Index("ix_enrollments_person_id", "person_id"),
        Index("ix_enrollments_service_provider", "service_code", "provider_code"),
        Index("ix_enrollments_provider_person", "provider_code", "person_id"),
        # One active enrollment per person, service and provider.
        Index(
            "uq_enrollments_active",
            "person_id",
            "service_code",
            "provider_code",
            unique=True,
            postgresql_where=text("status = 'ACTIVE'"),
        ),
    )


class Consent(Base):
    """A person's consent that an agency may see and receive their data, for a purpose, until a date.

    While it is in force it brings the person into that agency's remit (`sxvis.access.remit`).
    """

    __tablename__ = "consents"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    purpose: Mapped[str] = mapped_column(Text)
    valid_until: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_by_agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(Text)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()

    __table_args__ = (
        Index("ix_consents_person_id", "person_id"),
        Index("ix_consents_agency_person", "agency_code", "person_id"),
    )
