"""Alembic, driven from code: `sxvis db upgrade|downgrade|current`, `serve` and the tests use this.

Alembic's commands are synchronous; we run them inside `AsyncConnection.run_sync` on a connection we
already hold (the Alembic cookbook's "connection sharing" recipe), so they work inside a running event
loop and in the same transaction that takes the advisory lock against concurrent upgrades.
"""

import re
from collections.abc import Mapping
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
from sxvis.database import routines
from sxvis.database.driver import driver_connection

MIGRATIONS_DIR = Path(migrations.__file__).parent

# The access log's monthly partitions are made at run time (`sxvis.audit.partitions`), not by the
# models: comparing models with the database leaves them out.
_PARTITION = re.compile(r"^access_event(s|_seals)_(\d{4}_\d{2}|default)$")


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic's filter for comparing the models with the database (env.py and the drift test)."""
    return not (type_ == "table" and name is not None and _PARTITION.match(name))


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade to `revision`; at head, (re)make the functions of the reads that run in one call
    (`sxvis.database.routines`), in the same transaction."""
    async with engine.begin() as conn:
        await conn.run_sync(_run, "upgrade", revision)
        if revision == "head" or revision == head_revision():
            await routines.install(await driver_connection(conn), scoped_reads())
        else:
            await routines.drop(await driver_connection(conn))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as conn:
        await routines.drop(await driver_connection(conn))  # the tables they read may go
        await conn.run_sync(_run, "downgrade", revision)


def scoped_reads() -> list[routines.ScopedRead]:
    """Every read that runs in one call, from the modules that own them."""
    from sxvis.registry import persons

    return list(persons.SCOPED_READS)


async def current(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def is_at_head(engine: AsyncEngine) -> bool:
    return await current(engine) == head_revision()


def _run(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)
