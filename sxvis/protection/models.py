"""Domestic-violence registrations and the interview records (migration 0015).

Both tables are readable by the registering agency only (row-level security on `agency_code`): not by
the agency the victim is referred to, not by auditors (who follow a case through the access log), and
not by registry-wide readers. The interview records are the most sensitive text SXVİS holds.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.database.base import Base, created_at, db_enum, uuid_pk
from sxvis.protection.enums import InterviewKind


class DomesticViolenceRegistration(Base):
    """One `registerDomesticViolenceCase`: what it made, under which idempotency key."""

    __tablename__ = "domestic_violence_cases"

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_code: Mapped[str] = mapped_column(String(32), ForeignKey("agencies.code"))
    idempotency_key: Mapped[str] = mapped_column(Text)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    circumstance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("circumstances.id", ondelete="CASCADE"))
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    placement_needed: Mapped[bool] = mapped_column(Boolean)
    registered_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()

    __table_args__ = (
        UniqueConstraint("agency_code", "idempotency_key", name="uq_domestic_violence_cases_idempotency"),
        Index("ix_domestic_violence_cases_person_id", "person_id"),
        Index("ix_domestic_violence_cases_case_id", "case_id"),
    )


class Interview(Base):
    """The lawyer's or the psychologist's interview with the victim (passport 09-03-00-00, step 3)."""

    __tablename__ = "domestic_violence_interviews"

    id: Mapped[uuid.UUID] = uuid_pk()
    registration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("domestic_violence_cases.id", ondelete="CASCADE")
    )
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    agency_code: Mapped[str] = mapped_column(String(32), ForeignKey("agencies.code"))
    kind: Mapped[InterviewKind] = mapped_column(db_enum(InterviewKind, "interview_kind"))
    interviewer: Mapped[str] = mapped_column(Text)
    held_on: Mapped[date] = mapped_column(Date)
    record: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()

    __table_args__ = (
        Index("ix_domestic_violence_interviews_case_id", "case_id"),
        Index("ix_domestic_violence_interviews_person_id", "person_id"),
    )
