"""The live inbox: `subscription { referralEvents { … } }` over graphql-transport-ws at `/graphql`.

The referral in each event is the `Referral` type the queries return, resolved for the subscriber: a
protected person under the subscriber's pseudonym, nobody once the referral no longer brings the person
into the subscriber's remit, and every read of a person logged like any other.
"""

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from resolvers import referral_events as resolve
from resolvers.referral_events import LiveContext
from schema.catalogue.types import Agency, agency_or_none
from schema.referrals.types import Referral, ReferralStatus, referral_of
from schema.relay import selected_fields
from schema.vocabulary import renamed
from sxvis.referrals import events


@strawberry.type(description="A move of a referral your agency sent or received, as it happened.")
class ReferralEvent:
    referral: Referral = strawberry.field(description="The referral as your agency may see it now.")
    from_status: ReferralStatus | None = strawberry.field(  # type: ignore[valid-type]
        description="The state before the move; null when the referral was just created."
    )
    to_status: ReferralStatus = strawberry.field(description="The state the move led to.")  # type: ignore[valid-type]
    at: datetime = strawberry.field(
        description="When the move was committed.", deprecation_reason=renamed("occurredAt")
    )
    by_agency_code: str = strawberry.field(
        description="The code of the agency that made the move.",
        deprecation_reason=renamed("actorAgencyCode"),
    )

    @strawberry.field(description="When the move was committed.")
    def occurred_at(self) -> datetime:
        return self.at

    @strawberry.field(description="The code of the agency that made the move.")
    def actor_agency_code(self) -> str:
        return self.by_agency_code

    @strawberry.field(description="The agency that made the move.")
    async def actor_agency(self, info: Info[LiveContext, None]) -> Agency | None:
        return agency_or_none(await info.context.loaders.agency.load(self.by_agency_code))

    @strawberry.field(description="The agency that made the move.", deprecation_reason=renamed("actorAgency"))
    async def by_agency(self, info: Info[LiveContext, None]) -> Agency | None:
        return await self.actor_agency(info)


@strawberry.type
class ReferralSubscription:
    @strawberry.subscription(
        description="The moves of referrals your agency sends or receives, from now on, as they happen "
        "(over graphql-transport-ws; authenticate in connection_init). Each delivered event is logged "
        "as a read of the referral by you. Ends when your token expires."
    )
    async def referral_events(self, info: Info[LiveContext, None]) -> AsyncGenerator[ReferralEvent, None]:
        try:
            shown = selected_fields(info, "referral")
            async for event, referral in resolve.referral_events(info.context, fields=shown):
                yield ReferralEvent(
                    referral=referral_of(referral),
                    from_status=event.previous,
                    to_status=event.status,
                    at=event.at,
                    by_agency_code=event.by_agency,
                )
        except (events.InboxOverflow, events.StreamUnavailable) as err:
            # Public and expected: the client subscribes again (a denial is left as it is raised, so the
            # door logs it and marks it FORBIDDEN).
            raise GraphQLError(str(err), extensions={"code": "UNAVAILABLE"}) from err
