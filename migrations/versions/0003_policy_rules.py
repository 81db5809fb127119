"""The access policy in PostgreSQL (one row per Casbin line).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_rules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("ptype", sa.Text(), nullable=False),
        *[sa.Column(f"v{i}", sa.Text(), server_default="", nullable=False) for i in range(6)],
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_rules")),
        sa.UniqueConstraint("ptype", "v0", "v1", "v2", "v3", "v4", "v5", name="uq_policy_rules_line"),
    )


def downgrade() -> None:
    op.drop_table("policy_rules")
