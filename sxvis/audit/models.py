"""The access log's two tables: the events, and the seals that chain them.

Both are insert-only: migration 0002 adds a trigger that refuses UPDATE, DELETE and TRUNCATE on them,
for every role, so the log is the auditors' source of truth rather than the application's notebook.
Both are partitioned by month of `occurred_at` (migration 0017, `sxvis.audit.partitions`): the models
describe the parent tables; the partitions are made by `sxvis_access_log_partition(month)`.

No foreign keys from an event to persons, agencies or users: the log must outlive the rows it speaks
of (a person record erased, an agency renamed), and a failed lookup must never stop a denial being
logged.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    LargeBinary,
    Sequence,
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


ID_SEQUENCE = Sequence("access_events_id_seq", cache=1, metadata=Base.metadata)


class AccessEvent(Base):
    """One access to personal data: who, when, what, whose, why, and how it ended."""

    __tablename__ = "access_events"

    # From a sequence the app role may use but not override: it holds no INSERT privilege on `id` (nor on
    # `occurred_at`), so the chain's order and an event's month are the database's, not a caller's. The
    # sequence must keep CACHE 1: the sealer's horizon relies on ids being handed out in the order
    # INSERTs run (`sxvis.audit.chain`).
    id: Mapped[int] = mapped_column(
        BigInteger, ID_SEQUENCE, server_default=ID_SEQUENCE.next_value(), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), primary_key=True
    )
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
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )


class AccessEventSeal(Base):
    """An event's link in the hash chain: `hash = SHA-256(prev_hash || canonical(event))`."""

    __tablename__ = "access_event_seals"

    # No foreign key to the event: one to a partitioned table needs its whole key, and `verify` finds a
    # seal whose event is gone (DELETED) anyway. The seal carries its event's month, to live beside it.
    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    hash: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("octet_length(prev_hash) = 32 AND octet_length(hash) = 32", name="sha256_sizes"),
        {"postgresql_partition_by": "RANGE (occurred_at)"},
    )


class AccessLogArchive(Base):
    """A month of the log, detached, exported to a file and dropped (`sxvis audit archive`).

    `head_event_id` and `head_hash` are the chain's head where the archived events end in id order: the
    live chain is verified from there. `stragglers` lists the live events (of a later month) whose ids
    fall below that head, with their hashes: a transaction that began before midnight at a month's end
    may draw its id after one that began after it.
    """

    __tablename__ = "access_log_archives"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    first_event_id: Mapped[int | None] = mapped_column(BigInteger)
    last_event_id: Mapped[int | None] = mapped_column(BigInteger)
    events: Mapped[int] = mapped_column(BigInteger)
    head_event_id: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[bytes] = mapped_column(LargeBinary)
    stragglers: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'"))
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(Text)
    archived_by: Mapped[str] = mapped_column(Text)
    archived_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
