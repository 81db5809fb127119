"""Applications, what was handed in with them, the evidence the ministries gave, and their history.

Every table carries `person_id` (DESIGN, Database). `seq` is the order of submission: the queue of a
rationed service is served in it (rule 9), and a frozen clock cannot tie two applications.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.applications.enums import ApplicantKind, ApplicationStatus
from sxvis.catalogue.enums import ApplicationForm, DocumentForm, RefusalGround
from sxvis.checks.enums import CheckKind, CheckStatus
from sxvis.database.base import Base, created_at, db_enum, updated_at, uuid_pk

_OPEN = "status IN ('SUBMITTED', 'ASSESSED', 'WAITING')"


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[uuid.UUID] = uuid_pk()
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    kind: Mapped[str | None] = mapped_column(Text)  # the passport's variant (TREATMENT, REST), if it has any
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))  # the handling agency
    applicant_kind: Mapped[ApplicantKind] = mapped_column(db_enum(ApplicantKind, "applicant_kind"))
    representative_name: Mapped[str | None] = mapped_column(Text)
    representative_relation: Mapped[str | None] = mapped_column(Text)
    representative_document: Mapped[str | None] = mapped_column(Text)  # power of attorney, guardianship
    consent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consents.id"))
    channel: Mapped[ApplicationForm] = mapped_column(db_enum(ApplicationForm, "application_channel"))
    status: Mapped[ApplicationStatus] = mapped_column(db_enum(ApplicationStatus, "application_status"))
    idempotency_key: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assessment_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    front_office_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    back_office_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_post_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    need: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refusal_ground: Mapped[RefusalGround | None] = mapped_column(db_enum(RefusalGround, "refusal_ground"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decision_posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"))
    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("enrollments.id", name="fk_applications_enrollment_id_enrollments", ondelete="SET NULL")
    )
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    allocated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    allocated_position: Mapped[int | None] = mapped_column(Integer)  # its place in the queue when served
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    __table_args__ = (
        UniqueConstraint("agency_code", "idempotency_key", name="uq_applications_idempotency"),
        UniqueConstraint("seq", name="uq_applications_seq"),
        Index("ix_applications_person_id", "person_id"),
        Index("ix_applications_agency_status", "agency_code", "status"),
        Index("ix_applications_submitted_at_id", "submitted_at", "id"),
        # One open application of a person for a service (issue 16: DUPLICATE names the open one).
        Index(
            "uq_applications_open",
            "person_id",
            "service_code",
            unique=True,
            postgresql_where=text(_OPEN),
        ),
        # The queue of a rationed service, in submission order (rule 9).
        Index(
            "ix_applications_queue",
            "service_code",
            "kind",
            "seq",
            postgresql_where=text("status = 'WAITING'"),
        ),
        # Undecided applications by their posting deadline, for the background escalation (rule 5).
        Index(
            "ix_applications_undecided_post_by",
            "decision_post_by",
            postgresql_where=text("status IN ('SUBMITTED', 'ASSESSED') AND escalated_at IS NULL"),
        ),
    )


class ApplicationDocument(Base):
    """A required document handed in with an application, and in which form (001 §21-22)."""

    __tablename__ = "application_documents"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # the passport's document
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    form: Mapped[DocumentForm] = mapped_column(db_enum(DocumentForm, "document_form"))

    __table_args__ = (Index("ix_application_documents_person_id", "person_id"),)


class ApplicationEvidence(Base):
    """A check run at intake (rule 8): the fact it produced, or the request still waiting for a ministry.

    A pending check names its `check_requests` row; when the background retry settles it, the request
    links the fact, and the evidence is read through it (`sxvis.applications.service.evidence_of`).
    """

    __tablename__ = "application_evidence"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[CheckKind] = mapped_column(db_enum(CheckKind, "check_kind"))
    status: Mapped[CheckStatus] = mapped_column(db_enum(CheckStatus, "evidence_status"))  # at intake
    fact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("facts.id", ondelete="SET NULL"))
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("check_requests.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = created_at()

    __table_args__ = (Index("ix_application_evidence_application_id", "application_id", "id"),)


class ApplicationMove(Base):
    """One step of an application's life: who moved it, from which state to which, when, and why.
    Escalations and queue allocations are steps too (an escalation keeps the state)."""

    __tablename__ = "application_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    from_status: Mapped[ApplicationStatus | None] = mapped_column(
        db_enum(ApplicationStatus, "application_status")
    )
    to_status: Mapped[ApplicationStatus] = mapped_column(db_enum(ApplicationStatus, "application_status"))
    action: Mapped[str] = mapped_column(Text)
    actor_user: Mapped[str] = mapped_column(Text)
    actor_agency: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_application_history_application_id", "application_id", "id"),)
