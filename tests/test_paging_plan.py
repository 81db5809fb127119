"""Deep pages cost what the first page costs: the keyset condition must be an index bound."""

import re
from typing import Any

import pytest

from sxvis import audit
from sxvis.database.driver import driver_connection
from sxvis.pagination import encode_cursor
from sxvis.registry import persons
from sxvis.registry.persons import PersonFilter
from tests.factories import WORKER


async def test_the_next_page_starts_from_an_index_bound_not_a_filter(
    db, monkeypatch: pytest.MonkeyPatch
) -> None:
    captured: list[tuple[str, tuple[Any, ...]]] = []
    original = audit.read_logged

    async def capture(connection: Any, select_sql: str, args: Any, **kwargs: Any) -> Any:
        captured.append((select_sql, tuple(args)))
        return await original(connection, select_sql, args, **kwargs)

    monkeypatch.setattr(persons.audit, "read_logged", capture)
    async with db.transaction() as session:
        cursor = encode_cursor("MAMADOV", "00000000-0000-0000-0000-000000000000")
        await persons.find_persons(session, WORKER, filter=PersonFilter(), first=50, after=cursor)
        select_sql, args = captured[-1]
        pg = await driver_connection(session)
        await pg.execute("SET LOCAL enable_seqscan = off")
        await pg.execute("SET LOCAL enable_sort = off")
        plan = "\n".join(row[0] for row in await pg.fetch("EXPLAIN " + select_sql, *args))
    assert re.search(r"Index Cond: \(ROW\((p\.)?sort_key, (p\.)?id\) > ROW\(", plan), plan
