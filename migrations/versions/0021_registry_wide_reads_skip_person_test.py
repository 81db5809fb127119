"""a registry-wide reader's rows of a person's records pass the row policy without a person lookup each

The row policy of `circumstances`, `enrollments`, `consents` and `household_members` (migration 0004)
lets a row through when its person is visible: `EXISTS (SELECT 1 FROM persons p WHERE p.id =
person_id)`, itself under `persons`' policy. For a reader with the registry-wide grant every person is
visible (`persons`' policy begins `sxvis_reads_all() OR`), so the lookup can only answer yes (the
person id is NOT NULL and a foreign key), and it was still made for every row read: SXA's count of
adults with a disability looked up 303,885 persons for 301,483 answers (4.0 s on a million persons;
1.45 s with the test below, in one run).

So each policy tests the grant first, once per statement (an InitPlan), as `persons`' and
`person_remit`'s already do: `(SELECT sxvis_reads_all()) OR EXISTS (...)`. Who sees which row does not
change; only USING changes (what a row written must satisfy, WITH CHECK, stays the person's test).

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("circumstances", "enrollments", "consents", "household_members")


def _of_person(table: str) -> str:
    return f"EXISTS (SELECT 1 FROM persons p WHERE p.id = {table}.person_id)"


def upgrade() -> None:
    for table in TABLES:
        op.execute(
            f"ALTER POLICY sxvis_remit ON {table} USING ((SELECT sxvis_reads_all()) OR {_of_person(table)})"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER POLICY sxvis_remit ON {table} USING ({_of_person(table)})")
