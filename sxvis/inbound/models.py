"""Inbound messages from ministries already processed (migration 0011): the replay guard."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.catalogue.models import Agency
from sxvis.database.base import Base, created_at


class InboundMessage(Base):
    """A signed message a ministry sent us and we processed; its id, once here, is refused as a replay."""

    __tablename__ = "inbound_messages"

    message_id: Mapped[str] = mapped_column(Text, primary_key=True)
    ministry: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str] = mapped_column(Text)
    sent_by: Mapped[str] = mapped_column(Text)
    issue: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str] = mapped_column(String(32), ForeignKey(Agency.code))
    person_id: Mapped[uuid.UUID | None]
    outcome: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = created_at()

    __table_args__ = (Index("ix_inbound_messages_person_id", "person_id"),)
