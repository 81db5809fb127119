"""referrals: referrals between agencies and their history, in the remit and under row-level security

A referral is visible to its sender and its receiver (and to auditors); its history to whoever sees the
referral. While a referral is open (REQUESTED, ACCEPTED, IN_PROGRESS) the person is in the receiving
agency's remit: a trigger keeps `person_remit`, as migration 0004's do for enrollments and consents.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"
STATUSES = ("REQUESTED", "ACCEPTED", "REJECTED", "CANCELLED", "IN_PROGRESS", "COMPLETED", "FAILED")
URGENCIES = ("ROUTINE", "URGENT", "EMERGENCY")

REMIT_TRIGGER = """
CREATE FUNCTION sxvis_remit_from_referrals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM person_remit r USING new_rows n WHERE r.source = 'REFERRAL' AND r.source_id = n.id;
  INSERT INTO person_remit (agency_code, person_id, source, source_id, until)
    SELECT to_agency, person_id, 'REFERRAL', id, NULL FROM new_rows
    WHERE status IN ('REQUESTED', 'ACCEPTED', 'IN_PROGRESS')
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$
--
CREATE TRIGGER referrals_remit_insert AFTER INSERT ON referrals
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sxvis_remit_from_referrals()
--
CREATE TRIGGER referrals_remit_update AFTER UPDATE ON referrals
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sxvis_remit_from_referrals()
"""

POLICIES = {
    "referrals": "(SELECT sxvis_audits()) OR from_agency = (SELECT sxvis_agency())"
    " OR to_agency = (SELECT sxvis_agency())",
    "referral_history": "EXISTS (SELECT 1 FROM referrals r WHERE r.id = referral_history.referral_id)",
}

NEW_SEED_LINES = (
    ("social_worker", "*", "referral", "create"),
    ("social_worker", "*", "referral", "read"),
    ("social_worker", "*", "referral", "respond"),
    ("social_worker", "*", "referral", "cancel"),
    ("partner_agency", "*", "referral", "read"),
    ("partner_agency", "*", "referral", "respond"),
)


def upgrade() -> None:
    status = postgresql.ENUM(*STATUSES, name="referral_status")
    urgency = postgresql.ENUM(*URGENCIES, name="referral_urgency")
    status.create(op.get_bind())
    urgency.create(op.get_bind())
    op.create_table(
        "referrals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("from_agency", sa.String(length=32), nullable=False),
        sa.Column("to_agency", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("urgency", postgresql.ENUM(name="referral_urgency", create_type=False), nullable=False),
        sa.Column("status", postgresql.ENUM(name="referral_status", create_type=False), nullable=False),
        sa.Column("service_code", sa.String(length=11), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("consent_id", sa.Uuid(), nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("flagged_for_review", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consents.id"], name=op.f("fk_referrals_consent_id_consents")
        ),
        sa.ForeignKeyConstraint(
            ["from_agency"], ["agencies.code"], name=op.f("fk_referrals_from_agency_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_referrals_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service_code"], ["services.code"], name=op.f("fk_referrals_service_code_services")
        ),
        sa.ForeignKeyConstraint(
            ["to_agency"], ["agencies.code"], name=op.f("fk_referrals_to_agency_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("from_agency", "idempotency_key", name="uq_referrals_idempotency"),
    )
    op.create_index("ix_referrals_person_id", "referrals", ["person_id"])
    op.create_index("ix_referrals_to_agency_status", "referrals", ["to_agency", "status"])
    op.create_index("ix_referrals_from_agency_status", "referrals", ["from_agency", "status"])
    op.create_table(
        "referral_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", postgresql.ENUM(name="referral_status", create_type=False), nullable=True),
        sa.Column("to_status", postgresql.ENUM(name="referral_status", create_type=False), nullable=False),
        sa.Column("actor_user", sa.Text(), nullable=False),
        sa.Column("actor_agency", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_history_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_history")),
    )
    op.create_index("ix_referral_history_referral_id", "referral_history", ["referral_id", "id"])
    for statement in REMIT_TRIGGER.split("\n--\n"):
        op.execute(statement)
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON referrals, referral_history TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    for table, rule in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY sxvis_owner ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)")
        op.execute(f"CREATE POLICY sxvis_remit ON {table} TO {APP_ROLE} USING ({rule}) WITH CHECK ({rule})")
    values = ", ".join(f"('p', '{r}', '{d}', '{o}', '{a}')" for r, d, o, a in NEW_SEED_LINES)
    op.execute(
        "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
        f" SELECT ptype, v0, v1, v2, v3, 'migration 0005' FROM (VALUES {values}) AS new (ptype, v0, v1, v2, v3)"
        " WHERE EXISTS (SELECT 1 FROM policy_rules) ON CONFLICT ON CONSTRAINT uq_policy_rules_line DO NOTHING"
    )


def downgrade() -> None:
    op.execute("DELETE FROM person_remit WHERE source = 'REFERRAL'")
    op.drop_table("referral_history")
    op.drop_table("referrals")
    op.execute("DROP FUNCTION sxvis_remit_from_referrals()")
    op.execute("DROP TYPE referral_status")
    op.execute("DROP TYPE referral_urgency")
