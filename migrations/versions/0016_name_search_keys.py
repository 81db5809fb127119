"""name search by folded name parts, served in index order

- `persons.last_key`, `first_key`, `patronymic_key`: the surname, the first name and the father's name
  (the first word of the patronymic, without "oğlu"/"qızı") folded by `sxvis_fold`, so one spelling
  stands for the Azerbaijani Latin, ASCII and Russian-Cyrillic ones. Byte-ordered (COLLATE "C"), so a
  prefix is an index range.
- Four b-tree indexes ending in the listing order (`sort_key, id`): an exact surname + first name, an
  exact surname, an exact first name and an exact father's name are each one ordered index range, and a
  page of the most common name in the country reads its 21 rows instead of every person sharing the
  words (docs/performance.md, "Name search").
- `person_name_words`: every folded surname, first name and father's name in the registry, with a
  trigram index: a misspelt word is corrected against these few thousand words, not against a million
  persons. Appended by statement triggers on `persons` (one call per COPY batch) as the owner; the
  application role may only read it. Words are never removed: a word nobody bears any more finds nobody.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"

# The father's name: the patronymic's first folded word ("Həsən oğlu" → "hasan"); '' when there is none.
PATRONYMIC_KEY_SQL = "split_part(sxvis_fold(coalesce(patronymic, '')), ' ', 1)"

WORDS_FUNCTION = """
CREATE FUNCTION sxvis_add_person_name_words() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO person_name_words (word)
  SELECT DISTINCT w FROM changed, unnest(ARRAY[last_key, first_key, patronymic_key]) AS w
  WHERE w <> ''
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$
"""

TRIGGERS = (
    "CREATE TRIGGER persons_name_words_insert AFTER INSERT ON persons REFERENCING NEW TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION sxvis_add_person_name_words()",
    "CREATE TRIGGER persons_name_words_update AFTER UPDATE ON persons REFERENCING NEW TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION sxvis_add_person_name_words()",
)


def upgrade() -> None:
    # One ALTER: the table is rewritten once for the three columns.
    op.execute(
        "ALTER TABLE persons"
        ' ADD COLUMN last_key text COLLATE "C" GENERATED ALWAYS AS (sxvis_fold(last_name)) STORED NOT NULL,'
        ' ADD COLUMN first_key text COLLATE "C" GENERATED ALWAYS AS (sxvis_fold(first_name)) STORED NOT NULL,'
        f' ADD COLUMN patronymic_key text COLLATE "C" GENERATED ALWAYS AS ({PATRONYMIC_KEY_SQL}) STORED NOT NULL'
    )
    op.create_index("ix_persons_last_first_key", "persons", ["last_key", "first_key", "sort_key", "id"])
    op.create_index("ix_persons_last_key", "persons", ["last_key", "sort_key", "id"])
    op.create_index("ix_persons_first_key", "persons", ["first_key", "sort_key", "id"])
    op.create_index("ix_persons_patronymic_key", "persons", ["patronymic_key", "sort_key", "id"])
    op.execute(
        'CREATE TABLE person_name_words (word text COLLATE "C" NOT NULL, CONSTRAINT pk_person_name_words PRIMARY KEY (word))'
    )
    op.execute("CREATE INDEX ix_person_name_words_trgm ON person_name_words USING gin (word gin_trgm_ops)")
    op.execute(
        "INSERT INTO person_name_words (word) SELECT DISTINCT w FROM persons,"
        " unnest(ARRAY[last_key, first_key, patronymic_key]) AS w WHERE w <> ''"
    )
    op.execute(f"GRANT SELECT ON person_name_words TO {APP_ROLE}")
    op.execute(WORDS_FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION sxvis_add_person_name_words() FROM PUBLIC")
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    op.execute("DROP TRIGGER persons_name_words_update ON persons")
    op.execute("DROP TRIGGER persons_name_words_insert ON persons")
    op.execute("DROP FUNCTION sxvis_add_person_name_words()")
    op.execute("DROP TABLE person_name_words")
    op.drop_index("ix_persons_patronymic_key", table_name="persons")
    op.drop_index("ix_persons_first_key", table_name="persons")
    op.drop_index("ix_persons_last_key", table_name="persons")
    op.drop_index("ix_persons_last_first_key", table_name="persons")
    op.execute("ALTER TABLE persons DROP COLUMN patronymic_key, DROP COLUMN first_key, DROP COLUMN last_key")
