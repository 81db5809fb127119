"""access log

The access log (DESIGN, "Access log"): `access_events`, insert-only, and `access_event_seals`, the hash
chain over it. A trigger refuses UPDATE, DELETE and TRUNCATE on both tables for every role, superusers
included; it is enabled ALWAYS, so `session_replication_role = replica` does not switch it off either.
Only an owner or superuser who disables it explicitly (ALTER TABLE … DISABLE TRIGGER) can change a
row, and the chain, checked against a head kept outside the database, shows it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES = ("access_events", "access_event_seals")

# One statement-level trigger covers all three operations (TRUNCATE triggers can only be per statement),
# and refuses even a DELETE that would match no row: there is no legitimate reason to issue one.
APPEND_ONLY_FUNCTION = """
CREATE FUNCTION sxvis_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'The access log is evidence; record a new event instead of changing one.';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "access_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_user", sa.Text(), nullable=False),
        sa.Column("actor_agency", sa.Text(), nullable=False),
        sa.Column("actor_roles", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("person_ids", postgresql.ARRAY(sa.Uuid()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("operation_name", sa.Text(), nullable=True),
        sa.Column("fields", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("client_address", postgresql.INET(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('ALLOWED', 'DENIED', 'FAILED')", name=op.f("ck_access_events_outcome_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_events")),
    )
    op.create_index(
        "ix_access_events_person_id_occurred_at", "access_events", ["person_id", "occurred_at"], unique=False
    )
    op.create_index(
        "ix_access_events_person_ids", "access_events", ["person_ids"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "ix_access_events_actor_user_occurred_at",
        "access_events",
        ["actor_user", "occurred_at"],
        unique=False,
    )
    op.create_index(
        "ix_access_events_actor_agency_occurred_at",
        "access_events",
        ["actor_agency", "occurred_at"],
        unique=False,
    )
    op.create_index("ix_access_events_occurred_at", "access_events", ["occurred_at"], unique=False)
    op.create_table(
        "access_event_seals",
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "octet_length(prev_hash) = 32 AND octet_length(hash) = 32",
            name=op.f("ck_access_event_seals_sha256_sizes"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["access_events.id"], name=op.f("fk_access_event_seals_event_id_access_events")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_access_event_seals")),
    )
    op.execute(APPEND_ONLY_FUNCTION)
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION sxvis_append_only()"
        )
        op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_append_only")


def downgrade() -> None:
    # Dropping the tables drops their triggers; the function goes after them.
    op.drop_table("access_event_seals")
    op.drop_index("ix_access_events_occurred_at", table_name="access_events")
    op.drop_index("ix_access_events_actor_agency_occurred_at", table_name="access_events")
    op.drop_index("ix_access_events_actor_user_occurred_at", table_name="access_events")
    op.drop_index("ix_access_events_person_ids", table_name="access_events", postgresql_using="gin")
    op.drop_index("ix_access_events_person_id_occurred_at", table_name="access_events")
    op.drop_table("access_events")
    op.execute("DROP FUNCTION sxvis_append_only()")
