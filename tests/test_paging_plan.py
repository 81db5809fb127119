"""Deep pages cost what the first page costs: the keyset condition must be an index bound."""

from sqlalchemy import text

from sxvis.registry import persons
from sxvis.registry.persons import PersonFilter
from tests.factories import WORKER


async def test_the_next_page_starts_from_an_index_bound_not_a_filter(db) -> None:
    captured: list[str] = []
    db.on_statement(captured.append)
    try:
        async with db.reader() as session:
            cursor = persons.encode_cursor("MAMADOV", "00000000-0000-0000-0000-000000000000")
            await persons.find_persons(session, WORKER, filter=PersonFilter(), first=50, after=cursor)
    finally:
        db.off_statement(captured.append)
    statement = captured[-1]
    async with db.transaction() as session:
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        await session.execute(text("SET LOCAL enable_sort = off"))
        # The captured statement has asyncpg placeholders; put the cursor's values back in.
        literal_sql = (
            statement.replace("$1::VARCHAR", "'MAMADOV'")
            .replace("$2::UUID", "'00000000-0000-0000-0000-000000000000'::uuid")
            .replace("$3::INTEGER", "51")
        )
        explain = await session.execute(text("EXPLAIN " + literal_sql))
        plan = "\n".join(row[0] for row in explain)
    assert "Index Cond: (ROW(sort_key, id) > ROW(" in plan, plan
