"""the person's access report: its permission for databases seeded before it

`access_report:read` (the person's access report, `personAccessReport`) is granted by the seed policy to
auditors and agency administrators (authz/policy.csv). A database seeded before this revision gets the
two lines here; a new one gets them from the seed, and the insert below does nothing on it.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_SEED_LINES = (
    ("auditor", "*", "access_report", "read"),
    ("agency_admin", "*", "access_report", "read"),
)


def upgrade() -> None:
    values = ", ".join(f"('p', '{r}', '{d}', '{o}', '{a}')" for r, d, o, a in NEW_SEED_LINES)
    op.execute(
        "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
        f" SELECT ptype, v0, v1, v2, v3, 'migration 0018' FROM (VALUES {values}) AS new (ptype, v0, v1, v2, v3)"
        " WHERE EXISTS (SELECT 1 FROM policy_rules) ON CONFLICT ON CONSTRAINT uq_policy_rules_line DO NOTHING"
    )


def downgrade() -> None:
    for role, agency, obj, act in NEW_SEED_LINES:
        op.execute(
            "DELETE FROM policy_rules WHERE ptype = 'p'"
            f" AND v0 = '{role}' AND v1 = '{agency}' AND v2 = '{obj}' AND v3 = '{act}'"
        )
