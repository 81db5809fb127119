"""Referrals as GraphQL types: the person as the caller may see them (a pseudonym for a protected person
not entitled to the caller, nobody after a rejection or cancellation), the history of moves."""

import uuid
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.catalogue.types import Agency, Service, agency_or_none, service_or_none
from schema.registry.types import Person, person_or_none
from schema.relay import Counted, Edge, PageInfo, global_id, parse_uuid, selected_fields
from schema.vocabulary import renamed
from sxvis.referrals import enums
from sxvis.referrals import service as referrals
from sxvis.referrals.models import Referral as ReferralModel
from sxvis.referrals.models import ReferralMove as MoveModel

Urgency = strawberry.enum(enums.Urgency, description="How fast the receiver must answer.")
ReferralStatus = strawberry.enum(enums.ReferralStatus, description="States aligned with FHIR Task.")


@strawberry.type(description="One move of a referral: who, from which agency, when, from and to which state.")
class ReferralMove:
    from_status: ReferralStatus | None  # type: ignore[valid-type]
    to_status: ReferralStatus  # type: ignore[valid-type]
    actor_user: str = strawberry.field(deprecation_reason=renamed("actorUserId"))
    actor_agency_code: str
    note: str | None
    at: datetime = strawberry.field(deprecation_reason=renamed("occurredAt"))

    @strawberry.field(description="The user who made the move.")
    def actor_user_id(self) -> str:
        return self.actor_user

    @strawberry.field(description="When the move was made.")
    def occurred_at(self) -> datetime:
        return self.at


@strawberry.type(description="A person sent from one agency to another, followed to its end.")
class Referral(relay.Node):
    id: relay.NodeID[str]
    reason: str
    urgency: Urgency  # type: ignore[valid-type]
    status: ReferralStatus  # type: ignore[valid-type]
    due_at: datetime = strawberry.field(description="When the receiver must have answered.")
    overdue: bool = strawberry.field(description="Still REQUESTED after its deadline.")
    flagged_for_review: bool = strawberry.field(
        description="An emergency referral sent without a consent that a non-state receiver needs, or to "
        "a provider without a free place: see reviewReason."
    )
    review_reason: str | None = strawberry.field(description="Why the referral is flagged for review.")
    outcome: str | None
    created_at: datetime
    case_ref: strawberry.Private[uuid.UUID | None]
    from_agency_code: strawberry.Private[str]
    to_agency_code: strawberry.Private[str]
    service_code: strawberry.Private[str | None]
    person_id: strawberry.Private[uuid.UUID]
    referral_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="The person, as your agency may see them; null once the referral no "
        "longer brings them into your remit."
    )
    async def person(self, info: Info[Context, None]) -> Person | None:
        found = await registry_resolvers.person_by_id(
            info.context, self.person_id, fields=selected_fields(info)
        )
        return person_or_none(found)

    @strawberry.field
    async def case_id(self, info: Info[Context, None]) -> strawberry.ID | None:
        # As the case itself is shown (`Case.id`): under the caller's pseudonym when the person is shown
        # to it under one, so that a receiver cannot match the sender's case through the referral.
        if self.case_ref is None:
            return None
        shown = await registry_resolvers.shown_id(info.context, self.case_ref, self.person_id)
        return None if shown is None else global_id("Case", shown)

    @strawberry.field
    async def from_agency(self, info: Info[Context, None]) -> Agency | None:
        return agency_or_none(await info.context.loaders.agency.load(self.from_agency_code))

    @strawberry.field
    async def to_agency(self, info: Info[Context, None]) -> Agency | None:
        return agency_or_none(await info.context.loaders.agency.load(self.to_agency_code))

    @strawberry.field
    async def service(self, info: Info[Context, None]) -> Service | None:
        if self.service_code is None:
            return None
        return service_or_none(await info.context.loaders.service.load(self.service_code))

    @strawberry.field(description="Every move, oldest first.")
    async def history(self, info: Info[Context, None]) -> list[ReferralMove]:
        found = await info.context.loaders.referral_history.load(self.referral_id, selected_fields(info))
        return [move_of(m) for m in found]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: list[str], required: bool = False
    ) -> list["Referral | None"]:
        out: list[Referral | None] = []
        for node_id in node_ids:
            try:
                found = await info.context.loaders.referral.load(uuid.UUID(node_id), selected_fields(info))
            except ValueError:
                found = None
            out.append(None if found is None else referral_of(found))
        return out


def referral_of(r: ReferralModel) -> Referral:
    return Referral(
        id=str(r.id),
        reason=r.reason,
        urgency=r.urgency,
        status=r.status,
        due_at=r.due_at,
        overdue=referrals.overdue(r),
        flagged_for_review=r.flagged_for_review,
        review_reason=r.review_reason,
        outcome=r.outcome,
        created_at=r.created_at,
        case_ref=r.case_id,
        from_agency_code=r.from_agency,
        to_agency_code=r.to_agency,
        service_code=r.service_code,
        person_id=r.person_id,
        referral_id=r.id,
    )


def move_of(m: MoveModel) -> ReferralMove:
    return ReferralMove(
        from_status=m.from_status,
        to_status=m.to_status,
        actor_user=m.actor_user,
        actor_agency_code=m.actor_agency,
        note=m.note,
        at=m.at,
    )


@strawberry.type
class ReferralConnection(Counted):
    edges: list[Edge[Referral]]
    page_info: PageInfo


def case_id_of(value: strawberry.ID | None) -> uuid.UUID | None:
    """A case's global id (cases arrive with case management; until then any well-formed id is kept)."""
    return None if value is None else parse_uuid(value, type_name="Case", field="case_id")
