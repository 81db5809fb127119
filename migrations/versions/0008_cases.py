"""case management (rule 11): cases, assessments, service plans, monitoring, timeline

A case is one agency's work with one person; `case_entries` is its timeline (one row per change). The
managing agency sees its cases; other agencies see a case while their remit holds its person. While a
case is open (any phase but CLOSED) the person is in the managing agency's remit: a trigger keeps
`person_remit`, as 0004's do for enrollments and consents and 0005's for referrals. Referrals gain the
foreign key to the case they are part of.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"
PHASES = ("ASSESSMENT", "SERVICE_PACKAGE", "COORDINATION", "MONITORING", "CLOSED")
RISK_LEVELS = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
ENTRY_KINDS = ("OPENED", "ASSESSMENT", "SERVICE_PLAN", "MONITORING", "CLOSED", "REOPENED", "REFERRAL")

REMIT_TRIGGER = """
CREATE FUNCTION sxvis_remit_from_cases() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM person_remit r USING new_rows n WHERE r.source = 'CASE' AND r.source_id = n.id;
  INSERT INTO person_remit (agency_code, person_id, source, source_id, until)
    SELECT agency_code, person_id, 'CASE', id, NULL FROM new_rows WHERE phase <> 'CLOSED'
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$
--
CREATE TRIGGER cases_remit_insert AFTER INSERT ON cases
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sxvis_remit_from_cases()
--
CREATE TRIGGER cases_remit_update AFTER UPDATE ON cases
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sxvis_remit_from_cases()
"""

_PERSON_SEEN = "EXISTS (SELECT 1 FROM persons p WHERE p.id = cases.person_id)"

# table → (USING, WITH CHECK). Only the managing agency writes a case; it keeps seeing its own cases
# after closing them (the person then only as far as its remit still reaches).
POLICIES = {
    "cases": (
        "(SELECT sxvis_audits()) OR agency_code = (SELECT sxvis_agency()) OR " + _PERSON_SEEN,
        "agency_code = (SELECT sxvis_agency())",
    ),
    "case_entries": (
        "EXISTS (SELECT 1 FROM cases c WHERE c.id = case_entries.case_id)",
        "EXISTS (SELECT 1 FROM cases c WHERE c.id = case_entries.case_id"
        " AND c.agency_code = (SELECT sxvis_agency()))",
    ),
}

NEW_SEED_LINES = (
    ("social_worker", "*", "case", "open"),
    ("social_worker", "*", "case", "read"),
    ("social_worker", "*", "case", "update"),
    ("social_worker", "*", "case", "close"),
)


def upgrade() -> None:
    postgresql.ENUM(*PHASES, name="case_phase").create(op.get_bind())
    postgresql.ENUM(*RISK_LEVELS, name="case_risk_level").create(op.get_bind())
    postgresql.ENUM(*ENTRY_KINDS, name="case_entry_kind").create(op.get_bind())
    phase = postgresql.ENUM(name="case_phase", create_type=False)
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("manager_id", sa.Text(), nullable=False),
        sa.Column("phase", phase, nullable=False),
        sa.Column("risk_level", postgresql.ENUM(name="case_risk_level", create_type=False), nullable=True),
        sa.Column("assessment", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("service_plan", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_cases_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_cases_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index("ix_cases_person_id", "cases", ["person_id"])
    op.create_index("ix_cases_agency_code_phase", "cases", ["agency_code", "phase"])
    op.create_index(
        "uq_cases_open_per_agency",
        "cases",
        ["person_id", "agency_code"],
        unique=True,
        postgresql_where=sa.text("phase <> 'CLOSED'"),
    )
    op.create_table(
        "case_entries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", postgresql.ENUM(name="case_entry_kind", create_type=False), nullable=False),
        sa.Column("from_phase", phase, nullable=True),
        sa.Column("to_phase", phase, nullable=False),
        sa.Column("actor_user", sa.Text(), nullable=False),
        sa.Column("actor_agency", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_entries_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_case_entries_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_entries")),
    )
    op.create_index("ix_case_entries_case_id", "case_entries", ["case_id", "id"])
    op.create_foreign_key(op.f("fk_referrals_case_id_cases"), "referrals", "cases", ["case_id"], ["id"])
    op.create_index("ix_referrals_case_id", "referrals", ["case_id"])
    for statement in REMIT_TRIGGER.split("\n--\n"):
        op.execute(statement)
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON cases, case_entries TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    for table, (using, check) in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY sxvis_owner ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)")
        op.execute(f"CREATE POLICY sxvis_remit ON {table} TO {APP_ROLE} USING ({using}) WITH CHECK ({check})")
    values = ", ".join(f"('p', '{r}', '{d}', '{o}', '{a}')" for r, d, o, a in NEW_SEED_LINES)
    op.execute(
        "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
        f" SELECT ptype, v0, v1, v2, v3, 'migration 0008' FROM (VALUES {values}) AS new (ptype, v0, v1, v2, v3)"
        " WHERE EXISTS (SELECT 1 FROM policy_rules) ON CONFLICT ON CONSTRAINT uq_policy_rules_line DO NOTHING"
    )


def downgrade() -> None:
    op.execute("DELETE FROM policy_rules WHERE ptype = 'p' AND v2 = 'case'")
    op.execute("DELETE FROM person_remit WHERE source = 'CASE'")
    op.drop_index("ix_referrals_case_id", table_name="referrals")
    op.drop_constraint(op.f("fk_referrals_case_id_cases"), "referrals", type_="foreignkey")
    op.drop_table("case_entries")
    op.drop_table("cases")
    op.execute("DROP FUNCTION sxvis_remit_from_cases()")
    op.execute("DROP TYPE case_entry_kind")
    op.execute("DROP TYPE case_risk_level")
    op.execute("DROP TYPE case_phase")
