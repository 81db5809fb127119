"""Referrals and their history (one row per move)."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.database.base import Base, created_at, db_enum, updated_at, uuid_pk
from sxvis.referrals.enums import ReferralStatus, Urgency


class Referral(Base):
    __tablename__ = "referrals"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    from_agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    to_agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    reason: Mapped[str] = mapped_column(Text)
    urgency: Mapped[Urgency] = mapped_column(db_enum(Urgency, "referral_urgency"))
    status: Mapped[ReferralStatus] = mapped_column(db_enum(ReferralStatus, "referral_status"))
    service_code: Mapped[str | None] = mapped_column(ForeignKey("services.code"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))  # part of a case (rule 11)
    consent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consents.id"))
    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(  # made by the acceptance, if it made one
        ForeignKey("enrollments.id", name="fk_referrals_enrollment_id_enrollments", ondelete="SET NULL")
    )
    idempotency_key: Mapped[str] = mapped_column(Text)
    flagged_for_review: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    review_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    __table_args__ = (
        UniqueConstraint("from_agency", "idempotency_key", name="uq_referrals_idempotency"),
        Index("ix_referrals_person_id", "person_id"),
        Index("ix_referrals_case_id", "case_id"),
        Index("ix_referrals_to_agency_status", "to_agency", "status"),
        Index("ix_referrals_from_agency_status", "from_agency", "status"),
    )


class ReferralMove(Base):
    """One step of a referral's life: who moved it, from which state to which, when, and why."""

    __tablename__ = "referral_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    from_status: Mapped[ReferralStatus | None] = mapped_column(db_enum(ReferralStatus, "referral_status"))
    to_status: Mapped[ReferralStatus] = mapped_column(db_enum(ReferralStatus, "referral_status"))
    actor_user: Mapped[str] = mapped_column(Text)
    actor_agency: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = created_at()

    __table_args__ = (Index("ix_referral_history_referral_id", "referral_id", "id"),)
