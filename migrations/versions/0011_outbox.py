"""the transactional outbox, dead letters, and inbound messages already seen

- `outbox_messages`: what SXVİS owes a ministry (an E-sosial decision, a police report), written in the
  transaction of the change that causes it; the worker (`sxvis worker`, as the owner) claims due rows
  with `FOR UPDATE SKIP LOCKED`, delivers them and marks them delivered. The app role may insert and read
  only its own agency's messages.
- `outbox_dead_letters`: messages the worker gave up on. The app role reaches them only through two
  SECURITY DEFINER functions that disclose nothing about persons (`sxvis_outbox_status`,
  `sxvis_dead_letters`) and one that moves a dead letter back (`sxvis_retry_dead_letter`); the service
  checks `dead_letter:retry` before calling it.
- `inbound_messages`: the message ids of signed ministry messages already processed (the Ministry of
  Justice's release notices); the primary key refuses a replay.
- A narrow INSERT policy on `circumstances`: a transaction scoped as the Ministry of Justice (EN) may
  record "released from a penitentiary institution", sourced to itself, for any person. A release notice
  is a push, not a read: the ministry learns nothing back, and needs no remit over the person.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"
JUSTICE = "EN"

POLICIES = {
    "outbox_messages": "agency_code = (SELECT sxvis_agency())",
    "outbox_dead_letters": "false",
    "inbound_messages": "agency_code = (SELECT sxvis_agency())",
}

RELEASE_NOTICE_POLICY = f"""
CREATE POLICY sxvis_release_notice ON circumstances FOR INSERT TO {APP_ROLE}
  WITH CHECK (category = 'RELEASED_FROM_PRISON' AND source_agency = '{JUSTICE}'
              AND (SELECT sxvis_agency()) = '{JUSTICE}')
"""

FUNCTIONS = f"""
CREATE FUNCTION sxvis_outbox_status(p_ministries text[])
RETURNS TABLE (ministry text, pending bigint, dead bigint, last_delivered_at timestamptz,
               oldest_pending_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT m,
    (SELECT count(*) FROM outbox_messages o WHERE o.ministry = m AND o.delivered_at IS NULL),
    (SELECT count(*) FROM outbox_dead_letters d WHERE d.ministry = m),
    (SELECT max(o.delivered_at) FROM outbox_messages o WHERE o.ministry = m),
    (SELECT min(o.created_at) FROM outbox_messages o WHERE o.ministry = m AND o.delivered_at IS NULL)
  FROM unnest(p_ministries) AS m
$$
--
CREATE FUNCTION sxvis_dead_letters(p_ministry text, p_limit integer)
RETURNS TABLE (id uuid, ministry text, kind text, attempts integer, last_error text,
               created_at timestamptz, dead_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT d.id, d.ministry, d.kind, d.attempts, d.last_error, d.created_at, d.dead_at
  FROM outbox_dead_letters d WHERE d.ministry = p_ministry
  ORDER BY d.dead_at DESC, d.id LIMIT p_limit
$$
--
CREATE FUNCTION sxvis_retry_dead_letter(p_id uuid)
RETURNS TABLE (id uuid, ministry text, kind text, person_id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH moved AS (DELETE FROM outbox_dead_letters d WHERE d.id = p_id RETURNING d.*)
  INSERT INTO outbox_messages (id, ministry, kind, person_id, agency_code, payload, attribution_user,
    attribution_issue, urgent, attempts, next_attempt_at, last_error, created_at)
  SELECT moved.id, moved.ministry, moved.kind, moved.person_id, moved.agency_code, moved.payload,
    moved.attribution_user, moved.attribution_issue, moved.urgent, 0, now(), moved.last_error,
    moved.created_at
  FROM moved
  RETURNING outbox_messages.id, outbox_messages.ministry, outbox_messages.kind, outbox_messages.person_id
$$
--
REVOKE ALL ON FUNCTION sxvis_outbox_status(text[]) FROM PUBLIC
--
REVOKE ALL ON FUNCTION sxvis_dead_letters(text, integer) FROM PUBLIC
--
REVOKE ALL ON FUNCTION sxvis_retry_dead_letter(uuid) FROM PUBLIC
--
GRANT EXECUTE ON FUNCTION sxvis_outbox_status(text[]) TO {APP_ROLE}
--
GRANT EXECUTE ON FUNCTION sxvis_dead_letters(text, integer) TO {APP_ROLE}
--
GRANT EXECUTE ON FUNCTION sxvis_retry_dead_letter(uuid) TO {APP_ROLE}
"""

NEW_SEED_LINES = (
    ("system_admin", "*", "integration", "status"),
    ("system_admin", "*", "dead_letter", "retry"),
)


def _message_columns() -> list[sa.Column[object]]:
    """The columns a message keeps whether it waits in the outbox or lies in the dead letters."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ministry", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("attribution_user", sa.Text(), nullable=False),
        sa.Column("attribution_issue", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        *_message_columns(),
        sa.Column("urgent", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("receipt", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_outbox_messages_agency_code_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index(
        "ix_outbox_messages_due",
        "outbox_messages",
        ["urgent", "next_attempt_at"],
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.create_index("ix_outbox_messages_person_id", "outbox_messages", ["person_id"])
    op.create_index(
        "ix_outbox_messages_ministry_delivered_at", "outbox_messages", ["ministry", "delivered_at"]
    )
    op.create_table(
        "outbox_dead_letters",
        *_message_columns(),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dead_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_outbox_dead_letters_agency_code_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_dead_letters")),
    )
    op.create_index("ix_outbox_dead_letters_ministry_dead_at", "outbox_dead_letters", ["ministry", "dead_at"])
    op.create_index("ix_outbox_dead_letters_person_id", "outbox_dead_letters", ["person_id"])
    op.create_table(
        "inbound_messages",
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("ministry", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("sent_by", sa.Text(), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_inbound_messages_agency_code_agencies")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_inbound_messages")),
    )
    op.create_index("ix_inbound_messages_person_id", "inbound_messages", ["person_id"])

    op.execute(f"GRANT SELECT, INSERT ON outbox_messages, inbound_messages TO {APP_ROLE}")
    for table, rule in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY sxvis_owner ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)")
        op.execute(f"CREATE POLICY sxvis_remit ON {table} TO {APP_ROLE} USING ({rule}) WITH CHECK ({rule})")
    op.execute(RELEASE_NOTICE_POLICY)
    for statement in FUNCTIONS.split("\n--\n"):
        op.execute(statement)
    values = ", ".join(f"('p', '{r}', '{d}', '{o}', '{a}')" for r, d, o, a in NEW_SEED_LINES)
    op.execute(
        "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
        f" SELECT ptype, v0, v1, v2, v3, 'migration 0011' FROM (VALUES {values}) AS new (ptype, v0, v1, v2, v3)"
        " WHERE EXISTS (SELECT 1 FROM policy_rules) ON CONFLICT ON CONSTRAINT uq_policy_rules_line DO NOTHING"
    )


def downgrade() -> None:
    for role, domain, obj, act in NEW_SEED_LINES:
        op.execute(
            "DELETE FROM policy_rules WHERE ptype = 'p' AND created_by = 'migration 0011'"
            f" AND v0 = '{role}' AND v1 = '{domain}' AND v2 = '{obj}' AND v3 = '{act}'"
        )
    op.execute("DROP FUNCTION sxvis_retry_dead_letter(uuid)")
    op.execute("DROP FUNCTION sxvis_dead_letters(text, integer)")
    op.execute("DROP FUNCTION sxvis_outbox_status(text[])")
    op.execute("DROP POLICY sxvis_release_notice ON circumstances")
    op.drop_table("inbound_messages")
    op.drop_table("outbox_dead_letters")
    op.drop_table("outbox_messages")
