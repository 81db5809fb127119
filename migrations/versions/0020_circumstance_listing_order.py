"""a category's persons in listing order: a filter on a circumstance reads that circumstance's persons

`persons(filter: {category})` walked the registry in listing order and tested each person for an
active circumstance of the category: the page cost whatever lay before its fiftieth match. Where the
matches are hidden from the caller (every victim of domestic violence is protected, so a registry-wide
reader's listing shows none of them), that was the whole registry: 11-12 s of PostgreSQL on a million
persons, for an empty page.

- `circumstances.sort_key`: the person's `sort_key`, copied in by a trigger on insert and on a change
  of person, and kept by a trigger on `persons` when a name changes (as migration 0019 does for
  `person_remit`).
- `ix_circumstances_category_sort` (category, sort key, person) with the columns the listing reads
  (`until`, `id`): a category's persons in listing order are one range of the index alone
  (`sxvis.registry.listing`). Without `id` there, PostgreSQL judged the whole category cheaper read
  by bitmap and sorted (2 s for 300,000 circumstances) than walked in order.
- `enum_eq` marked LEAKPROOF (when the migration runs as a superuser, as 0004 does for the name
  search's operators): under row-level security only a leakproof operator may bound an index scan.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Under row-level security, only a leakproof operator may bound an index scan ahead of the policy's
# test; enum equality compares two OIDs and raises nothing, but is not marked so. Without it (a
# migration run by a role that is not a superuser), the category's range is read whole and sorted.
LEAKPROOF_CATEGORY = """
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION enum_eq(anyenum, anyenum) LEAKPROOF;
  ELSE
    RAISE NOTICE 'not a superuser: a listing by category cannot walk its index under row-level security';
  END IF;
END
$$
"""

# As the owner (SECURITY DEFINER): the person's row is read whatever the writer's row scope.
COPY_SORT_KEY = """
CREATE FUNCTION sxvis_circumstance_sort_key() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  SELECT p.sort_key INTO NEW.sort_key FROM persons p WHERE p.id = NEW.person_id;
  RETURN NEW;
END
$$
"""

# Replaces 0019's function: a renamed person's remit rows and circumstances follow the new name.
FOLLOW_SORT_KEY = """
CREATE OR REPLACE FUNCTION sxvis_remit_follow_sort_key() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE person_remit SET sort_key = NEW.sort_key WHERE person_id = NEW.id;
  UPDATE circumstances SET sort_key = NEW.sort_key WHERE person_id = NEW.id;
  RETURN NULL;
END
$$
"""

FOLLOW_SORT_KEY_0019 = """
CREATE OR REPLACE FUNCTION sxvis_remit_follow_sort_key() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE person_remit SET sort_key = NEW.sort_key WHERE person_id = NEW.id;
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute('ALTER TABLE circumstances ADD COLUMN sort_key text COLLATE "C"')
    op.execute("UPDATE circumstances c SET sort_key = p.sort_key FROM persons p WHERE p.id = c.person_id")
    op.execute("ALTER TABLE circumstances ALTER COLUMN sort_key SET NOT NULL")
    op.create_index(
        "ix_circumstances_category_sort",
        "circumstances",
        ["category", "sort_key", "person_id"],
        postgresql_include=["until", "id"],
    )
    op.execute(LEAKPROOF_CATEGORY)
    op.execute(COPY_SORT_KEY)
    op.execute("REVOKE ALL ON FUNCTION sxvis_circumstance_sort_key() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER circumstances_sort_key BEFORE INSERT OR UPDATE OF person_id ON circumstances"
        " FOR EACH ROW EXECUTE FUNCTION sxvis_circumstance_sort_key()"
    )
    op.execute(FOLLOW_SORT_KEY)


def downgrade() -> None:
    op.execute(LEAKPROOF_CATEGORY.replace("LEAKPROOF;", "NOT LEAKPROOF;"))
    op.execute(FOLLOW_SORT_KEY_0019)
    op.execute("DROP TRIGGER circumstances_sort_key ON circumstances")
    op.execute("DROP FUNCTION sxvis_circumstance_sort_key()")
    op.drop_index("ix_circumstances_category_sort", table_name="circumstances")
    op.execute("ALTER TABLE circumstances DROP COLUMN sort_key")
