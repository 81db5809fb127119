"""SXVİS's GraphQL app with the access stack switched off: for `bench/registry.py`, and nothing else.

It exists only so the benchmark can measure, in the same run, what the access stack costs: the same
app as `sxvis serve` (`sxvis.web.app.create_app`: the same schema, endpoint, resolvers, services, SQL and
DataLoaders), minus the pieces below, so "full GraphQL / unguarded GraphQL" is the price of those pieces
alone. Nothing in the product changes and the product has no switch for this: the pieces are replaced
by monkeypatching, in this process only, when uvicorn calls the factory.

NEVER SERVE IT. It answers anyone, with every permission, on every row, and logs nothing.

Switched off:

1. Authentication and the policy. `sxvis.web.gate.Gate.actor` returns one fixed actor, built once: a
   social worker of SXA holding every permission of `authz.actions.Action` (`registry:read`, the
   registry-wide grant, included). No bearer token is read or verified (no EdDSA), no Casbin question
   is asked (not even the cached one), no purpose header is parsed, no per-request origin (request id,
   client address) is made. The token the benchmark sends anyway is ignored.
2. The access log of reads. `sxvis.audit.read_logged`, as `sxvis.registry.persons` calls it, runs the
   plain SELECT it is given: no data-modifying CTE, no access event inserted.
3. The scoped transaction. `Database.scoped` yields an autocommit connection and
   `Database.scoped_session` an autocommit session: no `BEGIN; set_config(...)` round trip, no
   `COMMIT`. (A mutation sent here would not be atomic; the benchmark sends only reads.) A person by
   FIN or id (`sxvis.registry.persons.read_person`, the scope and the logged read in one call) is
   `get_person` on an autocommit connection instead: the plain SELECT, no function call.
4. Row-level security. The app connects as the database owner (`SXVIS_DATABASE_URL` as given, the
   embedded server's superuser), not as `sxvis_app`, so PostgreSQL evaluates no RLS policy.
5. The access log's sealer. `sxvis.web.app._seal_forever` returns at once: this process chains no events
   (and so does not take over the sealing of the events the full server writes during its phases).

Left on, because they are the rest of the app: the endpoint (body, orjson), GraphQL parsing, validation
and execution, the resolvers and services, SQLAlchemy where the services use it, the DataLoaders, field
minimisation (`sxvis.access.disclosure`), and the remit and disclosure conditions the services write
into their SQL (for a reader with the registry-wide grant the remit reduces to a constant, and the
disclosure condition hides protected persons exactly as it does in the full app, so both give the same
answers).

Started by the benchmark like the baseline: `uvicorn unguarded:create_app_from_environment --factory
--app-dir bench`, with the same `SXVIS_*` environment as `sxvis serve`, after `sxvis serve` has migrated
the database.
"""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request

import sxvis.audit
import sxvis.web.app
import sxvis.web.gate
from authz.actions import Action
from sxvis.actors import Actor
from sxvis.audit._pg import raw
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.database.scope import RowScope
from sxvis.errors import ConfigurationError
from sxvis.registry import persons

ACTOR = Actor(
    user_id="bench-unguarded",
    agency_code="SXA",
    roles=frozenset({"social_worker"}),
    name="Benchmark (access stack off)",
    permissions=frozenset(action.value for action in Action),
)
"""Whoever calls: a social worker of SXA with every permission, the registry-wide grant included."""


async def _fixed_actor(self: sxvis.web.gate.Gate, request: Request) -> Actor:
    return ACTOR


async def _plain_read(connection: Any, select_sql: str, args: Sequence[object], **ignored: Any) -> list[Any]:
    """`audit.read_logged` without the log: the SELECT alone, on the same asyncpg connection.

    The SELECT carries its own ORDER BY where order matters (a page, a ranked search), so its rows come
    back in the order the logged statement's outer ORDER BY gives them."""
    if isinstance(connection, AsyncSession):
        pg: Any = await raw(await connection.connection())
    elif isinstance(connection, AsyncConnection):
        pg = await raw(connection)
    else:
        pg = connection
    rows: list[Any] = await pg.fetch(select_sql, *args)
    return rows


@asynccontextmanager
async def _unscoped(
    self: Database, scope: RowScope, *, generic_plans: bool = False
) -> AsyncIterator[AsyncConnection]:
    # autocommit: no BEGIN, no set_config, no COMMIT; so no transaction to put on generic plans either
    # (the owner's plans carry no row-level security policies, and cost a fraction to make)
    async with self.connect() as connection:
        yield connection


@asynccontextmanager
async def _unscoped_session(self: Database, scope: RowScope) -> AsyncIterator[AsyncSession]:
    async with self.reader() as session:  # an autocommit session
        yield session


async def _read_person_unscoped(db: Database, actor: Actor, **asked: Any) -> Any:
    async with db.connect() as connection:
        return await persons.get_person(connection, actor, **asked)


async def _no_sealer(settings: Settings) -> None:
    return None


def switch_off() -> None:
    """Apply the patches above to this process (idempotent)."""
    sxvis.web.gate.Gate.actor = _fixed_actor  # type: ignore[method-assign]
    sxvis.audit.read_logged = _plain_read  # type: ignore[assignment]
    Database.scoped = _unscoped  # type: ignore[method-assign]
    Database.scoped_session = _unscoped_session  # type: ignore[method-assign]
    persons.read_person = _read_person_unscoped  # type: ignore[assignment]
    sxvis.web.app._seal_forever = _no_sealer  # type: ignore[attr-defined]


def create_app_from_environment() -> Starlette:
    """Factory for uvicorn workers: the real app, as the owner, with the access stack switched off."""
    from sxvis.logging import configure

    settings = Settings()
    configure(settings)
    if settings.database_url is None:
        raise ConfigurationError("bench/unguarded.py needs SXVIS_DATABASE_URL (the owner's URL).")
    switch_off()
    database = Database(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    return sxvis.web.app.create_app(settings, database=database, freeze_heap=True)  # as the product's worker
