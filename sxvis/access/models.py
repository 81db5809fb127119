"""Tables of the access model: the remit's relationships, break-the-glass grants, notices to agencies."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, FetchedValue, ForeignKey, Identity, Index, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.database.base import Base, created_at, uuid_pk


class PersonRemit(Base):
    """One reason why an agency sees a person (an active enrollment, a consent in force…).

    Kept by triggers on the tables that hold those relationships (migration 0004), never by the
    application, so no code path can forget it; row-level security and the services read the same rows.
    The agency that registered a person sees them through `persons.registered_by`, not through here.
    """

    __tablename__ = "person_remit"

    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(Text, primary_key=True)  # ENROLLMENT, CONSENT (REFERRAL, CASE later)
    source_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The person's `sort_key`, kept by triggers (migration 0019): the remit in listing order.
    sort_key: Mapped[str] = mapped_column(Text(collation="C"), server_default=FetchedValue())

    __table_args__ = (
        Index("ix_person_remit_person_id", "person_id"),
        # An agency's remit as one index range in listing order, read without the table
        # (`sxvis.access.remit.remit_rows_sql`).
        Index(
            "ix_person_remit_agency_sort",
            "agency_code",
            "sort_key",
            "person_id",
            postgresql_include=["until", "source", "source_id"],
        ),
    )


class BreakGlassGrant(Base):
    """A user's time-limited opening of a protected person's identity, and its review by an auditor."""

    __tablename__ = "break_glass_grants"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    reason_code: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(Text)
    review_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_break_glass_grants_person_user", "person_id", "user_id"),
        Index("ix_break_glass_grants_reviewed_at", "reviewed_at"),
    )


class Notice(Base):
    """A message to an agency (e.g. "someone broke the glass on a person you protect")."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    kind: Mapped[str] = mapped_column(Text)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at()

    __table_args__ = (Index("ix_notices_agency_code_id", "agency_code", "id"),)
