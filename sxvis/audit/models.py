"""The access log's two tables: the events, and the seals that chain them.

Both are insert-only: migration 0002 adds a trigger that refuses UPDATE, DELETE and TRUNCATE on them,
for every role, so the log is the auditors' source of truth rather than the application's notebook.

No foreign keys from an event to persons, agencies or users: the log must outlive the rows it speaks
of (a person record erased, an agency renamed), and a failed lookup must never stop a denial being
logged.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.database.base import Base


class Outcome(StrEnum):
    """How an access ended. A denial is logged as faithfully as a success."""

    ALLOWED = "ALLOWED"
    DENIED = "DENIED"
    FAILED = "FAILED"


_OUTCOMES = ", ".join(f"'{o.value}'" for o in Outcome)


class AccessEvent(Base):
    """One access to personal data: who, when, what, whose, why, and how it ended."""

    __tablename__ = "access_events"

    # GENERATED ALWAYS: nobody chooses an id, so the chain's order is the database's, not a caller's.
    # The identity's sequence must keep CACHE 1 (the default): the sealer's horizon relies on ids being
    # handed out in the order INSERTs run (`sxvis.audit.chain`).
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_user: Mapped[str] = mapped_column(Text)
    actor_agency: Mapped[str] = mapped_column(Text)
    actor_roles: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    action: Mapped[str] = mapped_column(Text)
    entity_type: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str | None] = mapped_column(Text)
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """The subject: the one person this access was about (a read by id or FIN, an update)."""
    person_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), server_default=text("'{}'"))
    """Every person a search or list returned, so "who has seen this person" includes searches."""
    purpose: Mapped[str | None] = mapped_column(Text)
    operation_name: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    outcome: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(Text)
    client_address: Mapped[str | None] = mapped_column(INET)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    __table_args__ = (
        CheckConstraint(f"outcome IN ({_OUTCOMES})", name="outcome_known"),
        # The auditors' questions: whose data (subject, or among search results), by whom, by which
        # agency, and when.
        Index("ix_access_events_person_id_occurred_at", "person_id", "occurred_at"),
        Index("ix_access_events_person_ids", "person_ids", postgresql_using="gin"),
        Index("ix_access_events_actor_user_occurred_at", "actor_user", "occurred_at"),
        Index("ix_access_events_actor_agency_occurred_at", "actor_agency", "occurred_at"),
        Index("ix_access_events_occurred_at", "occurred_at"),
    )


class AccessEventSeal(Base):
    """An event's link in the hash chain: `hash = SHA-256(prev_hash || canonical(event))`."""

    __tablename__ = "access_event_seals"

    event_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("access_events.id"), primary_key=True)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    hash: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("octet_length(prev_hash) = 32 AND octet_length(hash) = 32", name="sha256_sizes"),
    )
