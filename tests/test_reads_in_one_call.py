"""A person by FIN or id in one round trip: the row scope, the read and its access event in one call
(`sxvis.database.routines`), with every access rule of the three-round-trip read (issue 15, item 3)."""

import asyncio
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from sxvis.actors import READS_WHOLE_REGISTRY, Actor
from sxvis.config import Settings
from sxvis.database import Database, migrate, routines
from sxvis.database.driver import driver_connection
from sxvis.database.scope import RowScope
from sxvis.registry import persons
from sxvis.web.app import app_database_url
from tests.conftest import Api
from tests.documents import PERSON_BY_FIN, REGISTER_PERSON
from tests.factories import WORKER, person_input

DIN = Actor(
    user_id="police-officer",
    agency_code="DIN",
    roles=frozenset({"partner_agency"}),
    permissions=WORKER.permissions - {READS_WHOLE_REGISTRY},
)
"""A police officer: DIN has no registry-wide grant, so only persons related to it are in its remit."""
FIELDS = ("fin", "lastName")


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement sent straight to asyncpg (how the scope, the logged read and COMMIT are sent)."""
    statements: list[str] = []
    for method in ("execute", "fetch", "fetchrow", "fetchval"):
        real = getattr(asyncpg.Connection, method)

        def spy(self: Any, query: str, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            statements.append(query)
            return _real(self, query, *args, **kwargs)

        monkeypatch.setattr(asyncpg.Connection, method, spy)
    return statements


async def register(api: Api, **overrides: Any) -> dict[str, Any]:
    result = await api.execute(REGISTER_PERSON, input=person_input(**overrides))
    payload = result.payload("registerPerson")
    assert payload["errors"] == [], payload["errors"]
    return payload["person"]  # type: ignore[no-any-return]


async def events_about(db: Database, fin: str) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT e.actor_agency, e.action, e.outcome, e.fields, e.person_id = p.id AS about_them"
                " FROM access_events e JOIN persons p ON p.id = e.person_id"
                " WHERE p.fin = :fin AND e.action = 'person:read' ORDER BY e.id"
            ),
            {"fin": fin},
        )
        return [dict(row._mapping) for row in rows]


async def test_a_fin_lookup_is_one_call_of_the_reads_function(
    api: Api, app_database: Database, sent: list[str]
) -> None:
    person = await register(api)
    sent.clear()
    found = await persons.read_person(app_database, WORKER, fin=person["fin"], fields=FIELDS)
    assert found is not None
    assert found.fin == person["fin"]
    assert sent == [persons._BY_FIN_AT_ONCE.call]


async def test_the_access_event_is_committed_when_the_person_is_returned(
    api: Api, app_database: Database, db: Database
) -> None:
    person = await register(api)
    await persons.read_person(app_database, WORKER, fin=person["fin"], fields=FIELDS)
    # Read on another connection, as the owner: committed, naming the person and what was asked.
    assert await events_about(db, person["fin"]) == [
        {"actor_agency": "SXA", "action": "person:read", "outcome": "ALLOWED", "fields": list(FIELDS),
         "about_them": True}
    ]  # fmt: skip


async def test_an_outsider_finds_nobody_by_fin_and_the_denial_is_logged(
    api: Api, app_database: Database, db: Database
) -> None:
    person = await register(api.as_("social_worker", agency="DOST"))
    assert await persons.read_person(app_database, DIN, fin=person["fin"], fields=FIELDS) is None
    denied = [e for e in await events_about(db, person["fin"]) if e["actor_agency"] == "DIN"]
    assert [(e["outcome"], e["about_them"]) for e in denied] == [("DENIED", True)]


async def test_the_scope_of_one_call_is_not_left_on_the_pooled_connection(
    api: Api, database_url: str
) -> None:
    person = await register(api)
    one = Database(app_database_url(Settings(), database_url), pool_size=1, max_overflow=0)
    try:
        assert await persons.read_person(one, WORKER, fin=person["fin"]) is not None
        async with one.autocommit() as pg:  # the same connection: the pool holds one
            assert not pg.is_in_transaction()
            assert await pg.fetchval("SELECT coalesce(current_setting('sxvis.agency', true), '')") == ""
            assert await pg.fetchval("SELECT count(*) FROM persons") == 0  # unscoped: sees nobody
    finally:
        await one.dispose()


async def test_without_its_function_the_read_runs_as_a_scoped_transaction_with_the_same_answer_and_event(
    api: Api, app_database: Database, db: Database, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routines, "_missing_since", {})
    person = await register(api)
    async with db.engine.begin() as conn:
        await routines.drop(await driver_connection(conn))
    try:
        sent.clear()
        found = await persons.read_person(app_database, WORKER, fin=person["fin"], fields=FIELDS)
        assert found is not None
        assert found.fin == person["fin"]
        assert sent[0] == persons._BY_FIN_AT_ONCE.call  # tried, found missing …
        assert sent[-1] == "COMMIT"  # … then read in a scoped transaction
        assert len(await events_about(db, person["fin"])) == 1
    finally:
        await migrate.upgrade(db.engine)


async def test_an_upgrade_makes_each_reads_function_and_drops_those_it_made_before(db: Database) -> None:
    stale = f"{routines.PREFIX}person_by_fin_0000"
    async with db.engine.begin() as conn:
        await conn.execute(text(f"CREATE FUNCTION {stale}(text) RETURNS int LANGUAGE sql AS 'SELECT 1'"))
    await migrate.upgrade(db.engine)
    async with db.engine.connect() as conn:
        names = (
            await conn.execute(
                text("SELECT proname FROM pg_proc WHERE starts_with(proname, :prefix) ORDER BY proname"),
                {"prefix": routines.PREFIX},
            )
        ).scalars()
        assert sorted(names) == sorted(read.name for read in migrate.scoped_reads())


def test_a_read_whose_sql_changed_names_another_function() -> None:
    one = routines.ScopedRead("person_by_fin", "SELECT $1::text")
    assert routines.ScopedRead("person_by_fin", "SELECT $1::text").name == one.name
    assert routines.ScopedRead("person_by_fin", "SELECT $1::text, 1").name != one.name
    assert one.arity == 1


async def test_the_api_answers_a_fin_lookup_in_one_call(api: Api, sent: list[str]) -> None:
    person = await register(api)
    sent.clear()
    result = await api.execute(PERSON_BY_FIN, fin=person["fin"])
    assert result.ok()["person"]["fin"] == person["fin"]
    assert persons._BY_FIN_AT_ONCE.call in sent
    assert "COMMIT" not in sent


async def test_an_upgrade_keeps_a_function_whose_definition_is_unchanged(db: Database) -> None:
    made = "SELECT oid FROM pg_proc WHERE starts_with(proname, $1) ORDER BY oid"
    async with db.engine.begin() as conn:
        pg = await driver_connection(conn)
        await routines.install(pg, migrate.scoped_reads())
        before = await pg.fetch(made, routines.PREFIX)
        assert await routines.install(pg, migrate.scoped_reads()) == []  # nothing made anew
        assert await pg.fetch(made, routines.PREFIX) == before


async def test_a_call_cancelled_midway_logs_nothing_and_leaves_the_pool_serving(
    api: Api, app_database: Database, db: Database
) -> None:
    person = await register(api)
    async with db.engine.begin() as conn:  # the access log locked: the call's INSERT waits
        await conn.execute(text("LOCK TABLE access_events IN ACCESS EXCLUSIVE MODE"))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(persons.read_person(app_database, WORKER, fin=person["fin"]), 0.5)
    found = await persons.read_person(app_database, WORKER, fin=person["fin"], fields=FIELDS)
    assert found is not None
    assert len(await events_about(db, person["fin"])) == 1  # the cancelled call's event never landed


def _scans_of(node: dict[str, Any], relation: str) -> int:
    """How many nodes of a plan (its subplans included) read `relation`."""
    own = 1 if node.get("Relation Name") == relation else 0
    return own + sum(_scans_of(child, relation) for child in node.get("Plans", ()))


@pytest.mark.parametrize("via_pseudonym", [False, True])
async def test_a_person_read_plans_the_disclosure_test_once(
    api: Api, app_database: Database, via_pseudonym: bool
) -> None:
    # PostgreSQL initialises every subplan of a statement on each execution, run or not; a second copy
    # of the disclosure test (with the grants' row policy inside it) made this read 1.6x dearer.
    person = await register(api)
    args = (person["fin"], "SXA", True, WORKER.user_id, via_pseudonym)
    async with app_database.scoped(RowScope(agency="SXA", reads_all=True)) as connection:
        pg = await driver_connection(connection)
        [plan] = await pg.fetchval(f"EXPLAIN (FORMAT JSON) {persons._BY_FIN}", *args)  # json decoded
        found = await pg.fetch(persons._BY_FIN, *args)
    assert _scans_of(plan["Plan"], "break_glass_grants") == 1
    assert [(row["fin"], row["disclosed"]) for row in found] == [(person["fin"], True)]
