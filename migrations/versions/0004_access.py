"""access: the application role, the remit, row-level security, consent, break-the-glass, notices

The access model's second line (DESIGN, "Identity and access"). The services decide which persons an
agency sees (its remit) in their own SQL; PostgreSQL repeats the rule here, for the role the application
connects as, so a forgotten condition in a new query shows nothing rather than everything.

- `sxvis_app` is the application's login: not a superuser, no BYPASSRLS, owns nothing. It may read and
  write the registry, insert and read the access log (never change it), and read the catalogue. The
  owner (whoever runs this migration) keeps migrations, seeding and sealing.
- The remit: an agency sees a person it registered, a person with a row in `person_remit` for it (an
  active enrollment at it, a consent naming it; triggers keep those rows, so no code path can forget
  one), or every person when the transaction says it holds a registry-wide grant. Each transaction says
  who it acts for with `set_config('sxvis.agency', …, true)` and `set_config('sxvis.remit', 'all', true)`;
  with the agency missing or empty, every policy lets nothing through.
- Rows about a person (circumstances, enrollments, household membership, consents, break-the-glass) are
  visible exactly when the person is: their policies ask `persons`, whose policy applies in turn.
- Tables have ENABLE and FORCE ROW LEVEL SECURITY; the owner has its own all-rows policy, so forcing
  binds every other role without locking out maintenance.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"

CREATE_APP_ROLE = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$
"""

HELPERS = """
CREATE FUNCTION sxvis_agency() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('sxvis.agency', true), '') $$
--

CREATE FUNCTION sxvis_reads_all() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('sxvis.agency', true), '') IS NOT NULL
          AND coalesce(current_setting('sxvis.remit', true), '') = 'all' $$
--

CREATE FUNCTION sxvis_audits() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('sxvis.agency', true), '') IS NOT NULL
          AND coalesce(current_setting('sxvis.audit', true), '') = 'on' $$
"""

# Statement-level triggers with transition tables: one INSERT … SELECT per statement, so a COPY of a
# million enrollments costs one statement here, not a million.
REMIT_TRIGGERS = """
CREATE FUNCTION sxvis_remit_from_enrollments() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM person_remit r USING new_rows n WHERE r.source = 'ENROLLMENT' AND r.source_id = n.id;
  INSERT INTO person_remit (agency_code, person_id, source, source_id, until)
    SELECT provider_code, person_id, 'ENROLLMENT', id, NULL FROM new_rows WHERE status = 'ACTIVE'
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$
--
CREATE TRIGGER enrollments_remit_insert AFTER INSERT ON enrollments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sxvis_remit_from_enrollments()
--
CREATE TRIGGER enrollments_remit_update AFTER UPDATE ON enrollments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sxvis_remit_from_enrollments()
--
CREATE FUNCTION sxvis_remit_from_consents() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM person_remit r USING new_rows n WHERE r.source = 'CONSENT' AND r.source_id = n.id;
  INSERT INTO person_remit (agency_code, person_id, source, source_id, until)
    SELECT agency_code, person_id, 'CONSENT', id, (valid_until + 1)::timestamp AT TIME ZONE 'Asia/Baku'
    FROM new_rows WHERE revoked_at IS NULL
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$
--
CREATE TRIGGER consents_remit_insert AFTER INSERT ON consents
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sxvis_remit_from_consents()
--
CREATE TRIGGER consents_remit_update AFTER UPDATE ON consents
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sxvis_remit_from_consents()
"""

# Who is behind an id or FIN the caller cannot see: only the id and the protecting agency, so that a
# denial can be logged against the person and the protecting agency told, and nothing else leaks.
HIDDEN_PERSON = f"""
CREATE FUNCTION sxvis_hidden_person(p_id uuid, p_fin text)
RETURNS TABLE (id uuid, protected_by text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.id, p.protected_by FROM persons p
  WHERE (p_id IS NOT NULL AND p.id = p_id) OR (p_fin IS NOT NULL AND p.fin = p_fin)
$$
--
REVOKE ALL ON FUNCTION sxvis_hidden_person(uuid, text) FROM PUBLIC
--
GRANT EXECUTE ON FUNCTION sxvis_hidden_person(uuid, text) TO {APP_ROLE}
"""

# Row-level security lets only LEAKPROOF operators reach an index before the policy has been checked,
# so without this the name search (`<%`, pg_trgm) reads every person and checks the policy on each: a
# sequential scan, ten times the cost (docs/performance.md). The two functions compare strings and raise
# no error that depends on the data, which is what LEAKPROOF promises. Only a superuser may say so; an
# owner that is not one gets a notice and a slower search.
LEAKPROOF_SEARCH = """
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION word_similarity_op(text, text) LEAKPROOF;
    ALTER FUNCTION word_similarity_commutator_op(text, text) LEAKPROOF;
  ELSE
    RAISE NOTICE 'not a superuser: the name search cannot use its index under row-level security';
  END IF;
END
$$
"""

PERSON_VISIBLE = """
  sxvis_reads_all()
  OR registered_by = sxvis_agency()
  OR EXISTS (SELECT 1 FROM person_remit r
             WHERE r.person_id = persons.id AND r.agency_code = sxvis_agency()
               AND (r.until IS NULL OR r.until > now()))
"""


def _of_person(table: str) -> str:
    return f"EXISTS (SELECT 1 FROM persons p WHERE p.id = {table}.person_id)"


# table → (USING, WITH CHECK)
POLICIES: dict[str, tuple[str, str]] = {
    "persons": (PERSON_VISIBLE, PERSON_VISIBLE),
    "person_remit": ("sxvis_reads_all() OR agency_code = sxvis_agency()", "false"),
    "household_members": (_of_person("household_members"), _of_person("household_members")),
    "households": (
        "EXISTS (SELECT 1 FROM persons p WHERE p.id = households.head_person_id)"
        " OR EXISTS (SELECT 1 FROM household_members m WHERE m.household_id = households.id)",
        "sxvis_agency() IS NOT NULL",
    ),
    "circumstances": (_of_person("circumstances"), _of_person("circumstances")),
    "enrollments": (_of_person("enrollments"), _of_person("enrollments")),
    "consents": (_of_person("consents"), _of_person("consents")),
    # Opened by a user of the agency on a person in its remit; read and reviewed by auditors too.
    "break_glass_grants": (
        "sxvis_audits() OR (agency_code = sxvis_agency() AND " + _of_person("break_glass_grants") + ")",
        "sxvis_audits() OR (agency_code = sxvis_agency() AND " + _of_person("break_glass_grants") + ")",
    ),
    "notices": ("sxvis_audits() OR agency_code = sxvis_agency()", "sxvis_agency() IS NOT NULL"),
}

GRANTS = {
    "SELECT, INSERT, UPDATE": (
        "persons",
        "households",
        "household_members",
        "circumstances",
        "enrollments",
        "consents",
        "break_glass_grants",
        "notices",
    ),
    "SELECT, INSERT": ("access_events",),
    "SELECT, INSERT, DELETE": ("policy_rules",),
    "SELECT": (
        "person_remit",
        "access_event_seals",
        "agencies",
        "services",
        "service_required_documents",
        "service_providers",
        "alembic_version",
    ),
}


# Lines the seed policy gained with this revision. A database seeded before it (a policy table that is
# not empty) gets them here; an empty one gets the whole seed at the next start (`seed_policies`).
NEW_SEED_LINES = (
    ("social_worker", "*", "person", "read_contact"),
    ("social_worker", "*", "person", "read_address"),
    ("social_worker", "*", "notice", "read"),
    ("agency_admin", "*", "notice", "read"),
    ("social_worker", "VXSIDA", "registry", "read"),
    ("social_worker", "EESMN", "registry", "read"),
    ("social_worker", "SXA", "registry", "read"),
    ("partner_agency", "EESMN", "registry", "read"),
    ("partner_agency", "SXA", "registry", "read"),
)


def _add_new_seed_lines() -> None:
    values = ", ".join(f"('p', '{r}', '{d}', '{o}', '{a}')" for r, d, o, a in NEW_SEED_LINES)
    op.execute(
        "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
        f" SELECT ptype, v0, v1, v2, v3, 'migration 0004' FROM (VALUES {values}) AS new (ptype, v0, v1, v2, v3)"
        " WHERE EXISTS (SELECT 1 FROM policy_rules) ON CONFLICT ON CONSTRAINT uq_policy_rules_line DO NOTHING"
    )


def _once_per_statement(expression: str) -> str:
    """`(SELECT sxvis_agency())` rather than `sxvis_agency()`: an InitPlan, read once per statement
    instead of once per row (the settings cannot change within a statement)."""
    for helper in ("sxvis_agency()", "sxvis_reads_all()", "sxvis_audits()"):
        expression = expression.replace(helper, f"(SELECT {helper})")
    return expression


def _execute_each(script: str) -> None:
    """Run a script whose statements are separated by `--` lines (one statement per round trip)."""
    for statement in script.split("\n--\n"):
        if statement.strip():
            op.execute(statement)


def upgrade() -> None:
    op.add_column("persons", sa.Column("protected_by", sa.String(length=32), nullable=True))
    op.create_foreign_key(
        op.f("fk_persons_protected_by_agencies"), "persons", "agencies", ["protected_by"], ["code"]
    )
    op.execute("UPDATE persons SET protected_by = registered_by WHERE protected")
    op.create_check_constraint(
        op.f("ck_persons_protection_has_holder"), "persons", "protected = (protected_by IS NOT NULL)"
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_by_agency", sa.String(length=32), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Text(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_consents_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_consents_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_agency"], ["agencies.code"], name=op.f("fk_consents_recorded_by_agency_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index("ix_consents_person_id", "consents", ["person_id"])
    op.create_index("ix_consents_agency_person", "consents", ["agency_code", "person_id"])
    op.create_table(
        "person_remit",
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_person_remit_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_remit_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "agency_code", "person_id", "source", "source_id", name=op.f("pk_person_remit")
        ),
    )
    op.create_index("ix_person_remit_person_id", "person_remit", ["person_id"])
    op.create_table(
        "break_glass_grants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("reason_code", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_break_glass_grants_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_break_glass_grants_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass_grants")),
    )
    op.create_index("ix_break_glass_grants_person_user", "break_glass_grants", ["person_id", "user_id"])
    op.create_index("ix_break_glass_grants_reviewed_at", "break_glass_grants", ["reviewed_at"])
    op.create_table(
        "notices",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.dialects.postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_notices_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_notices_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_index("ix_notices_agency_code_id", "notices", ["agency_code", "id"])

    _add_new_seed_lines()
    op.execute(CREATE_APP_ROLE)
    _execute_each(HELPERS)
    _execute_each(REMIT_TRIGGERS)
    op.execute(
        "INSERT INTO person_remit (agency_code, person_id, source, source_id)"
        " SELECT provider_code, person_id, 'ENROLLMENT', id FROM enrollments WHERE status = 'ACTIVE'"
    )
    _execute_each(HIDDEN_PERSON)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    for privileges, tables in GRANTS.items():
        op.execute(f"GRANT {privileges} ON {', '.join(tables)} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    _execute_each(LEAKPROOF_SEARCH)
    for table, (using, check) in POLICIES.items():
        using, check = _once_per_statement(using), _once_per_statement(check)
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY sxvis_owner ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)")
        op.execute(f"CREATE POLICY sxvis_remit ON {table} TO {APP_ROLE} USING ({using}) WITH CHECK ({check})")


def downgrade() -> None:
    op.execute(LEAKPROOF_SEARCH.replace(" LEAKPROOF;", " NOT LEAKPROOF;"))
    for table in POLICIES:
        op.execute(f"DROP POLICY sxvis_remit ON {table}")
        op.execute(f"DROP POLICY sxvis_owner ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    # The role is the cluster's (other databases may use it): only what it holds here is taken back.
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON SCHEMA public FROM {APP_ROLE}")
    op.execute("DROP FUNCTION sxvis_hidden_person(uuid, text)")
    for trigger in ("enrollments_remit_insert", "enrollments_remit_update"):
        op.execute(f"DROP TRIGGER {trigger} ON enrollments")
    op.drop_table("notices")
    op.drop_table("break_glass_grants")
    op.drop_table("person_remit")
    op.drop_table("consents")
    op.execute("DROP FUNCTION sxvis_remit_from_enrollments()")
    op.execute("DROP FUNCTION sxvis_remit_from_consents()")
    op.execute("DROP FUNCTION sxvis_audits()")
    op.execute("DROP FUNCTION sxvis_reads_all()")
    op.execute("DROP FUNCTION sxvis_agency()")
    op.drop_constraint(op.f("ck_persons_protection_has_holder"), "persons", type_="check")
    op.drop_constraint(op.f("fk_persons_protected_by_agencies"), "persons", type_="foreignkey")
    op.drop_column("persons", "protected_by")
