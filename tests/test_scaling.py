"""docs/scaling.md's table of Citus kinds holds for the schema the migrations build.

Every table is a small reference table (copied to every node), a table local to the coordinator, or a
table that can be distributed by a person: `persons` and `households` by their own id, every other one
by a `person_id` column. A new table that is none of these fails here, before it makes the registry
impossible to distribute (DESIGN.md: every table that holds data about a person carries `person_id`).
"""

from sqlalchemy import text

from sxvis.database import Database

REFERENCE_TABLES = {
    "agencies",
    "services",
    "service_providers",
    "service_required_documents",
    "service_capacities",
    "calendar_days",
    "policy_rules",
    "person_name_words",  # the registry's distinct folded name words (spelling correction), no person
}
COORDINATOR_TABLES = {
    "alembic_version",
    "access_event_seals",
    "duplicate_pairs_state",
    "outbox_messages",
    "outbox_dead_letters",
    "inbound_messages",
    "person_imports",
    "person_merges",
    "access_log_archives",
    "duplicate_pairs",  # pairs two persons across nodes; recomputed by a batch, not served per person
}
DISTRIBUTED_BY_OWN_ID = {"persons", "households"}
# Tables that hold data about a person without a person_id of their own: each is a change Citus would
# need first (docs/scaling.md, "What would have to change"). The list may only shrink.
KNOWN_GAPS = {"referral_history"}  # reaches its person through referral_id


async def _columns_by_table(database: Database) -> dict[str, set[str]]:
    async with database.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.table_name, c.column_name FROM information_schema.columns c"
                " JOIN information_schema.tables t USING (table_schema, table_name)"
                " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
                # The access log's monthly partitions are the access log (a partitioned table).
                " AND NOT EXISTS (SELECT 1 FROM pg_inherits i"
                " WHERE i.inhrelid = (quote_ident(c.table_name))::regclass)"
            )
        )
        tables: dict[str, set[str]] = {}
        for table, column in rows:
            tables.setdefault(table, set()).add(column)
    return tables


async def test_every_table_is_reference_local_or_distributable_by_person(database: Database) -> None:
    tables = await _columns_by_table(database)
    unplaced = sorted(
        name
        for name, columns in tables.items()
        if name not in REFERENCE_TABLES | COORDINATOR_TABLES | DISTRIBUTED_BY_OWN_ID | KNOWN_GAPS
        and "person_id" not in columns
    )
    assert unplaced == [], f"tables with no person_id and no place in docs/scaling.md: {unplaced}"


async def test_the_documented_tables_exist(database: Database) -> None:
    tables = await _columns_by_table(database)
    documented = REFERENCE_TABLES | COORDINATOR_TABLES | DISTRIBUTED_BY_OWN_ID | KNOWN_GAPS
    assert documented - set(tables) == set()


async def test_a_known_gap_is_still_a_gap(database: Database) -> None:
    """When a gap is closed (the table gains person_id), it leaves KNOWN_GAPS."""
    tables = await _columns_by_table(database)
    assert {name for name in KNOWN_GAPS if "person_id" in tables[name]} == set()
