"""Migrations are the only way the schema changes: they must build exactly what the models describe."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine.url import make_url

import authz.models  # noqa: F401  (the policy table is authz's own, registered like in migrations/env.py)
from sxvis.database import Database, migrate
from sxvis.database.base import Base
from sxvis.database.engine import async_url


async def test_models_and_migrations_do_not_drift_apart(database: Database) -> None:
    def diff(connection):
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": migrate.include_name}
        )
        return compare_metadata(context, Base.metadata)

    async with database.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_the_database_is_at_head_after_upgrade(database: Database) -> None:
    assert await migrate.is_at_head(database.engine)


@pytest.fixture
async def scratch_database(database_url: str):
    """A database of its own, so going down to base does not disturb the other tests."""
    name = f"sxvis_scratch_{uuid.uuid4().hex[:8]}"
    admin = Database(database_url, pool_size=1, max_overflow=0)
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(async_url(database_url)).set(database=name)
    scratch = Database(url.render_as_string(hide_password=False))
    yield scratch
    await scratch.dispose()
    async with admin.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    await admin.dispose()


async def test_migrations_go_down_to_base_and_up_again(scratch_database: Database) -> None:
    await migrate.upgrade(scratch_database.engine)
    await migrate.downgrade(scratch_database.engine, "base")
    assert await migrate.current(scratch_database.engine) is None
    async with scratch_database.engine.connect() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version'"
                )
            )
        ).scalar()
    assert tables == 0
    await migrate.upgrade(scratch_database.engine)
    assert await migrate.is_at_head(scratch_database.engine)


async def test_a_policy_seeded_before_0004_gains_the_new_seed_lines(scratch_database: Database) -> None:
    await migrate.upgrade(scratch_database.engine, "0003")
    async with scratch_database.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, created_by)"
                " VALUES ('p', 'partner_agency', '*', 'person', 'read', 'seed')"
            )
        )
    await migrate.upgrade(scratch_database.engine)
    async with scratch_database.transaction() as session:
        lines = {tuple(row) for row in await session.execute(text("SELECT v0, v1, v2, v3 FROM policy_rules"))}
    assert ("social_worker", "SXA", "registry", "read") in lines
    assert ("partner_agency", "*", "person", "read") in lines


async def test_an_empty_policy_table_is_left_for_the_seed(scratch_database: Database) -> None:
    await migrate.upgrade(scratch_database.engine)
    async with scratch_database.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM policy_rules"))).scalar_one() == 0
