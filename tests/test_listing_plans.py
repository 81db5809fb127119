"""The plain persons listing runs its transaction on PostgreSQL's generic plans, said in the round trip that
begins it (`Database.scoped(generic_plans=True)`); the setting ends with the transaction."""

from typing import Any

import asyncpg
import pytest

from sxvis.config import Settings
from sxvis.database import Database
from sxvis.database.scope import RowScope
from sxvis.registry import persons
from sxvis.registry.persons import PersonFilter
from sxvis.web.app import app_database_url
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

PAGE = "{ persons(first: 5) { edges { node { fin enrollments { status } } } } }"


@pytest.fixture
def begun(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement that begins a scoped transaction."""
    statements: list[str] = []
    real = asyncpg.Connection.execute

    def spy(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if query.startswith("BEGIN"):
            statements.append(query)
        return real(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "execute", spy)
    return statements


def test_only_the_plain_listing_runs_on_generic_plans() -> None:
    assert persons.lists_on_generic_plans(PersonFilter())
    assert not persons.lists_on_generic_plans(PersonFilter(text="Məmmədov Əli"))
    assert not persons.lists_on_generic_plans(PersonFilter(region_code="AZ-01"))


async def test_a_page_of_the_listing_begins_its_transaction_on_generic_plans(
    api: Api, begun: list[str]
) -> None:
    result = await api.execute(REGISTER_PERSON, input=person_input())
    assert result.payload("registerPerson")["errors"] == []
    begun.clear()
    assert (await api.execute(PAGE)).ok()["persons"]["edges"]
    assert len(begun) == 1
    assert "set_config('plan_cache_mode', 'force_generic_plan', true)" in begun[0]


async def test_a_filtered_page_keeps_custom_plans(api: Api, begun: list[str]) -> None:
    await api.execute('{ persons(first: 5, filter: {region: "AZ-01"}) { edges { node { fin } } } }')
    assert begun
    assert not any("plan_cache_mode" in statement for statement in begun)


async def test_generic_plans_end_with_the_transaction(database_url: str) -> None:
    one = Database(app_database_url(Settings(), database_url), pool_size=1, max_overflow=0)
    try:
        async with one.scoped(RowScope(agency="SXA"), generic_plans=True) as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            assert await raw.fetchval("SHOW plan_cache_mode") == "force_generic_plan"
        async with one.autocommit() as pg:  # the same connection: the pool holds one
            assert await pg.fetchval("SHOW plan_cache_mode") == "auto"
    finally:
        await one.dispose()
