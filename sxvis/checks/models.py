"""Facts about persons with their provenance, and checks still waiting for a ministry.

A fact is one ministry answer about one person, kept with where it came from (system, message id,
when, who asked and for what): a later step reuses it while it is fresh instead of asking again
(rule 7: documents obtained electronically are not asked for again), and an auditor can trace every piece
of evidence to the message that brought it. A ministry's "no record" is a fact too (`found` false).

A check request is a check that did not get an answer at once (the ministry was down): it waits,
durably, for the background retry (`sxvis.checks.service.retry_pending_checks`), and links to the fact
that finally answered it.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.checks.enums import CheckKind, RequestStatus
from sxvis.database.base import Base, created_at, db_enum, uuid_pk


class Fact(Base):
    __tablename__ = "facts"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[CheckKind] = mapped_column(db_enum(CheckKind, "check_kind"))
    found: Mapped[bool]
    value: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    source_system: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(Text)
    obtained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str] = mapped_column(Text)  # user@AGENCY, as sent in X-Road-UserId
    issue: Mapped[str] = mapped_column(Text)  # what it served, as sent in X-Road-Issue

    __table_args__ = (Index("ix_facts_person_id_kind", "person_id", "kind", text("obtained_at DESC")),)


class CheckRequest(Base):
    __tablename__ = "check_requests"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[CheckKind] = mapped_column(db_enum(CheckKind, "check_kind"))
    status: Mapped[RequestStatus] = mapped_column(db_enum(RequestStatus, "check_request_status"))
    requested_by_user: Mapped[str] = mapped_column(Text)
    requested_by_agency: Mapped[str] = mapped_column(Text)
    issue: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("facts.id", ondelete="SET NULL"))

    __table_args__ = (
        # One waiting request per person and kind: asking twice while the ministry is down adds nothing.
        Index(
            "uq_check_requests_pending",
            "person_id",
            "kind",
            unique=True,
            postgresql_where=text("status = 'PENDING'"),
        ),
        Index("ix_check_requests_due", "next_attempt_at", postgresql_where=text("status = 'PENDING'")),
        Index("ix_check_requests_person_id", "person_id", "kind"),
    )
