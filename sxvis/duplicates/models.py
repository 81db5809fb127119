"""What became of a merged person: their id resolves to the kept one (`person(id:)` follows it)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, text
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
