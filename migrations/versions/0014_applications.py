"""applications under the service passports: applications, documents, evidence, history, queues

An application is handled by the agency that took it (`agency_code`); while it is open (SUBMITTED,
ASSESSED, WAITING) its person is in that agency's remit: a trigger keeps `person_remit`, as 0005's do
for referrals. Three functions run as the owner for what no single agency's rows can answer: the
intake of a person by FIN outside the remit, the open application that makes a new one a duplicate,
and a waiting application's place in the national queue of its service (rule 9). Services gain the
passport's variants (treatment or rest vouchers) and whether they are given in queue order.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"
ENUMS = {
    "applicant_kind": (
        "SELF",
        "RELATIVE",
        "LEGAL_REPRESENTATIVE",
        "MUNICIPALITY",
        "NGO",
        "OTHER_WITH_CONSENT",
    ),
    "application_channel": ("IN_PERSON", "REPRESENTATIVE", "CALL_CENTRE", "SELF_SERVICE", "POST"),
    "application_status": (
        "SUBMITTED",
        "ASSESSED",
        "APPROVED",
        "WAITING",
        "ALLOCATED",
        "REFUSED",
        "WITHDRAWN",
    ),
    "refusal_ground": ("INCOMPLETE_DOCUMENTS", "NO_LEGAL_BASIS", "REMOVAL_FROM_SERVICE"),
    "document_form": ("ORIGINAL", "COPY", "NOTARISED_COPY", "ELECTRONIC_COPY"),
    "evidence_status": ("OK", "NOT_FOUND", "PENDING", "FAILED"),
}
OPEN = "status IN ('SUBMITTED', 'ASSESSED', 'WAITING')"

FUNCTIONS = f"""
CREATE FUNCTION sxvis_remit_from_applications() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM person_remit r USING new_rows n WHERE r.source = 'APPLICATION' AND r.source_id = n.id;
  INSERT INTO person_remit (agency_code, person_id, source, source_id, until)
    SELECT agency_code, person_id, 'APPLICATION', id, NULL FROM new_rows WHERE {OPEN}
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$
--
CREATE TRIGGER applications_remit_insert AFTER INSERT ON applications
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sxvis_remit_from_applications()
--
CREATE TRIGGER applications_remit_update AFTER UPDATE ON applications
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sxvis_remit_from_applications()
--
CREATE FUNCTION sxvis_intake_person(p_fin text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.id FROM persons p WHERE p.fin = p_fin
$$
--
CREATE FUNCTION sxvis_open_application(p_person uuid, p_service text)
RETURNS TABLE (id uuid, agency_code text, status application_status, submitted_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT a.id, a.agency_code, a.status, a.submitted_at FROM applications a
  WHERE a.person_id = p_person AND a.service_code = p_service AND a.{OPEN}
$$
--
CREATE FUNCTION sxvis_queue_positions(p_ids uuid[]) RETURNS TABLE (id uuid, queue_position bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id, (SELECT count(*) FROM applications q
                WHERE q.status = 'WAITING' AND q.service_code = t.service_code
                  AND (q.kind = t.kind OR (q.kind IS NULL AND t.kind IS NULL)) AND q.seq <= t.seq)
  FROM applications t WHERE t.id = ANY(p_ids) AND t.status = 'WAITING'
$$
"""
# Statistics for the Strategy's indicators, over every agency (as the owner), returning aggregates only:
# never a row. Applications are chosen by submission time, the handling agency's region and code, and
# the service; persons by their region and their circumstances in force.
STATISTICS = """
CREATE FUNCTION sxvis_service_statistics(
  p_from timestamptz, p_to timestamptz, p_region text, p_agency text, p_service text, p_now timestamptz)
RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH chosen AS (
    SELECT a.service_code, a.kind, a.channel::text AS channel, a.status::text AS status, a.submitted_at,
           a.decided_at, a.deadline_at, a.queued_at, a.allocated_at
    FROM applications a
    JOIN agencies handler ON handler.code = a.agency_code
    WHERE (p_from IS NULL OR a.submitted_at >= p_from)
      AND (p_to IS NULL OR a.submitted_at < p_to)
      AND (p_region IS NULL OR handler.region_code = p_region)
      AND (p_agency IS NULL OR a.agency_code = p_agency)
      AND (p_service IS NULL OR a.service_code = p_service)
  ),
  decided AS (
    SELECT extract(epoch FROM decided_at - submitted_at)::float8 / 86400 AS days,
           deadline_at IS NOT NULL AS timed, decided_at <= deadline_at AS on_time
    FROM chosen WHERE decided_at IS NOT NULL
  ),
  served AS (
    SELECT extract(epoch FROM allocated_at - queued_at)::float8 / 86400 AS days
    FROM chosen WHERE allocated_at IS NOT NULL AND queued_at IS NOT NULL
  ),
  waiting AS (
    SELECT a.service_code || coalesce(':' || a.kind, '') AS queue, a.queued_at
    FROM applications a JOIN agencies handler ON handler.code = a.agency_code
    WHERE a.status = 'WAITING'
      AND (p_region IS NULL OR handler.region_code = p_region)
      AND (p_agency IS NULL OR a.agency_code = p_agency)
      AND (p_service IS NULL OR a.service_code = p_service)
  ),
  people AS (
    SELECT DISTINCT c.person_id, c.category::text AS category, coalesce(p.region_code, 'UNKNOWN') AS region
    FROM circumstances c JOIN persons p ON p.id = c.person_id
    WHERE (c.until IS NULL OR c.until >= (p_now AT TIME ZONE 'Asia/Baku')::date)
      AND p.date_of_death IS NULL
      AND (p_region IS NULL OR p.region_code = p_region)
  )
  SELECT jsonb_build_object(
    'persons', (SELECT count(DISTINCT person_id) FROM people),
    'persons_by_category', (SELECT coalesce(jsonb_object_agg(category, n), '{}'::jsonb)
                            FROM (SELECT category, count(DISTINCT person_id) AS n FROM people GROUP BY 1) g),
    'persons_by_region', (SELECT coalesce(jsonb_object_agg(region, n), '{}'::jsonb)
                          FROM (SELECT region, count(DISTINCT person_id) AS n FROM people GROUP BY 1) g),
    'applications', (SELECT count(*) FROM chosen),
    'by_service', (SELECT coalesce(jsonb_object_agg(service_code, n), '{}'::jsonb)
                   FROM (SELECT service_code, count(*) AS n FROM chosen GROUP BY 1) g),
    'by_channel', (SELECT coalesce(jsonb_object_agg(channel, n), '{}'::jsonb)
                   FROM (SELECT channel, count(*) AS n FROM chosen GROUP BY 1) g),
    'by_outcome', (SELECT coalesce(jsonb_object_agg(outcome, n), '{}'::jsonb)
                   FROM (SELECT CASE WHEN status IN ('SUBMITTED', 'ASSESSED') THEN 'OPEN' ELSE status END
                                AS outcome, count(*) AS n FROM chosen GROUP BY 1) g),
    'decided', (SELECT count(*) FROM decided),
    'timed', (SELECT count(*) FROM decided WHERE timed),
    'on_time', (SELECT count(*) FROM decided WHERE timed AND on_time),
    'median_days', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FROM decided),
    'served', (SELECT count(*) FROM served),
    'median_wait_days', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FROM served),
    'waiting', (SELECT count(*) FROM waiting),
    'queues', (SELECT coalesce(jsonb_object_agg(queue, n), '{}'::jsonb)
               FROM (SELECT queue, count(*) AS n FROM waiting GROUP BY 1) g)
  )
$$
"""

GRANTED_FUNCTIONS = (
    "sxvis_service_statistics(timestamptz, timestamptz, text, text, text, timestamptz)",
    "sxvis_intake_person(text)",
    "sxvis_open_application(uuid, text)",
    "sxvis_queue_positions(uuid[])",
)

_PERSON_SEEN = "EXISTS (SELECT 1 FROM persons p WHERE p.id = applications.person_id)"
_OWN = "agency_code = (SELECT sxvis_agency())"


def _of_application(table: str) -> str:
    return f"EXISTS (SELECT 1 FROM applications a WHERE a.id = {table}.application_id)"


# table → (USING, WITH CHECK). The handling agency sees its applications; others, those of persons in
# their remit (an agency with the registry-wide grant serves the national queue of a rationed service).
POLICIES = {
    "applications": (f"(SELECT sxvis_audits()) OR {_OWN} OR {_PERSON_SEEN}", f"{_OWN} OR {_PERSON_SEEN}"),
    "application_documents": (
        _of_application("application_documents"),
        _of_application("application_documents"),
    ),
    "application_evidence": (
        _of_application("application_evidence"),
        _of_application("application_evidence"),
    ),
    "application_history": (_of_application("application_history"), _of_application("application_history")),
}

NEW_SEED_LINES = (
    ("social_worker", "*", "application", "submit"),
    ("social_worker", "*", "application", "read"),
    ("social_worker", "*", "application", "assess"),
    ("social_worker", "*", "application", "decide"),
    ("social_worker", "*", "application", "withdraw"),
    ("partner_agency", "*", "application", "read"),
    ("social_worker", "SXA", "queue", "allocate"),
    ("auditor", "*", "application", "statistics"),
    ("agency_admin", "*", "application", "statistics"),
    ("social_worker", "VXSIDA", "application", "statistics"),
    ("social_worker", "EESMN", "application", "statistics"),
    ("social_worker", "SXA", "application", "statistics"),
    ("partner_agency", "EESMN", "application", "statistics"),
    ("partner_agency", "SXA", "application", "statistics"),
)


def _enum(name: str) -> postgresql.ENUM:
    return postgresql.ENUM(name=name, create_type=False)


def upgrade() -> None:
    for name, values in ENUMS.items():
        postgresql.ENUM(*values, name=name).create(op.get_bind())
    op.add_column(
        "services",
        sa.Column("variants", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    )
    op.add_column(
        "services", sa.Column("rationed", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.execute(
        "UPDATE services SET variants = '{TREATMENT,REST}', rationed = true WHERE code = '01-09-07-00'"
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("service_code", sa.String(length=11), nullable=False),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("applicant_kind", _enum("applicant_kind"), nullable=False),
        sa.Column("representative_name", sa.Text(), nullable=True),
        sa.Column("representative_relation", sa.Text(), nullable=True),
        sa.Column("representative_document", sa.Text(), nullable=True),
        sa.Column("consent_id", sa.Uuid(), nullable=True),
        sa.Column("channel", _enum("application_channel"), nullable=False),
        sa.Column("status", _enum("application_status"), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessment_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("front_office_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("back_office_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_post_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("need", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_ground", _enum("refusal_ground"), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decision_posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_code", sa.String(length=32), nullable=True),
        sa.Column("enrollment_id", sa.Uuid(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("allocated_position", sa.Integer(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_applications_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consents.id"], name=op.f("fk_applications_consent_id_consents")
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name="fk_applications_enrollment_id_enrollments",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_applications_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["provider_code"], ["agencies.code"], name=op.f("fk_applications_provider_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["service_code"], ["services.code"], name=op.f("fk_applications_service_code_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("agency_code", "idempotency_key", name="uq_applications_idempotency"),
        sa.UniqueConstraint("seq", name="uq_applications_seq"),
    )
    op.create_index("ix_applications_person_id", "applications", ["person_id"])
    op.create_index("ix_applications_agency_status", "applications", ["agency_code", "status"])
    op.create_index("ix_applications_submitted_at_id", "applications", ["submitted_at", "id"])
    op.create_index(
        "uq_applications_open",
        "applications",
        ["person_id", "service_code"],
        unique=True,
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_applications_queue",
        "applications",
        ["service_code", "kind", "seq"],
        postgresql_where=sa.text("status = 'WAITING'"),
    )
    op.create_index(
        "ix_applications_undecided_post_by",
        "applications",
        ["decision_post_by"],
        postgresql_where=sa.text("status IN ('SUBMITTED', 'ASSESSED') AND escalated_at IS NULL"),
    )
    op.create_table(
        "application_documents",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("form", _enum("document_form"), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_documents_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_application_documents_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "position", name=op.f("pk_application_documents")),
    )
    op.create_index("ix_application_documents_person_id", "application_documents", ["person_id"])
    op.create_table(
        "application_evidence",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum("check_kind"), nullable=False),
        sa.Column("status", _enum("evidence_status"), nullable=False),
        sa.Column("fact_id", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_evidence_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["fact_id"], ["facts.id"], name=op.f("fk_application_evidence_fact_id_facts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_application_evidence_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["check_requests.id"],
            name=op.f("fk_application_evidence_request_id_check_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_evidence")),
    )
    op.create_index(
        "ix_application_evidence_application_id", "application_evidence", ["application_id", "id"]
    )
    op.create_table(
        "application_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", _enum("application_status"), nullable=True),
        sa.Column("to_status", _enum("application_status"), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("actor_user", sa.Text(), nullable=False),
        sa.Column("actor_agency", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_history_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_application_history_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_history")),
    )
    op.create_index("ix_application_history_application_id", "application_history", ["application_id", "id"])
    for statement in FUNCTIONS.split("\n--\n"):
        op.execute(statement)
    op.execute(STATISTICS)
    for function in GRANTED_FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {APP_ROLE}")
    tables = ", ".join(POLICIES)
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON {tables} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    for table, (using, check) in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY sxvis_owner ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)")
        op.execute(f"CREATE POLICY sxvis_remit ON {table} TO {APP_ROLE} USING ({using}) WITH CHECK ({check})")
    values = ", ".join(f"('p', '{r}', '{d}', '{o}', '{a}')" for r, d, o, a in NEW_SEED_LINES)
    op.execute(
        "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
        f" SELECT ptype, v0, v1, v2, v3, 'migration 0014' FROM (VALUES {values}) AS new (ptype, v0, v1, v2, v3)"
        " WHERE EXISTS (SELECT 1 FROM policy_rules) ON CONFLICT ON CONSTRAINT uq_policy_rules_line DO NOTHING"
    )


def downgrade() -> None:
    op.execute("DELETE FROM policy_rules WHERE ptype = 'p' AND v2 IN ('application', 'queue')")
    op.execute("DELETE FROM person_remit WHERE source = 'APPLICATION'")
    for function in GRANTED_FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
    op.drop_table("application_history")
    op.drop_table("application_evidence")
    op.drop_table("application_documents")
    op.drop_table("applications")
    op.execute("DROP FUNCTION sxvis_remit_from_applications()")
    op.drop_column("services", "rationed")
    op.drop_column("services", "variants")
    for name in reversed(ENUMS):
        op.execute(f"DROP TYPE {name}")
