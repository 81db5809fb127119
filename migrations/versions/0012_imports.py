"""bulk import staging, merged persons and duplicate candidates

- `person_imports`: one row per run of `sxvis import persons` (source agency, file, counts); the persons it
  wrote carry its id, source and time (`persons.import_id`, `import_source`, `imported_at`). The rows
  themselves are staged in a temporary table of the import's own transaction (`sxvis.imports.service`),
  so nothing is created here for them.
- `ix_persons_birth_date_name_key`: the probable-duplicate match (same birth date, same folded name) of
  the import and the blocking key of `duplicateCandidates`, answered from one index.
- `person_merges`: a merged person's id and what became of it, so the id stays resolvable to the kept
  person; under row-level security (visible when the kept person is).
- `sxvis_merge_person(keep, merge, merge_id)`: moves every row that refers to the merged person to the
  kept one, for every foreign key on `persons.id` found in the catalogue (`pg_constraint`), so a table
  added later is covered without changing this; a row that would collide with one the kept person already
  has (the same household twice, the same active enrollment twice) is removed and returned as JSON for the
  merge record. SECURITY DEFINER: the move must reach rows the acting agency does not see (another
  agency's referral about the person); the service checks the actor first.
- The actions `duplicate:read` and `person:merge` (and `registry:read`) for the agency administrators of
  the registry-wide agencies.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"

MERGE_FUNCTION = f"""
CREATE FUNCTION sxvis_merge_person(
  p_keep uuid, p_merge uuid, p_merge_id uuid, p_reason text, p_by text, p_filled text[])
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  fk record;
  victim record;
  moved bigint;
  counts jsonb := '{{}}'::jsonb;
  dropped jsonb := '[]'::jsonb;
  id_attnum smallint;
  agency text := nullif(current_setting('sxvis.agency', true), '');
  merged persons%ROWTYPE;
  kept persons%ROWTYPE;
  result jsonb;
BEGIN
  IF agency IS NULL THEN
    RAISE EXCEPTION 'sxvis_merge_person: the transaction names no acting agency'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF coalesce(current_setting('sxvis.remit', true), '') <> 'all' THEN
    -- Only the registry-wide readers may merge: a merge reaches rows no narrower remit sees.
    RAISE EXCEPTION 'sxvis_merge_person: merging needs the registry-wide grant'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_keep = p_merge THEN
    RAISE EXCEPTION 'sxvis_merge_person: a person cannot be merged into themselves';
  END IF;
  SELECT * INTO kept FROM persons WHERE id = p_keep FOR UPDATE;
  SELECT * INTO merged FROM persons WHERE id = p_merge FOR UPDATE;
  IF kept.id IS NULL OR merged.id IS NULL THEN
    RAISE EXCEPTION 'sxvis_merge_person: no such person' USING ERRCODE = 'no_data_found';
  END IF;
  SELECT attnum INTO id_attnum FROM pg_attribute
    WHERE attrelid = 'persons'::regclass AND attname = 'id';
  FOR fk IN
    SELECT c.conname, c.conrelid::regclass AS tbl, a.attname AS col, c.conkey, c.confkey
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND c.confrelid = 'persons'::regclass
    ORDER BY c.conrelid::regclass::text, c.conname
  LOOP
    IF array_length(fk.conkey, 1) <> 1 OR fk.confkey[1] <> id_attnum THEN
      RAISE EXCEPTION 'sxvis_merge_person: % is not a one-column key on persons.id', fk.conname;
    END IF;
    BEGIN
      EXECUTE format('UPDATE %s SET %I = $1 WHERE %I = $2', fk.tbl, fk.col, fk.col)
        USING p_keep, p_merge;
      GET DIAGNOSTICS moved = ROW_COUNT;
    EXCEPTION WHEN unique_violation OR exclusion_violation THEN
      -- Some rows collide with the kept person's own: move the others one by one, drop the colliders.
      moved := 0;
      FOR victim IN EXECUTE format(
          'SELECT ctid AS row_ctid, to_jsonb(t) AS row_json FROM %s t WHERE %I = $1', fk.tbl, fk.col)
        USING p_merge
      LOOP
        BEGIN
          EXECUTE format('UPDATE %s SET %I = $1 WHERE ctid = $2', fk.tbl, fk.col)
            USING p_keep, victim.row_ctid;
          moved := moved + 1;
        EXCEPTION WHEN unique_violation OR exclusion_violation THEN
          EXECUTE format('DELETE FROM %s WHERE ctid = $1', fk.tbl) USING victim.row_ctid;
          dropped := dropped || jsonb_build_object('table', fk.tbl::text, 'row', victim.row_json);
        END;
      END LOOP;
    END;
    IF moved > 0 THEN
      counts := counts || jsonb_build_object(fk.tbl::text || '.' || fk.col, moved);
    END IF;
  END LOOP;
  -- The agency that registered the merged record keeps the person in its remit.
  IF merged.registered_by <> kept.registered_by THEN
    INSERT INTO person_remit (agency_code, person_id, source, source_id, until)
      VALUES (merged.registered_by, p_keep, 'MERGE', p_merge_id, NULL) ON CONFLICT DO NOTHING;
  END IF;
  result := jsonb_build_object('moved', counts, 'dropped', dropped, 'filled', to_jsonb(p_filled));
  INSERT INTO person_merges (merged_id, kept_id, merge_id, merged_fin, reason, merged_by, merged_by_agency,
    snapshot, moved)
  VALUES (p_merge, p_keep, p_merge_id, merged.fin, p_reason, p_by, agency,
    to_jsonb(merged) - 'name_key' - 'sort_key', result);
  DELETE FROM persons WHERE id = p_merge;
  IF kept.household_id IS NULL THEN
    UPDATE persons SET household_id = (SELECT household_id FROM household_members WHERE person_id = p_keep)
      WHERE id = p_keep;
  END IF;
  RETURN result;
END
$$
--
REVOKE ALL ON FUNCTION sxvis_merge_person(uuid, uuid, uuid, text, text, text[]) FROM PUBLIC
--
GRANT EXECUTE ON FUNCTION sxvis_merge_person(uuid, uuid, uuid, text, text, text[]) TO {APP_ROLE}
"""

MERGES_POLICY = "EXISTS (SELECT 1 FROM persons p WHERE p.id = person_merges.kept_id)"

NEW_SEED_LINES = (
    ("agency_admin", "VXSIDA", "registry", "read"),
    ("agency_admin", "VXSIDA", "duplicate", "read"),
    ("agency_admin", "VXSIDA", "person", "merge"),
    ("agency_admin", "EESMN", "registry", "read"),
    ("agency_admin", "EESMN", "duplicate", "read"),
    ("agency_admin", "EESMN", "person", "merge"),
    ("agency_admin", "SXA", "registry", "read"),
    ("agency_admin", "SXA", "duplicate", "read"),
    ("agency_admin", "SXA", "person", "merge"),
)


def upgrade() -> None:
    op.create_table(
        "person_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_agency", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("run_by", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("inserted", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("unchanged", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("rejected", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("duplicates", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_agency"], ["agencies.code"], name=op.f("fk_person_imports_source_agency_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_imports")),
    )
    op.add_column("persons", sa.Column("import_source", sa.String(length=32), nullable=True))
    op.add_column("persons", sa.Column("import_id", sa.Uuid(), nullable=True))
    op.add_column("persons", sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(
        op.f("fk_persons_import_source_agencies"), "persons", "agencies", ["import_source"], ["code"]
    )
    op.create_foreign_key(
        op.f("fk_persons_import_id_person_imports"), "persons", "person_imports", ["import_id"], ["id"]
    )
    op.create_index("ix_persons_birth_date_name_key", "persons", ["birth_date", "name_key"])
    op.create_table(
        "person_merges",
        sa.Column("merged_id", sa.Uuid(), nullable=False),
        sa.Column("kept_id", sa.Uuid(), nullable=False),
        sa.Column("merge_id", sa.Uuid(), nullable=False),
        sa.Column("merged_fin", sa.String(length=7), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("merged_by", sa.Text(), nullable=False),
        sa.Column("merged_by_agency", sa.String(length=32), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("moved", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["kept_id"], ["persons.id"], name=op.f("fk_person_merges_kept_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["merged_by_agency"], ["agencies.code"], name=op.f("fk_person_merges_merged_by_agency_agencies")
        ),
        sa.PrimaryKeyConstraint("merged_id", name=op.f("pk_person_merges")),
    )
    op.create_index("ix_person_merges_kept_id", "person_merges", ["kept_id"])
    for statement in MERGE_FUNCTION.split("\n--\n"):
        op.execute(statement)
    op.execute(f"GRANT SELECT ON person_merges TO {APP_ROLE}")
    op.execute("ALTER TABLE person_merges ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE person_merges FORCE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY sxvis_owner ON person_merges TO CURRENT_USER USING (true) WITH CHECK (true)")
    op.execute(
        f"CREATE POLICY sxvis_remit ON person_merges TO {APP_ROLE} USING ({MERGES_POLICY}) WITH CHECK (false)"
    )
    values = ", ".join(f"('p', '{r}', '{d}', '{o}', '{a}')" for r, d, o, a in NEW_SEED_LINES)
    op.execute(
        "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
        f" SELECT ptype, v0, v1, v2, v3, 'migration 0012' FROM (VALUES {values}) AS new (ptype, v0, v1, v2, v3)"
        " WHERE EXISTS (SELECT 1 FROM policy_rules) ON CONFLICT ON CONSTRAINT uq_policy_rules_line DO NOTHING"
    )


def downgrade() -> None:
    conditions = " OR ".join(
        f"(ptype = 'p' AND v0 = '{r}' AND v1 = '{d}' AND v2 = '{o}' AND v3 = '{a}')"
        for r, d, o, a in NEW_SEED_LINES
    )
    op.execute(f"DELETE FROM policy_rules WHERE {conditions}")
    op.execute("DROP FUNCTION sxvis_merge_person(uuid, uuid, uuid, text, text, text[])")
    op.drop_table("person_merges")
    op.drop_index("ix_persons_birth_date_name_key", table_name="persons")
    op.drop_constraint(op.f("fk_persons_import_id_person_imports"), "persons", type_="foreignkey")
    op.drop_constraint(op.f("fk_persons_import_source_agencies"), "persons", type_="foreignkey")
    op.drop_column("persons", "imported_at")
    op.drop_column("persons", "import_id")
    op.drop_column("persons", "import_source")
    op.drop_table("person_imports")
