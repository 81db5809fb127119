"""The live inbox's resolver: a subscriber's events, each delivered in its own scoped transaction.

A subscription runs for as long as its socket stays open, so what a request context does once, this
does per event: the actor is derived again (a policy change applies to the next event), the loaders are
made afresh (nothing read for an earlier event is served from a cache, and every read is logged again),
and the delivery's access event commits before the event is yielded to GraphQL.
"""

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from resolvers.context import Context
from sxvis.actors import Actor
from sxvis.referrals import events
from sxvis.referrals.models import Referral


@dataclass(kw_only=True)
class LiveContext(Context):
    """The context of one subscription operation on a websocket."""

    stream: events.ReferralStream
    expires_at: datetime  # the token's `exp`: nothing is delivered after it
    authorize: Callable[[], Awaitable[Actor]]  # the subscriber as an actor under the current policy

    @classmethod
    def of(
        cls,
        base: Context,
        *,
        stream: events.ReferralStream,
        expires_at: datetime,
        authorize: Callable[[], Awaitable[Actor]],
    ) -> "LiveContext":
        shared = {f.name: getattr(base, f.name) for f in dataclasses.fields(Context)}
        return cls(**shared, stream=stream, expires_at=expires_at, authorize=authorize)

    @property
    def expired(self) -> bool:
        return datetime.now(UTC) >= self.expires_at

    def renew(self, actor: Actor) -> None:
        """Act as `actor` from now on, with new loaders (and a new row scope) for the next event."""
        self.actor = actor
        self.__dict__.pop("loaders", None)
        self.__dict__.pop("scope", None)


async def referral_events(
    ctx: LiveContext, *, fields: Sequence[str] = ()
) -> AsyncIterator[tuple[events.ReferralEvent, Referral]]:
    inbox = await ctx.stream.subscribe(ctx.actor)
    try:
        async for event in inbox:
            if ctx.expired:
                return
            ctx.renew(await ctx.authorize())
            async with ctx.db.scoped_session(ctx.scope) as session:
                referral = await events.deliver(session, ctx.actor, event=event, fields=fields)
            if referral is not None:  # its access event is committed: it may leave
                yield event, referral
    finally:
        inbox.close()
