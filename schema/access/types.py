"""Consents, break-the-glass events and notices as GraphQL types.

Each type is built from its model by a plain function (`consent_of` …). The person a row is about is
never shown by its stored id: it is resolved through `resolvers.registry.person_by_id`, so the caller
gets the id (real or pseudonymous) and the fields it may see, and null outside its remit. The one
exception is `BreakGlassEvent.personId`, for reviewers alone: the id the access log gives them, so a
review can ask the log who else saw that person.
"""

import uuid
from datetime import date, datetime

import strawberry
from strawberry.types import Info

from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.catalogue.types import Agency, agency_or_none
from schema.registry.types import Person, person_or_none
from schema.relay import Counted, Edge, PageInfo, global_id, selected_fields
from schema.vocabulary import renamed
from sxvis import clock
from sxvis.access import break_glass, notices
from sxvis.access import models as access_models
from sxvis.registry import consents
from sxvis.registry.models import Consent as ConsentModel

BreakGlassReasonCode = strawberry.enum(
    break_glass.REASON_CODES,
    name="BreakGlassReasonCode",
    description="Why a case manager broke the glass, in categories an auditor can count.",
)
NoticeKind = strawberry.enum(notices.NoticeKind, description="What a notice to an agency is about.")


async def _person(info: Info[Context, None], person_id: uuid.UUID) -> Person | None:
    found = await registry_resolvers.person_by_id(info.context, person_id, fields=selected_fields(info))
    return person_or_none(found)


async def _agency(ctx: Context, code: str) -> Agency | None:
    return agency_or_none(await ctx.loaders.agency.load(code))


@strawberry.type(
    description="A person's consent that an agency may see their data, for a purpose, until a date. "
    "While in force it brings the person into that agency's remit."
)
class Consent:
    id: strawberry.ID
    purpose: str
    valid_until: date = strawberry.field(description="The last day the consent is in force (Baku date).")
    in_force: bool = strawberry.field(description="Not revoked, and its last day not yet past.")
    recorded_by: str | None = strawberry.field(description="Who recorded it; null under a pseudonym.")
    recorded_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    agency_code: strawberry.Private[str]
    recorded_by_agency_code: strawberry.Private[str]
    person_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The agency the person consents to.")
    async def agency(self, info: Info[Context, None]) -> Agency | None:
        return await _agency(info.context, self.agency_code)

    @strawberry.field(description="The agency whose worker recorded the consent.")
    async def recorded_by_agency(self, info: Info[Context, None]) -> Agency | None:
        return await _agency(info.context, self.recorded_by_agency_code)

    @strawberry.field(description="The person who consents, as the caller may see them.")
    async def person(self, info: Info[Context, None]) -> Person | None:
        return await _person(info, self.person_id)


async def consent_for(ctx: Context, c: ConsentModel) -> Consent | None:
    """A consent as the caller sees it: its id pseudonymous when its person is shown under a pseudonym."""
    shown = await registry_resolvers.shown_id(ctx, c.id, c.person_id)
    return None if shown is None else consent_of(c, shown_id=shown)


def consent_of(c: ConsentModel, *, shown_id: str | None = None) -> Consent:
    hidden = shown_id is not None and shown_id != str(c.id)
    return Consent(
        id=global_id("Consent", shown_id or c.id),
        purpose=c.purpose,
        valid_until=c.valid_until,
        in_force=consents.in_force(c),
        recorded_by=None if hidden else c.recorded_by,
        recorded_at=c.created_at,
        revoked_at=c.revoked_at,
        revoked_by=c.revoked_by,
        revoke_reason=c.revoke_reason,
        agency_code=c.agency_code,
        recorded_by_agency_code=c.recorded_by_agency,
        person_id=c.person_id,
    )


@strawberry.type(
    description="A user's time-limited opening of a protected person's identity, and its review."
)
class BreakGlassEvent:
    id: strawberry.ID
    user: str = strawberry.field(
        description="Who broke the glass (the user id).", deprecation_reason=renamed("userId")
    )
    reason_code: BreakGlassReasonCode  # type: ignore[valid-type]
    reason: str
    opened_at: datetime
    expires_at: datetime = strawberry.field(description="When the identity closes again.")
    reviewed_at: datetime | None
    reviewed_by: str | None
    review_note: str | None
    agency_code: strawberry.Private[str]
    person_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Who broke the glass (the user id).")
    def user_id(self) -> str:
        return self.user

    @strawberry.field(description="Whether the identity is still open to the user.")
    def open(self) -> bool:
        return self.expires_at > clock.now()

    @strawberry.field(description="The user's agency.")
    async def agency(self, info: Info[Context, None]) -> Agency | None:
        return await _agency(info.context, self.agency_code)

    @strawberry.field(
        description="The person, as the caller may see them: disclosed to the user who broke the glass "
        "while the opening lasts. Asking for it needs the permission to read persons."
    )
    async def person(self, info: Info[Context, None]) -> Person | None:
        return await _person(info, self.person_id)

    @strawberry.field(
        name="personId",
        description="The person's id as the access log records it, to pass to `accessLog(filter: "
        "{personId})` and see who else read them. Only for those who review break-the-glass "
        "(auditors): to everyone else the id is FORBIDDEN, since it would link one protected person "
        "across agencies.",
    )
    def logged_person_id(self, info: Info[Context, None]) -> strawberry.ID:
        return global_id("Person", break_glass.person_for_review(info.context.actor, self.person_id))


def break_glass_event_of(g: access_models.BreakGlassGrant) -> BreakGlassEvent:
    return BreakGlassEvent(
        id=global_id("BreakGlassEvent", g.id),
        user=g.user_id,
        reason_code=break_glass.REASON_CODES(g.reason_code),
        reason=g.reason,
        opened_at=g.opened_at,
        expires_at=g.expires_at,
        reviewed_at=g.reviewed_at,
        reviewed_by=g.reviewed_by,
        review_note=g.review_note,
        agency_code=g.agency_code,
        person_id=g.person_id,
    )


@strawberry.type(description="A message to the caller's agency about a person it protects.")
class Notice:
    id: strawberry.ID
    kind: NoticeKind  # type: ignore[valid-type]
    message: str
    created_at: datetime
    person_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The person the notice is about, as the caller may see them.")
    async def person(self, info: Info[Context, None]) -> Person | None:
        return None if self.person_id is None else await _person(info, self.person_id)


def notice_of(n: access_models.Notice) -> Notice:
    return Notice(
        id=global_id("Notice", n.id),
        kind=notices.NoticeKind(n.kind),
        message=n.message,
        created_at=n.created_at,
        person_id=n.person_id,
    )


@strawberry.type
class BreakGlassEventConnection(Counted):
    edges: list[Edge[BreakGlassEvent]]
    page_info: PageInfo


@strawberry.type
class NoticeConnection(Counted):
    edges: list[Edge[Notice]]
    page_info: PageInfo
