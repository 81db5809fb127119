"""Where the policy lives at run time: loaded from `policy_rules`, kept fresh by LISTEN/NOTIFY.

Every change to `policy_rules` is followed, in the same transaction, by `pg_notify('sxvis_policy')`.
PostgreSQL delivers the notification at commit, to every connection listening, so each worker
reloads the committed policy within a moment of the change and never sees one that rolled back.
"""

import asyncio
import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import casbin
import structlog
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from authz.enforcer import MODEL_PATH, POLICY_PATH, Authorizer
from authz.models import POLICY_FIELDS, PolicyRule
from sxvis.database import Database
from sxvis.database.engine import plain_url

log = structlog.get_logger(__name__)

CHANNEL = "sxvis_policy"


def read_policy_csv(path: Path = POLICY_PATH) -> list[tuple[str, ...]]:
    """The seed's lines as (ptype, v0, v1, …), comments and blank lines left out."""
    lines: list[tuple[str, ...]] = []
    for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8")), skipinitialspace=True):
        if row and not row[0].lstrip().startswith("#"):
            lines.append(tuple(cell.strip() for cell in row))
    return lines


async def seed_policies(session: AsyncSession, *, created_by: str = "seed") -> int:
    """Install `policy.csv` into an empty policy table; a table already holding rules is left alone."""
    if await session.scalar(select(func.count()).select_from(PolicyRule)):
        return 0
    rules = read_policy_csv()
    for ptype, *values in rules:
        fields = dict(zip(POLICY_FIELDS, values, strict=False))
        session.add(PolicyRule(ptype=ptype, created_by=created_by, **fields))
    await session.flush()
    await notify_change(session)
    return len(rules)


async def notify_change(session: AsyncSession) -> None:
    """Tell every worker to reload; delivered when (and only if) the caller's transaction commits."""
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


def build_authorizer(rules: Sequence[tuple[str, ...]]) -> Authorizer:
    enforcer = casbin.Enforcer(str(MODEL_PATH))
    by_type: dict[str, list[list[str]]] = {}
    for ptype, *values in rules:
        by_type.setdefault(ptype, []).append(list(values))
    # In batches: one call per type, not one per line (each call re-checks the lines already there).
    for ptype, lines in by_type.items():
        if ptype.startswith("p"):
            enforcer.add_named_policies(ptype, lines)
        else:
            enforcer.add_named_grouping_policies(ptype, lines)
    return Authorizer(enforcer)


async def load_authorizer(db: Database) -> Authorizer:
    async with db.reader() as session:
        rows = (await session.execute(select(PolicyRule).order_by(PolicyRule.id))).scalars()
        return build_authorizer([(row.ptype, *row.values()) for row in rows])


class PolicyStore:
    """The current `Authorizer` of this process, replaced whenever the policy table changes."""

    def __init__(self, db: Database, authorizer: Authorizer) -> None:
        self.db = db
        self.current = authorizer
        self._connection: Any = None
        self._reloading: asyncio.Task[None] | None = None
        self._pending = False
        self.reloads = 0

    @classmethod
    async def open(cls, db: Database) -> "PolicyStore":
        store = cls(db, await load_authorizer(db))
        await store._listen()
        return store

    async def reload(self) -> None:
        self.current = await load_authorizer(self.db)
        self.reloads += 1
        log.info("policy.reloaded", reloads=self.reloads)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
        if self._reloading is not None:
            await asyncio.gather(self._reloading, return_exceptions=True)

    async def _listen(self) -> None:
        import asyncpg  # type: ignore[import-untyped]

        # A connection of its own, outside the pool: a LISTEN lasts as long as its connection.
        self._connection = await asyncpg.connect(plain_url(self.db.url))
        await self._connection.add_listener(CHANNEL, self._on_notify)

    def _on_notify(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        # A burst of changes needs one reload after the last, not one each; a change that arrives
        # while a reload runs (which may have read before it committed) gets a reload of its own.
        self._pending = True
        if self._reloading is None or self._reloading.done():
            self._reloading = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._pending:
            self._pending = False
            await self.reload()
