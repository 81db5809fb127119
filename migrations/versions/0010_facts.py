"""facts about persons with provenance, and the checks that ask ministries for them

`facts` keeps every ministry answer about a person with where it came from (system, message id, time,
who asked and for what) and until when it may be reused; `check_requests` keeps the checks a ministry
could not answer at once, until a background retry settles them. Both are rows about a person: visible
exactly when the person is (as in 0004), and to auditors, who trace evidence to its message.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"
KINDS = ("DISABILITY", "EMPLOYMENT", "ADDRESS_RESIDENTS", "TARGETED_AID", "PENSION")
REQUEST_STATUSES = ("PENDING", "DONE", "FAILED")


def _of_person(table: str) -> str:
    return f"(SELECT sxvis_audits()) OR EXISTS (SELECT 1 FROM persons p WHERE p.id = {table}.person_id)"


POLICIES = {"facts": _of_person("facts"), "check_requests": _of_person("check_requests")}

NEW_SEED_LINES = (
    ("social_worker", "*", "check", "run"),
    ("social_worker", "*", "check", "read"),
)


def upgrade() -> None:
    postgresql.ENUM(*KINDS, name="check_kind").create(op.get_bind())
    postgresql.ENUM(*REQUEST_STATUSES, name="check_request_status").create(op.get_bind())
    kind = postgresql.ENUM(name="check_kind", create_type=False)
    op.create_table(
        "facts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", kind, nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("obtained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_facts_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facts")),
    )
    op.create_index("ix_facts_person_id_kind", "facts", ["person_id", "kind", sa.text("obtained_at DESC")])
    op.create_table(
        "check_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", kind, nullable=False),
        sa.Column("status", postgresql.ENUM(name="check_request_status", create_type=False), nullable=False),
        sa.Column("requested_by_user", sa.Text(), nullable=False),
        sa.Column("requested_by_agency", sa.Text(), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fact_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_check_requests_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["fact_id"], ["facts.id"], name=op.f("fk_check_requests_fact_id_facts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_requests")),
    )
    op.create_index(
        "uq_check_requests_pending",
        "check_requests",
        ["person_id", "kind"],
        unique=True,
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_index(
        "ix_check_requests_due",
        "check_requests",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_index("ix_check_requests_person_id", "check_requests", ["person_id", "kind"])
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON facts, check_requests TO {APP_ROLE}")
    for table, rule in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY sxvis_owner ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)")
        op.execute(f"CREATE POLICY sxvis_remit ON {table} TO {APP_ROLE} USING ({rule}) WITH CHECK ({rule})")
    values = ", ".join(f"('p', '{r}', '{d}', '{o}', '{a}')" for r, d, o, a in NEW_SEED_LINES)
    op.execute(
        "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
        f" SELECT ptype, v0, v1, v2, v3, 'migration 0010' FROM (VALUES {values}) AS new (ptype, v0, v1, v2, v3)"
        " WHERE EXISTS (SELECT 1 FROM policy_rules) ON CONFLICT ON CONSTRAINT uq_policy_rules_line DO NOTHING"
    )


def downgrade() -> None:
    op.drop_table("check_requests")
    op.drop_table("facts")
    op.execute("DROP TYPE check_request_status")
    op.execute("DROP TYPE check_kind")
