"""Cases and their timeline (one row per change)."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Identity, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.cases.enums import CaseEntryKind, CasePhase, RiskLevel
from sxvis.database.base import Base, created_at, db_enum, updated_at, uuid_pk


class Case(Base):
    """One agency's work with one person. The current assessment and plan are kept here; every earlier
    one stays in the timeline."""

    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    agency_code: Mapped[str] = mapped_column(String(32), ForeignKey("agencies.code"))
    manager_id: Mapped[str] = mapped_column(Text)
    phase: Mapped[CasePhase] = mapped_column(db_enum(CasePhase, "case_phase"))
    risk_level: Mapped[RiskLevel | None] = mapped_column(db_enum(RiskLevel, "case_risk_level"))
    # {"needs": [{"domain": NeedDomain, "description": str | None}], "note": str | None}
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # {"needs": [NeedDomain], "goals": [str], "services": [code], "agencies": [code]}
    service_plan: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    opened_by: Mapped[str] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    __table_args__ = (
        Index("ix_cases_person_id", "person_id"),
        Index("ix_cases_agency_code_phase", "agency_code", "phase"),
        # One open case of a person per agency: a second would split the work (and its remit).
        Index(
            "uq_cases_open_per_agency",
            "person_id",
            "agency_code",
            unique=True,
            postgresql_where=text("phase <> 'CLOSED'"),
        ),
    )


class CaseEntry(Base):
    """One change of a case: who made it, from which agency, when, what kind, and what it said."""

    __tablename__ = "case_entries"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[CaseEntryKind] = mapped_column(db_enum(CaseEntryKind, "case_entry_kind"))
    from_phase: Mapped[CasePhase | None] = mapped_column(db_enum(CasePhase, "case_phase"))
    to_phase: Mapped[CasePhase] = mapped_column(db_enum(CasePhase, "case_phase"))
    actor_user: Mapped[str] = mapped_column(Text)
    actor_agency: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    visit_date: Mapped[date | None] = mapped_column(Date)  # a monitoring visit
    note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    at: Mapped[datetime] = created_at()

    __table_args__ = (Index("ix_case_entries_case_id", "case_id", "id"),)
