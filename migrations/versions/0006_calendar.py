"""calendar: the operator's working-day corrections (transferred working days, extra holidays)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('WORKING', 'HOLIDAY')", name=op.f("ck_calendar_days_kind_known")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    # The app reads the calendar; operators change it with `sxvis calendar` (as the owner).
    op.execute("GRANT SELECT ON calendar_days TO sxvis_app")


def downgrade() -> None:
    op.drop_table("calendar_days")
