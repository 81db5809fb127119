"""The live inbox's core: the referral stream heard once per process, fanned out, each delivery logged.

Every move commits a NOTIFY on `sxvis_referrals` (`service._record`) whose payload holds ids and states
only: the referral, the sending and receiving agencies, the states before and after, the agency that
moved it and when. PostgreSQL delivers it at commit to every listening connection, so whichever worker
process served the move, every worker hears it.

- `ReferralStream`: one LISTEN connection per process (asyncpg, outside the pool), opened in the app's
  lifespan or at the first subscription, reopened with backoff when it drops. It routes each event to
  the inboxes of the two agencies involved, and only to those. Events that arrive while the connection
  is down are not replayed: the inbox is a live view, and `referrals(filter: …)` is the record.
- `Inbox`: one subscriber's queue of events (bounded; a subscriber that falls too far behind is ended
  with `InboxOverflow` rather than allowed to hold the process's memory).
- `deliver`: the referral of an event as the subscriber may see it now, with its access event written
  in the caller's transaction (which commits before the event leaves), or None if it is not theirs.

Errors:

SxvisError
├── StreamUnavailable   the LISTEN connection cannot be opened now
└── InboxOverflow       a subscriber fell too far behind and was ended
"""

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import orjson
import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit
from sxvis.actors import Actor
from sxvis.database.engine import plain_url
from sxvis.errors import SxvisError
from sxvis.referrals.enums import ReferralStatus
from sxvis.referrals.models import Referral
from sxvis.referrals.service import CHANNEL, READ

log = structlog.get_logger(__name__)

INBOX_LIMIT = 1000
"""Events waiting for one subscriber before it is ended (a live inbox is not a queue to fall behind on)."""
APPLICATION_NAME = "sxvis-referral-stream"
"""How the LISTEN connection names itself in `pg_stat_activity`."""
OPEN_TIMEOUT_SECONDS = 10.0
RETRY_FIRST_SECONDS = 0.2
RETRY_MAX_SECONDS = 10.0


class StreamUnavailable(SxvisError):
    """The referral stream's LISTEN connection cannot be opened now; the client may subscribe again."""


class InboxOverflow(SxvisError):
    """A subscriber fell more than `INBOX_LIMIT` events behind and was ended; subscribe again."""


@dataclass(frozen=True, slots=True)
class ReferralEvent:
    """One move as the stream carries it: ids and states, no personal data."""

    referral_id: uuid.UUID
    from_agency: str
    to_agency: str
    previous: ReferralStatus | None  # None: the referral was just created
    status: ReferralStatus
    by_agency: str
    at: datetime

    @classmethod
    def from_payload(cls, payload: str) -> "ReferralEvent":
        """Parse a NOTIFY payload; raises ValueError (or KeyError) on anything else."""
        data: dict[str, Any] = orjson.loads(payload)
        previous = data["previous"]
        return cls(
            referral_id=uuid.UUID(data["referral"]),
            from_agency=str(data["from_agency"]),
            to_agency=str(data["to_agency"]),
            previous=None if previous is None else ReferralStatus(previous),
            status=ReferralStatus(data["status"]),
            by_agency=str(data["by_agency"]),
            at=datetime.fromisoformat(data["at"]),
        )

    @property
    def agencies(self) -> frozenset[str]:
        return frozenset({self.from_agency, self.to_agency})


class Inbox:
    """One subscriber's events, in the order the stream heard them. Iterate it; `close()` when done."""

    def __init__(self, stream: "ReferralStream", agency_code: str) -> None:
        self.agency_code = agency_code
        self._stream = stream
        self._queue: asyncio.Queue[ReferralEvent] = asyncio.Queue(maxsize=INBOX_LIMIT)
        self._overflowed = False

    def offer(self, event: ReferralEvent) -> None:
        if self._overflowed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self._overflowed = True
            log.warning("referrals.inbox.overflow", agency=self.agency_code, limit=INBOX_LIMIT)

    def __aiter__(self) -> AsyncIterator[ReferralEvent]:
        return self

    async def __anext__(self) -> ReferralEvent:
        if self._overflowed:
            raise InboxOverflow(
                f"More than {INBOX_LIMIT} referral events waited for this subscriber; subscribe again and "
                "read what you missed with `referrals`."
            )
        return await self._queue.get()

    def close(self) -> None:
        self._stream.forget(self)


class ReferralStream:
    """The process's one LISTEN on the referral stream, and its subscribers by agency."""

    def __init__(self, url: str) -> None:
        self._url = plain_url(url)
        self._inboxes: dict[str, set[Inbox]] = defaultdict(set)
        self._listening = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin listening in the background (idempotent); a failed connection is retried with backoff."""
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.create_task(self._keep_listening(), name="sxvis-referral-stream")

    async def close(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def subscribe(self, actor: Actor) -> Inbox:
        """An inbox of the events of referrals the actor's agency sends or receives, from now on."""
        actor.require(READ)
        self.start()
        try:
            await asyncio.wait_for(self._listening.wait(), timeout=OPEN_TIMEOUT_SECONDS)
        except TimeoutError:
            raise StreamUnavailable(
                "The referral stream is not available now; subscribe again later."
            ) from None
        inbox = Inbox(self, actor.agency_code)
        self._inboxes[actor.agency_code].add(inbox)
        return inbox

    def forget(self, inbox: Inbox) -> None:
        subscribers = self._inboxes.get(inbox.agency_code)
        if subscribers is not None:
            subscribers.discard(inbox)
            if not subscribers:
                del self._inboxes[inbox.agency_code]

    @property
    def subscribers(self) -> int:
        return sum(len(inboxes) for inboxes in self._inboxes.values())

    def _on_notify(self, connection: object, pid: int, channel: str, payload: str) -> None:
        try:
            event = ReferralEvent.from_payload(payload)
        except (ValueError, KeyError, TypeError):
            log.warning("referrals.stream.bad_payload", channel=channel)
            return
        for agency in event.agencies:
            for inbox in tuple(self._inboxes.get(agency, ())):
                inbox.offer(event)

    async def _keep_listening(self) -> None:
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                await self._listen_until_lost()
                delay = RETRY_FIRST_SECONDS  # it was up: the next attempt starts afresh
                log.warning("referrals.stream.lost")
            except Exception as err:  # whatever broke the connection, the process keeps trying
                log.warning("referrals.stream.unavailable", error=type(err).__name__, retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def _listen_until_lost(self) -> None:
        # A connection of its own, outside the pool: a LISTEN lasts as long as its connection.
        connection: Any = await asyncpg.connect(
            self._url, server_settings={"application_name": APPLICATION_NAME}
        )
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(CHANNEL, self._on_notify)
            self._listening.set()
            log.info("referrals.stream.listening")
            await lost.wait()
        finally:
            self._listening.clear()
            if not connection.is_closed():
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)


async def deliver(
    session: AsyncSession, actor: Actor, *, event: ReferralEvent, fields: Sequence[str] = ()
) -> Referral | None:
    """The event's referral as the subscriber may see it now, its access event written; None if the
    referral is not their agency's (or no longer visible to it under row-level security).

    Each delivery is a read like any other: it needs `referral:read` now (the policy may have changed
    since the subscription began), and the subscriber is the actor of its access event.
    """
    actor.require(READ)
    if actor.agency_code not in event.agencies:
        return None
    involved = or_(Referral.from_agency == actor.agency_code, Referral.to_agency == actor.agency_code)
    referral = await session.scalar(select(Referral).where(Referral.id == event.referral_id, involved))
    if referral is None:
        return None
    await audit.record(
        session,
        actor,
        action=READ,
        entity_type="referral",
        entity_id=referral.id,
        person_id=referral.person_id,
        fields=fields,
        details={
            "delivery": "referralEvents",
            "from": None if event.previous is None else event.previous.value,
            "to": event.status.value,
        },
    )
    return referral
