"""What became of a merged person: their id resolves to the kept one (`person(id:)` follows it)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.database.base import Base


class PersonMerge(Base):
    __tablename__ = "person_merges"

    merged_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the row is gone: no foreign key
    kept_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    merge_id: Mapped[uuid.UUID]
    merged_fin: Mapped[str] = mapped_column(String(7))
    reason: Mapped[str] = mapped_column(Text)
    merged_by: Mapped[str] = mapped_column(Text)
    merged_by_agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the merged person's row, as it was
    moved: Mapped[dict[str, Any]] = mapped_column(JSONB)  # rows moved per table, and rows dropped

    __table_args__ = (Index("ix_person_merges_kept_id", "kept_id"),)


class DuplicatePair(Base):
    """Two persons who are probably one, the earlier registered first, with what matched (migration
    0013). Kept by `sxvis.duplicates.pairs.refresh`; no foreign keys, see the migration."""

    __tablename__ = "duplicate_pairs"

    a_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    b_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name_score: Mapped[float]
    same_key: Mapped[bool]
    same_spelling: Mapped[bool]
    same_birth_date: Mapped[bool]
    same_address: Mapped[bool]
    score: Mapped[float]
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))

    __table_args__ = (
        Index("ix_duplicate_pairs_page", text("score DESC"), "a_id", "b_id"),
        Index("ix_duplicate_pairs_b_id", "b_id"),
    )


class DuplicatePairsState(Base):
    """When `duplicate_pairs` was last complete (null: never, or a full refresh died half way): one row."""

    __tablename__ = "duplicate_pairs_state"

    singleton: Mapped[bool] = mapped_column(primary_key=True, server_default=text("true"))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pairs: Mapped[int] = mapped_column(server_default=text("0"))

    __table_args__ = (CheckConstraint("singleton", name="singleton"),)


class PersonChange(Base):
    """A person inserted, updated or deleted since the last refresh of the pairs (statement triggers on
    `persons`, migration 0013); the refresh takes the rows off as it recomputes their pairs."""

    __tablename__ = "person_changes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    person_id: Mapped[uuid.UUID]  # no foreign key: deletions are queued too
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
