"""The access policy, stored in PostgreSQL: one row per Casbin line (`p`, `g`, `g2`).

Our own table rather than a Casbin adapter's: a grant is written in the caller's transaction, with its
access event and a NOTIFY, and every worker (this one too) reloads from the committed table. An
adapter updates the in-memory policy before the transaction commits, so a rolled-back grant would
leave a worker wrong until its next reload.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Identity, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sxvis.database.base import Base, created_at

POLICY_FIELDS = ("v0", "v1", "v2", "v3", "v4", "v5")


class PolicyRule(Base):
    __tablename__ = "policy_rules"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    ptype: Mapped[str] = mapped_column(Text)
    v0: Mapped[str] = mapped_column(Text, server_default="")
    v1: Mapped[str] = mapped_column(Text, server_default="")
    v2: Mapped[str] = mapped_column(Text, server_default="")
    v3: Mapped[str] = mapped_column(Text, server_default="")
    v4: Mapped[str] = mapped_column(Text, server_default="")
    v5: Mapped[str] = mapped_column(Text, server_default="")
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()

    __table_args__ = (UniqueConstraint("ptype", *POLICY_FIELDS, name="uq_policy_rules_line"),)

    def values(self) -> list[str]:
        return [v for v in (self.v0, self.v1, self.v2, self.v3, self.v4, self.v5) if v != ""]
