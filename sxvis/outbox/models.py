"""The outbox and its dead letters (migration 0011).

A message's `id` is its message id: sent as `X-Road-Id` on every try, kept when the message moves to the
dead letters and back, so the receiver can deduplicate every redelivery. `person_id` has no foreign key
on purpose: a record of what was sent to the police must outlive any change to the person's record.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.catalogue.models import Agency
from sxvis.database.base import Base, created_at


class OutboxMessage(Base):
    """One message to a ministry, written in the transaction of the change that causes it."""

    __tablename__ = "outbox_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ministry: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    person_id: Mapped[uuid.UUID | None]
    agency_code: Mapped[str] = mapped_column(String(32), ForeignKey(Agency.code))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    attribution_user: Mapped[str] = mapped_column(Text)
    attribution_issue: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()

    __table_args__ = (
        # What the worker claims: undelivered, due, urgent first.
        Index(
            "ix_outbox_messages_due",
            "urgent",
            "next_attempt_at",
            postgresql_where=text("delivered_at IS NULL"),
        ),
        Index("ix_outbox_messages_person_id", "person_id"),
        Index("ix_outbox_messages_ministry_delivered_at", "ministry", "delivered_at"),
    )


class DeadLetter(Base):
    """A message the worker gave up on: it stays here, unsent, until an administrator retries it."""

    __tablename__ = "outbox_dead_letters"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ministry: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    person_id: Mapped[uuid.UUID | None]
    agency_code: Mapped[str] = mapped_column(String(32), ForeignKey(Agency.code))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    attribution_user: Mapped[str] = mapped_column(Text)
    attribution_issue: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dead_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_outbox_dead_letters_ministry_dead_at", "ministry", "dead_at"),
        Index("ix_outbox_dead_letters_person_id", "person_id"),
    )
