"""access log partitioned by month

Every read writes an event: at a few hundred requests a second that is tens of millions of rows a day.
`access_events` and `access_event_seals` become tables partitioned by RANGE of `occurred_at`, one
partition a month, so that a request's insert and an auditor's query touch one month's indexes, and an
old month can be detached, exported and dropped whole (`sxvis audit archive`).

- The id comes from a sequence of its own (`access_events_id_seq`, CACHE 1: the sealer's horizon needs
  ids handed out in the order INSERTs run), not from an identity column: PostgreSQL 15 does not allow
  identity columns on partitioned tables. The app role may INSERT every column *but* `id` and
  `occurred_at` (column privileges), so it still cannot choose an event's place in the chain or its
  month, as GENERATED ALWAYS guaranteed before.
- The primary keys include the partition key: (id, occurred_at) and (event_id, occurred_at). A seal
  carries its event's `occurred_at` so that it lives in the same month as its event (the hash does not
  cover it: the chain's serialisation is unchanged). The seal's foreign key to its event goes: a
  foreign key to a partitioned table needs the whole key, and `verify` already finds a seal whose event
  is gone (DELETED).
- `sxvis_access_log_partition(month)` creates a month's two partitions with their append-only triggers
  (statement triggers are not inherited by partitions, so each partition gets its own, ENABLED ALWAYS).
  The server calls it ahead of time from its sealing loop; a DEFAULT partition catches anything that
  would otherwise fail, because a failed insert would refuse the request it logs.
- `access_log_archives` keeps, for every archived month, the chain's head where the archive ends, so
  the live chain is verified from there.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 17:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "sxvis_app"

EVENT_COLUMNS = """
  id bigint NOT NULL DEFAULT nextval('access_events_id_seq'),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor_user text NOT NULL,
  actor_agency text NOT NULL,
  actor_roles text[] NOT NULL DEFAULT '{}',
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id text,
  person_id uuid,
  person_ids uuid[] NOT NULL DEFAULT '{}',
  purpose text,
  operation_name text,
  fields text[] NOT NULL DEFAULT '{}',
  outcome text NOT NULL,
  reason text,
  request_id text,
  client_address inet,
  details jsonb,
  CONSTRAINT ck_access_events_outcome_known CHECK (outcome IN ('ALLOWED', 'DENIED', 'FAILED')),
  CONSTRAINT pk_access_events PRIMARY KEY (id, occurred_at)
"""
# What the app may write: everything but the id (the chain's order) and the time (the month).
APP_INSERT_COLUMNS = (
    "actor_user, actor_agency, actor_roles, action, entity_type, entity_id, person_id, person_ids, purpose,"
    " operation_name, fields, outcome, reason, request_id, client_address, details"
)
EVENT_INDEXES = (
    "CREATE INDEX ix_access_events_person_id_occurred_at ON access_events (person_id, occurred_at)",
    "CREATE INDEX ix_access_events_person_ids ON access_events USING gin (person_ids)",
    "CREATE INDEX ix_access_events_actor_user_occurred_at ON access_events (actor_user, occurred_at)",
    "CREATE INDEX ix_access_events_actor_agency_occurred_at ON access_events (actor_agency, occurred_at)",
    "CREATE INDEX ix_access_events_occurred_at ON access_events (occurred_at)",
)
SEAL_COLUMNS = """
  event_id bigint NOT NULL,
  occurred_at timestamptz NOT NULL,
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL,
  sealed_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_access_event_seals_sha256_sizes CHECK (octet_length(prev_hash) = 32 AND octet_length(hash) = 32),
  CONSTRAINT pk_access_event_seals PRIMARY KEY (event_id, occurred_at)
"""

PARTITION_FUNCTION = """
CREATE FUNCTION sxvis_access_log_partition(month date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  first_day date := date_trunc('month', month)::date;
  next_day date := (date_trunc('month', month) + interval '1 month')::date;
  suffix text := to_char(first_day, 'YYYY_MM');
  parent text;
  part text;
BEGIN
  FOREACH parent IN ARRAY ARRAY['access_events', 'access_event_seals'] LOOP
    part := parent || '_' || suffix;
    IF to_regclass(part) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
        part, parent, first_day::timestamptz, next_day::timestamptz);
      EXECUTE format(
        'CREATE TRIGGER %I BEFORE UPDATE OR DELETE OR TRUNCATE ON %I'
        ' FOR EACH STATEMENT EXECUTE FUNCTION sxvis_append_only()', part || '_append_only', part);
      EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER %I', part, part || '_append_only');
    END IF;
  END LOOP;
END
$$
"""


def _partitioned(parent: str, columns: str) -> None:
    op.execute(f"CREATE TABLE {parent} ({columns}) PARTITION BY RANGE (occurred_at)")
    op.execute(
        f"CREATE TRIGGER {parent}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {parent}"
        " FOR EACH STATEMENT EXECUTE FUNCTION sxvis_append_only()"
    )
    op.execute(f"ALTER TABLE {parent} ENABLE ALWAYS TRIGGER {parent}_append_only")
    op.execute(f"CREATE TABLE {parent}_default PARTITION OF {parent} DEFAULT")
    op.execute(
        f"CREATE TRIGGER {parent}_default_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {parent}_default"
        " FOR EACH STATEMENT EXECUTE FUNCTION sxvis_append_only()"
    )
    op.execute(f"ALTER TABLE {parent}_default ENABLE ALWAYS TRIGGER {parent}_default_append_only")


def upgrade() -> None:
    # The old tables step aside with everything that bears their names.
    op.execute("ALTER TABLE access_event_seals DROP CONSTRAINT fk_access_event_seals_event_id_access_events")
    for old in ("access_events", "access_event_seals"):
        op.execute(f"ALTER TABLE {old} RENAME TO {old}_unpartitioned")
        op.execute(f"ALTER TABLE {old}_unpartitioned RENAME CONSTRAINT pk_{old} TO pk_{old}_unpartitioned")
    for index in (
        "ix_access_events_person_id_occurred_at",
        "ix_access_events_person_ids",
        "ix_access_events_actor_user_occurred_at",
        "ix_access_events_actor_agency_occurred_at",
        "ix_access_events_occurred_at",
    ):
        op.execute(f"ALTER INDEX {index} RENAME TO {index}_unpartitioned")
    op.execute(
        "ALTER TABLE access_events_unpartitioned"
        " RENAME CONSTRAINT ck_access_events_outcome_known TO ck_access_events_outcome_known_unpartitioned"
    )
    op.execute(
        "ALTER TABLE access_event_seals_unpartitioned"
        " RENAME CONSTRAINT ck_access_event_seals_sha256_sizes TO ck_access_event_seals_sha256_sizes_unp"
    )

    op.execute("ALTER SEQUENCE access_events_id_seq RENAME TO access_events_unpartitioned_id_seq")
    op.execute("CREATE SEQUENCE access_events_id_seq AS bigint CACHE 1")
    _partitioned("access_events", EVENT_COLUMNS)
    for statement in EVENT_INDEXES:
        op.execute(statement)
    op.execute("ALTER SEQUENCE access_events_id_seq OWNED BY access_events.id")
    _partitioned("access_event_seals", SEAL_COLUMNS)
    op.execute(PARTITION_FUNCTION)

    # A partition for every month the old log covers, and for this month and the next two.
    op.execute(
        "SELECT sxvis_access_log_partition(m::date) FROM generate_series("
        " date_trunc('month', least(coalesce((SELECT min(occurred_at) FROM access_events_unpartitioned),"
        " now()), now())), date_trunc('month', now()) + interval '2 months', interval '1 month') AS m"
    )
    op.execute("INSERT INTO access_events SELECT * FROM access_events_unpartitioned")
    op.execute(
        "INSERT INTO access_event_seals (event_id, occurred_at, prev_hash, hash, sealed_at)"
        " SELECT s.event_id, e.occurred_at, s.prev_hash, s.hash, s.sealed_at"
        " FROM access_event_seals_unpartitioned s JOIN access_events_unpartitioned e ON e.id = s.event_id"
    )
    # Ids go on from where the old identity stopped (gaps of rolled-back inserts included).
    op.execute(
        "SELECT setval('access_events_id_seq', last) FROM (SELECT pg_sequence_last_value("
        "pg_get_serial_sequence('access_events_unpartitioned', 'id')) AS last) s WHERE last IS NOT NULL"
    )
    op.execute("DROP TABLE access_event_seals_unpartitioned")
    op.execute("DROP TABLE access_events_unpartitioned")

    op.execute(
        """
        CREATE TABLE access_log_archives (
          month date NOT NULL,
          first_event_id bigint,
          last_event_id bigint,
          events bigint NOT NULL,
          head_event_id bigint NOT NULL,
          head_hash bytea NOT NULL,
          stragglers jsonb NOT NULL DEFAULT '[]',
          file_name text NOT NULL,
          file_sha256 text NOT NULL,
          archived_by text NOT NULL,
          archived_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT pk_access_log_archives PRIMARY KEY (month)
        )
        """
    )
    op.execute(
        "CREATE TRIGGER access_log_archives_append_only BEFORE UPDATE OR DELETE OR TRUNCATE"
        " ON access_log_archives FOR EACH STATEMENT EXECUTE FUNCTION sxvis_append_only()"
    )
    op.execute("ALTER TABLE access_log_archives ENABLE ALWAYS TRIGGER access_log_archives_append_only")

    op.execute(f"GRANT SELECT ON access_events, access_event_seals, access_log_archives TO {APP_ROLE}")
    op.execute(f"GRANT INSERT ({APP_INSERT_COLUMNS}) ON access_events TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE access_events_id_seq TO {APP_ROLE}")


def downgrade() -> None:
    # Back to one table each; archived months stay archived (their rows are in the files).
    op.execute("DROP TABLE access_log_archives")
    for table in ("access_events", "access_event_seals"):
        op.execute(f"ALTER TABLE {table} RENAME TO {table}_partitioned")
    op.execute("ALTER SEQUENCE access_events_id_seq OWNED BY NONE")
    op.execute("ALTER SEQUENCE access_events_id_seq RENAME TO access_events_id_seq_partitioned")
    for index in (
        "ix_access_events_person_id_occurred_at",
        "ix_access_events_person_ids",
        "ix_access_events_actor_user_occurred_at",
        "ix_access_events_actor_agency_occurred_at",
        "ix_access_events_occurred_at",
    ):
        op.execute(f"ALTER INDEX {index} RENAME TO {index}_partitioned")
    op.execute(
        "ALTER TABLE access_events_partitioned RENAME CONSTRAINT pk_access_events TO pk_access_events_p"
    )
    op.execute(
        "ALTER TABLE access_event_seals_partitioned RENAME CONSTRAINT pk_access_event_seals TO pk_access_event_seals_p"
    )
    op.execute(
        "ALTER TABLE access_events_partitioned"
        " RENAME CONSTRAINT ck_access_events_outcome_known TO ck_access_events_outcome_known_p"
    )
    op.execute(
        "ALTER TABLE access_event_seals_partitioned"
        " RENAME CONSTRAINT ck_access_event_seals_sha256_sizes TO ck_access_event_seals_sha256_sizes_p"
    )
    op.execute(
        f"""
        CREATE TABLE access_events (
          {
            EVENT_COLUMNS.replace(
                "bigint NOT NULL DEFAULT nextval('access_events_id_seq')",
                "bigint GENERATED ALWAYS AS IDENTITY",
            ).replace("PRIMARY KEY (id, occurred_at)", "PRIMARY KEY (id)")
        }
        )
        """
    )
    for statement in EVENT_INDEXES:
        op.execute(statement)
    op.execute(
        """
        CREATE TABLE access_event_seals (
          event_id bigint NOT NULL,
          prev_hash bytea NOT NULL,
          hash bytea NOT NULL,
          sealed_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT ck_access_event_seals_sha256_sizes
            CHECK (octet_length(prev_hash) = 32 AND octet_length(hash) = 32),
          CONSTRAINT pk_access_event_seals PRIMARY KEY (event_id),
          CONSTRAINT fk_access_event_seals_event_id_access_events
            FOREIGN KEY (event_id) REFERENCES access_events (id)
        )
        """
    )
    op.execute("INSERT INTO access_events OVERRIDING SYSTEM VALUE SELECT * FROM access_events_partitioned")
    op.execute(
        "INSERT INTO access_event_seals (event_id, prev_hash, hash, sealed_at)"
        " SELECT event_id, prev_hash, hash, sealed_at FROM access_event_seals_partitioned"
    )
    op.execute(
        "SELECT setval(pg_get_serial_sequence('access_events', 'id'), last) FROM (SELECT"
        " pg_sequence_last_value('access_events_id_seq_partitioned') AS last) s WHERE last IS NOT NULL"
    )
    op.execute("DROP TABLE access_event_seals_partitioned")
    op.execute("DROP TABLE access_events_partitioned")
    op.execute("DROP SEQUENCE access_events_id_seq_partitioned")
    op.execute("DROP FUNCTION sxvis_access_log_partition(date)")
    for table in ("access_events", "access_event_seals"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION sxvis_append_only()"
        )
        op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_append_only")
    op.execute(f"GRANT SELECT, INSERT ON access_events TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON access_event_seals TO {APP_ROLE}")
