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
- `duplicate_pairs_state`: when the pairs were last complete (null: never, or a full refresh died
  half way, so the next one is full again).
- `person_changes`: the persons inserted, updated or deleted since the last refresh, appended by
  statement triggers on `persons` (one trigger call per statement, not per row, for the million-row
  import) as the owner (SECURITY DEFINER: the application role has no access to the queue). Rows are
  only appended and deleted, never updated, so a writer never waits for a refresh, nor a refresh for
  a writer. A refresh takes the rows off in the transaction that recomputes their pairs: a change
  committed while it runs waits for the next one, and a refresh that fails gives them back.

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

QUEUE_FUNCTION = """
CREATE FUNCTION sxvis_queue_person_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO person_changes (person_id) SELECT DISTINCT id FROM gone;
  ELSE
    INSERT INTO person_changes (person_id) SELECT DISTINCT id FROM changed;
  END IF;
  RETURN NULL;
END
$$
"""

TRIGGERS = (
    "CREATE TRIGGER persons_queue_insert AFTER INSERT ON persons REFERENCING NEW TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION sxvis_queue_person_changes()",
    "CREATE TRIGGER persons_queue_update AFTER UPDATE ON persons REFERENCING NEW TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION sxvis_queue_person_changes()",
    "CREATE TRIGGER persons_queue_delete AFTER DELETE ON persons REFERENCING OLD TABLE AS gone"
    " FOR EACH STATEMENT EXECUTE FUNCTION sxvis_queue_person_changes()",
)

PAIRS_POLICY = (
    "EXISTS (SELECT 1 FROM persons a WHERE a.id = duplicate_pairs.a_id)"
    " AND EXISTS (SELECT 1 FROM persons b WHERE b.id = duplicate_pairs.b_id)"
)


def upgrade() -> None:
    op.create_table(
        "person_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_changes")),
    )
    op.execute("ALTER TABLE person_changes ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE person_changes FORCE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY sxvis_owner ON person_changes TO CURRENT_USER USING (true) WITH CHECK (true)")
    op.execute(QUEUE_FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION sxvis_queue_person_changes() FROM PUBLIC")
    for trigger in TRIGGERS:
        op.execute(trigger)
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
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
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
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER persons_queue_{event} ON persons")
    op.execute("DROP FUNCTION sxvis_queue_person_changes()")
    op.drop_table("person_changes")
