"""Alembic environment. `sxvis.database.migrate` hands us an open connection; the `alembic` command
line (for writing new revisions) gets its URL from SXVIS_DATABASE_URL instead."""

import asyncio
import os

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

import authz.models  # noqa: F401  (the policy table; authz sits above the core, so it registers itself)
import sxvis.models  # noqa: F401  (registers every table on the metadata)
from sxvis.database.base import Base
from sxvis.database.engine import async_url
from sxvis.database.migrate import include_name

target_metadata = Base.metadata

# Any number that is ours alone: two processes upgrading at once take turns.
MIGRATION_LOCK_KEY = 0x5A715


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, compare_type=True, include_name=include_name
    )
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


async def run_async_migrations() -> None:
    url = os.environ.get("SXVIS_DATABASE_URL")
    if not url:
        raise SystemExit(
            "Set SXVIS_DATABASE_URL, or use `sxvis db upgrade`, which starts the embedded server."
        )
    engine = create_async_engine(async_url(url))
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
        await connection.commit()
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    do_run_migrations(connection)
else:
    asyncio.run(run_async_migrations())
