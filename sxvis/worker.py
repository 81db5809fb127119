"""`sxvis worker`: the background process that delivers the outbox and retries pending checks.

It connects as the database owner (the outbox is not the app role's to read), builds the ministry clients
from `SXVIS_MINISTRY__*`, and loops: deliver due messages (`sxvis.outbox.delivery.deliver_due`) until a
round finds fewer than a batch, retry due pending checks (`sxvis.checks.retry_pending_checks`), then
sleep until the next poll, or until `enqueue` NOTIFYs `sxvis_outbox` at a commit (so an urgent police
report leaves at once, not at the next poll). Several workers may run at once, on one machine or many.

SIGTERM or SIGINT stops it after the round in progress. SIGKILL stops it anywhere: what it had claimed
is released by PostgreSQL with its connection and delivered by the next round, exactly once at the
receiver (see `sxvis.outbox.delivery`). `sxvis serve --demo` runs the same loop inside the server.
"""

import asyncio
import contextlib
import os
import signal
import traceback
from collections.abc import Mapping
from typing import Any

import structlog

from integrations.hub import Integrations
from integrations.outbound import outbound_adapters
from sxvis.checks import retry_pending_checks
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.database.engine import plain_url
from sxvis.outbox import CHANNEL, Deliverer, RetryPolicy, RoundReport, deliver_due

log = structlog.get_logger(__name__)


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.outbox_max_attempts,
        backoff_initial=settings.outbox_backoff_initial,
        backoff_max=settings.outbox_backoff_max,
    )


async def drain(db: Database, deliverers: Mapping[str, Deliverer], settings: Settings) -> RoundReport:
    """Deliver rounds until one claims less than a full batch; the sum of what they did."""
    claimed = delivered = retried = dead = 0
    while True:
        report = await deliver_due(
            db, deliverers, policy=retry_policy(settings), batch_size=settings.outbox_batch_size
        )
        claimed += report.claimed
        delivered += report.delivered
        retried += report.retried
        dead += report.dead
        if report.claimed < settings.outbox_batch_size:
            return RoundReport(claimed=claimed, delivered=delivered, retried=retried, dead=dead)


async def run(
    settings: Settings,
    db: Database,
    integrations: Integrations,
    stop: asyncio.Event,
    *,
    retry_checks: bool = True,
) -> None:
    """The worker's loop, until `stop` is set. `db` must be the owner's connection."""
    deliverers = outbound_adapters(integrations.clients)
    wake = asyncio.Event()
    listener = await _listen(db, wake)
    log.info(
        "worker.started", pid=os.getpid(), outbound=sorted(deliverers), queries=len(integrations.adapters)
    )
    try:
        while not stop.is_set():
            wake.clear()
            try:
                report = await drain(db, deliverers, settings)
                if report.claimed:
                    log.info(
                        "worker.round",
                        claimed=report.claimed,
                        delivered=report.delivered,
                        retried=report.retried,
                        dead=report.dead,
                    )
                if retry_checks:
                    await retry_pending_checks(db, integrations)
            except Exception:
                # The traceback as a field: JSON log lines must carry it too.
                log.error("worker.round_failed", error=traceback.format_exc())
            await _sleep(settings.outbox_poll_seconds, wake, stop)
    finally:
        if listener is not None:
            await listener.close()
        log.info("worker.stopped", pid=os.getpid())


async def main(settings: Settings, database_url: str) -> None:
    """`sxvis worker`: run until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    db = Database(database_url, pool_size=2, max_overflow=2)
    try:
        async with Integrations.from_environment() as integrations:
            await run(settings, db, integrations, stop)
    finally:
        await db.dispose()


async def in_process_worker(settings: Settings, integrations: Integrations, stop: asyncio.Event) -> None:
    """The server's own delivery loop when `SXVIS_OUTBOX_IN_PROCESS` is set (`sxvis serve --demo`), on
    the server's ministry clients; the server retries pending checks itself."""
    if not settings.outbox_in_process or settings.database_url is None:
        return
    db = Database(settings.database_url.get_secret_value(), pool_size=2, max_overflow=0)
    try:
        await run(settings, db, integrations, stop, retry_checks=False)
    finally:
        await db.dispose()


async def _listen(db: Database, wake: asyncio.Event) -> Any:
    """A connection of its own LISTENing on the outbox channel; None (poll only) if it cannot be had."""
    import asyncpg  # type: ignore[import-untyped]

    try:
        connection = await asyncpg.connect(plain_url(db.url))
        await connection.add_listener(CHANNEL, lambda *_: wake.set())
    except (OSError, asyncpg.PostgresError):
        log.warning("worker.listen_failed", exc_info=True)
        return None
    return connection


async def _sleep(seconds: float, wake: asyncio.Event, stop: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
