"""service capacity per provider, and what the referral statistics need

- `service_capacities`: the places a provider declares for a service it provides (catalogue data, no
  person in it, so no row-level security), written by the app through `setServiceCapacity`.
- `service_capacity_usage`: each declared capacity with its places taken, i.e. the provider's active
  enrollments in the service. A view runs as its owner, so it counts every enrollment whatever the
  caller's remit, and shows the caller only the counts.
- `sxvis_referral_statistics(…)`: the referral statistics, aggregated in SQL as the owner (the whole
  registry's referrals, not only the caller's), returning counts and times only, never a row.
- `calendar_days` becomes writable by the app: system admins maintain it through the API as well as
  with `sxvis calendar`.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"

USAGE_VIEW = """
CREATE VIEW service_capacity_usage AS
  SELECT c.agency_code, c.service_code, c.places,
         (SELECT count(*) FROM enrollments e
           WHERE e.provider_code = c.agency_code AND e.service_code = c.service_code
             AND e.status = 'ACTIVE')::integer AS taken
  FROM service_capacities c
"""

# First answer by the receiver: its first move out of REQUESTED (accept or reject). Due: answered, or
# its deadline passed unanswered (before any cancellation). Times are the history's, in seconds.
STATISTICS_FUNCTION = """
CREATE FUNCTION sxvis_referral_statistics(
  p_from timestamptz, p_to timestamptz, p_region text, p_agency text, p_now timestamptz)
RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH chosen AS (
    SELECT r.urgency::text AS urgency, r.status::text AS status, r.created_at, r.due_at,
           answer.at AS answered_at, cancel.at AS cancelled_at
    FROM referrals r
    JOIN agencies receiver ON receiver.code = r.to_agency
    LEFT JOIN LATERAL (
      SELECT min(h.at) AS at FROM referral_history h
      WHERE h.referral_id = r.id AND h.from_status = 'REQUESTED' AND h.actor_agency = r.to_agency
    ) answer ON true
    LEFT JOIN LATERAL (
      SELECT min(h.at) AS at FROM referral_history h
      WHERE h.referral_id = r.id AND h.to_status = 'CANCELLED'
    ) cancel ON true
    WHERE (p_from IS NULL OR r.created_at >= p_from)
      AND (p_to IS NULL OR r.created_at < p_to)
      AND (p_region IS NULL OR receiver.region_code = p_region)
      AND (p_agency IS NULL OR r.from_agency = p_agency OR r.to_agency = p_agency)
  ),
  timed AS (
    SELECT extract(epoch FROM answered_at - created_at)::float8 AS seconds
    FROM chosen WHERE answered_at IS NOT NULL
  )
  SELECT jsonb_build_object(
    'total', (SELECT count(*) FROM chosen),
    'by_urgency', (SELECT coalesce(jsonb_object_agg(urgency, n), '{}'::jsonb)
                   FROM (SELECT urgency, count(*) AS n FROM chosen GROUP BY urgency) g),
    'by_status', (SELECT coalesce(jsonb_object_agg(status, n), '{}'::jsonb)
                  FROM (SELECT status, count(*) AS n FROM chosen GROUP BY status) g),
    'by_outcome', (SELECT coalesce(jsonb_object_agg(outcome, n), '{}'::jsonb)
                   FROM (SELECT CASE WHEN status IN ('REQUESTED', 'ACCEPTED', 'IN_PROGRESS') THEN 'OPEN'
                                     ELSE status END AS outcome, count(*) AS n
                         FROM chosen GROUP BY 1) g),
    'answered', (SELECT count(*) FROM timed),
    'median_seconds', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FROM timed),
    'p90_seconds', (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FROM timed),
    'due', (SELECT count(*) FROM chosen
            WHERE answered_at IS NOT NULL OR due_at < coalesce(cancelled_at, p_now)),
    'answered_on_time', (SELECT count(*) FROM chosen WHERE answered_at <= due_at),
    'overdue_by_urgency', (SELECT coalesce(jsonb_object_agg(urgency, n), '{}'::jsonb)
                           FROM (SELECT urgency, count(*) AS n FROM chosen
                                 WHERE status = 'REQUESTED' AND due_at < p_now GROUP BY urgency) g)
  )
$$
"""
STATISTICS_SIGNATURE = "sxvis_referral_statistics(timestamptz, timestamptz, text, text, timestamptz)"

# Lines the seed policy gained with this revision (see 0005): a database seeded before it gets them.
NEW_SEED_LINES = (
    ("agency_admin", "*", "capacity", "set"),
    ("system_admin", "*", "capacity", "set"),
    ("system_admin", "*", "capacity", "set_any"),
    ("auditor", "*", "referral", "statistics"),
    ("agency_admin", "*", "referral", "statistics"),
    ("social_worker", "VXSIDA", "referral", "statistics"),
    ("social_worker", "EESMN", "referral", "statistics"),
    ("social_worker", "SXA", "referral", "statistics"),
    ("partner_agency", "EESMN", "referral", "statistics"),
    ("partner_agency", "SXA", "referral", "statistics"),
    ("system_admin", "*", "calendar", "manage"),
)


def upgrade() -> None:
    op.create_table(
        "service_capacities",
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("service_code", sa.String(length=11), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("places >= 0", name=op.f("ck_service_capacities_places_not_negative")),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_service_capacities_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["service_code", "agency_code"],
            ["service_providers.service_code", "service_providers.agency_code"],
            name="fk_service_capacities_provider",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agency_code", "service_code", name=op.f("pk_service_capacities")),
    )
    # The enrollment an acceptance made, so that a referral that then fails gives its place back.
    op.add_column(
        "referrals",
        sa.Column(
            "enrollment_id",
            sa.Uuid(),
            sa.ForeignKey(
                "enrollments.id", name="fk_referrals_enrollment_id_enrollments", ondelete="SET NULL"
            ),
            nullable=True,
        ),
    )
    op.execute("ALTER TYPE enrollment_end_reason ADD VALUE IF NOT EXISTS 'REFERRAL_FAILED'")
    op.execute(USAGE_VIEW)
    op.execute(STATISTICS_FUNCTION)
    op.execute(f"REVOKE ALL ON FUNCTION {STATISTICS_SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {STATISTICS_SIGNATURE} TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON service_capacities TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON service_capacity_usage TO {APP_ROLE}")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON calendar_days TO {APP_ROLE}")
    values = ", ".join(f"('p', '{r}', '{d}', '{o}', '{a}')" for r, d, o, a in NEW_SEED_LINES)
    op.execute(
        "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
        f" SELECT ptype, v0, v1, v2, v3, 'migration 0009' FROM (VALUES {values}) AS new (ptype, v0, v1, v2, v3)"
        " WHERE EXISTS (SELECT 1 FROM policy_rules) ON CONFLICT ON CONSTRAINT uq_policy_rules_line DO NOTHING"
    )


def downgrade() -> None:
    for role, agency, obj, act in NEW_SEED_LINES:
        op.execute(
            "DELETE FROM policy_rules WHERE ptype = 'p'"
            f" AND v0 = '{role}' AND v1 = '{agency}' AND v2 = '{obj}' AND v3 = '{act}'"
        )
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON calendar_days FROM {APP_ROLE}")
    op.execute(f"DROP FUNCTION {STATISTICS_SIGNATURE}")
    op.execute("DROP VIEW service_capacity_usage")
    op.drop_table("service_capacities")
    op.drop_column("referrals", "enrollment_id")
    # PostgreSQL cannot drop an enum value; REFERRAL_FAILED stays, unused, and upgrading again keeps it.
