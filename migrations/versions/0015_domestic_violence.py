"""domestic-violence cases (rule 10, passport 09-03-00-00 steps 3-5): registrations and interviews

- `domestic_violence_cases`: one row per `registerDomesticViolenceCase`, naming the person, the case,
  the circumstance whose police report went out, and the referral to SXA (if a placement was needed);
  unique per agency and idempotency key, so a repeated request returns what the first one made.
- `domestic_violence_interviews`: the lawyer's and the psychologist's interview records (step 3).

Both are readable and writable by the registering agency only (row-level security on `agency_code`),
not by registry-wide readers, the agency the person is referred to, or auditors; the application role
may INSERT and SELECT, never change or delete: an interview record is kept as it was written.

The policy gains `dv_case:register` and `dv_case:read_interviews` for social workers (and, by
inheritance, case managers) of the DOST centres, which perform the service (passport §4, §20, step 3).

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"
TABLES = ("domestic_violence_cases", "domestic_violence_interviews")
OWN_AGENCY = "agency_code = (SELECT sxvis_agency())"
DOST_CENTRES = ("DOST-BAKI-1", "DOST-BAKI-4", "DOST-GENCE", "DOST-LENKERAN", "DOST-SEKI")
NEW_SEED_LINES = tuple(
    ("social_worker", centre, "dv_case", act)
    for centre in DOST_CENTRES
    for act in ("register", "read_interviews")
)


def upgrade() -> None:
    postgresql.ENUM("LAWYER", "PSYCHOLOGIST", name="interview_kind").create(op.get_bind())
    op.create_table(
        "domestic_violence_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("circumstance_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("placement_needed", sa.Boolean(), nullable=False),
        sa.Column("registered_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_domestic_violence_cases_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_domestic_violence_cases_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["circumstance_id"],
            ["circumstances.id"],
            name=op.f("fk_domestic_violence_cases_circumstance_id_circumstances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_domestic_violence_cases_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_domestic_violence_cases_referral_id_referrals"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domestic_violence_cases")),
        sa.UniqueConstraint("agency_code", "idempotency_key", name="uq_domestic_violence_cases_idempotency"),
    )
    op.create_index("ix_domestic_violence_cases_person_id", "domestic_violence_cases", ["person_id"])
    op.create_index("ix_domestic_violence_cases_case_id", "domestic_violence_cases", ["case_id"])
    op.create_table(
        "domestic_violence_interviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("registration_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("kind", postgresql.ENUM(name="interview_kind", create_type=False), nullable=False),
        sa.Column("interviewer", sa.Text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
            name=op.f("fk_domestic_violence_interviews_agency_code_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_domestic_violence_interviews_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_domestic_violence_interviews_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["domestic_violence_cases.id"],
            name=op.f("fk_domestic_violence_interviews_registration_id_domestic_violence_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domestic_violence_interviews")),
    )
    op.create_index("ix_domestic_violence_interviews_case_id", "domestic_violence_interviews", ["case_id"])
    op.create_index(
        "ix_domestic_violence_interviews_person_id", "domestic_violence_interviews", ["person_id"]
    )
    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY sxvis_owner ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)")
        op.execute(
            f"CREATE POLICY sxvis_remit ON {table} TO {APP_ROLE} USING ({OWN_AGENCY}) WITH CHECK ({OWN_AGENCY})"
        )
    values = ", ".join(f"('p', '{r}', '{d}', '{o}', '{a}')" for r, d, o, a in NEW_SEED_LINES)
    op.execute(
        "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
        f" SELECT ptype, v0, v1, v2, v3, 'migration 0015' FROM (VALUES {values}) AS new (ptype, v0, v1, v2, v3)"
        " WHERE EXISTS (SELECT 1 FROM policy_rules) ON CONFLICT ON CONSTRAINT uq_policy_rules_line DO NOTHING"
    )


def downgrade() -> None:
    op.execute("DELETE FROM policy_rules WHERE ptype = 'p' AND v2 = 'dv_case'")
    op.drop_table("domestic_violence_interviews")
    op.drop_table("domestic_violence_cases")
    op.execute("DROP TYPE interview_kind")
