"""duplicate pairs kept in the background

- `duplicate_pairs`: the probable-duplicate pairs of the whole registry with what matched (name score,
  same folded name, same spelling, same birth date, same address) and the score, one row per pair,
  the earlier registered person first. Written only by the owner (`sxvis.duplicates.pairs.refresh`,
  run by the server every `SXVIS_DUPLICATES_REFRESH_SECONDS` and by `sxvis duplicates refresh`);
  `duplicateCandidates` reads a page of it instead of comparing every pair of the registry on every
  request, which grows with the square of the persons sharing a birth date. Under row-level security:
  the application role sees a pair only when it sees both persons. No foreign keys on purpose:
  `sxvis_merge_person` moves every row that refers to `persons.id`, and a pair must not be moved but
  dropped; the reader joins `persons`, so a pair whose person is gone is never shown, and the next
  refresh removes it.
- `duplicate_pairs_state`: up to when the pairs are computed (persons changed after it are recomputed
  at the next refresh).
- `persons.updated_at` is set by the database on every update that changes the row (until now only
  the ORM set it; the import and the merge function wrote rows without it), since the refresh finds
  the persons to recompute by it.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"

TOUCH_FUNCTION = """
CREATE FUNCTION sxvis_touch_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$
"""

PAIRS_POLICY = (
    "EXISTS (SELECT 1 FROM persons a WHERE a.id = duplicate_pairs.a_id)"
    " AND EXISTS (SELECT 1 FROM persons b WHERE b.id = duplicate_pairs.b_id)"
)


def upgrade() -> None:
    op.execute(TOUCH_FUNCTION)
    op.execute(
        "CREATE TRIGGER persons_touch BEFORE UPDATE ON persons FOR EACH ROW EXECUTE FUNCTION sxvis_touch_person()"
    )
    op.create_index("ix_persons_updated_at", "persons", ["updated_at"])
    op.create_table(
        "duplicate_pairs",
        sa.Column("a_id", sa.Uuid(), nullable=False),
        sa.Column("b_id", sa.Uuid(), nullable=False),
        sa.Column("name_score", sa.Float(), nullable=False),
        sa.Column("same_key", sa.Boolean(), nullable=False),
        sa.Column("same_spelling", sa.Boolean(), nullable=False),
        sa.Column("same_birth_date", sa.Boolean(), nullable=False),
        sa.Column("same_address", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("a_id", "b_id", name=op.f("pk_duplicate_pairs")),
    )
    op.create_index(
        "ix_duplicate_pairs_page",
        "duplicate_pairs",
        [sa.text("score DESC"), "a_id", "b_id"],
    )
    op.create_index("ix_duplicate_pairs_b_id", "duplicate_pairs", ["b_id"])
    op.create_table(
        "duplicate_pairs_state",
        sa.Column("singleton", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("computed_through", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pairs", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("singleton", name=op.f("ck_duplicate_pairs_state_singleton")),
        sa.PrimaryKeyConstraint("singleton", name=op.f("pk_duplicate_pairs_state")),
    )
    op.execute("INSERT INTO duplicate_pairs_state (singleton) VALUES (true)")
    op.execute(f"GRANT SELECT ON duplicate_pairs, duplicate_pairs_state TO {APP_ROLE}")
    op.execute("ALTER TABLE duplicate_pairs ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE duplicate_pairs FORCE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY sxvis_owner ON duplicate_pairs TO CURRENT_USER USING (true) WITH CHECK (true)")
    op.execute(
        f"CREATE POLICY sxvis_remit ON duplicate_pairs TO {APP_ROLE} USING ({PAIRS_POLICY}) WITH CHECK (false)"
    )


def downgrade() -> None:
    op.drop_table("duplicate_pairs_state")
    op.drop_table("duplicate_pairs")
    op.drop_index("ix_persons_updated_at", table_name="persons")
    op.execute("DROP TRIGGER persons_touch ON persons")
    op.execute("DROP FUNCTION sxvis_touch_person()")
