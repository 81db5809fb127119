"""the remit in listing order: an agency's page of persons reads its own persons, not the registry

The plain listing (`persons` without a filter) of an agency without the registry-wide grant walked the
whole registry in listing order and tested each person against the remit: a page cost what the registry
holds before the agency's fiftieth person. An agency with a small remit paid for the whole registry
(1.8 s of PostgreSQL for a first page of an NGO with 408 remit rows, on a million persons).

- `person_remit.sort_key`: the person's `sort_key`, copied in by a trigger on every insert and on a
  change of person (a merge), and kept by a trigger on `persons` when a name changes; no code path
  writes it, as none writes `person_remit` itself.
- `ix_person_remit_agency_sort` (agency, sort key, person) and `ix_persons_registered_by_sort`
  (registering agency, sort key, id): an agency's persons in listing order are two index ranges,
  merged, so a page reads about its own rows (`sxvis.registry.persons`, `_REMIT_LISTING`).

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Run as the owner (SECURITY DEFINER): the application role reads `person_remit` but may not write it.
COPY_SORT_KEY = """
CREATE FUNCTION sxvis_remit_sort_key() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  SELECT p.sort_key INTO NEW.sort_key FROM persons p WHERE p.id = NEW.person_id;
  RETURN NEW;
END
$$
"""

FOLLOW_SORT_KEY = """
CREATE FUNCTION sxvis_remit_follow_sort_key() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE person_remit SET sort_key = NEW.sort_key WHERE person_id = NEW.id;
  RETURN NULL;
END
$$
"""

TRIGGERS = (
    "CREATE TRIGGER person_remit_sort_key BEFORE INSERT OR UPDATE OF person_id ON person_remit"
    " FOR EACH ROW EXECUTE FUNCTION sxvis_remit_sort_key()",
    # A generated column is never in an UPDATE's SET list: the trigger watches the names it is made of.
    "CREATE TRIGGER persons_remit_sort_key AFTER UPDATE OF last_name, first_name, patronymic ON persons"
    " FOR EACH ROW WHEN (OLD.sort_key IS DISTINCT FROM NEW.sort_key)"
    " EXECUTE FUNCTION sxvis_remit_follow_sort_key()",
)


def upgrade() -> None:
    op.execute('ALTER TABLE person_remit ADD COLUMN sort_key text COLLATE "C"')
    op.execute("UPDATE person_remit r SET sort_key = p.sort_key FROM persons p WHERE p.id = r.person_id")
    op.execute("ALTER TABLE person_remit ALTER COLUMN sort_key SET NOT NULL")
    # The columns the listing tests ride along, so the range is read without the table (and planned
    # as the cheapest way to read the whole remit in order, which the merged listing needs).
    op.create_index(
        "ix_person_remit_agency_sort",
        "person_remit",
        ["agency_code", "sort_key", "person_id"],
        postgresql_include=["until", "source", "source_id"],
    )
    op.create_index("ix_persons_registered_by_sort", "persons", ["registered_by", "sort_key", "id"])
    for statement in (COPY_SORT_KEY, FOLLOW_SORT_KEY):
        op.execute(statement)
    for function in ("sxvis_remit_sort_key()", "sxvis_remit_follow_sort_key()"):
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    op.execute("DROP TRIGGER persons_remit_sort_key ON persons")
    op.execute("DROP TRIGGER person_remit_sort_key ON person_remit")
    op.execute("DROP FUNCTION sxvis_remit_follow_sort_key()")
    op.execute("DROP FUNCTION sxvis_remit_sort_key()")
    op.drop_index("ix_persons_registered_by_sort", table_name="persons")
    op.drop_index("ix_person_remit_agency_sort", table_name="person_remit")
    op.execute("ALTER TABLE person_remit DROP COLUMN sort_key")
