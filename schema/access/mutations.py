"""Mutations of the access domain: consent, break-the-glass and its review.

As in the registry (STYLE §3): one `input`, a payload with the object and `errors`. A `DomainError`
becomes a payload error and the transaction rolls back; a denial propagates, and the endpoint answers
FORBIDDEN and logs it.
"""

import strawberry
from strawberry.types import Info

from resolvers import access as resolve
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.access.inputs import (
    BreakGlassInput,
    RecordConsentInput,
    ReviewBreakGlassInput,
    RevokeConsentInput,
)
from schema.access.types import BreakGlassEvent, Consent, break_glass_event_of, consent_for
from schema.errors import RegistryError
from schema.relay import parse_id, parse_uuid
from sxvis.errors import DomainError


@strawberry.type
class RecordConsentPayload:
    consent: Consent | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class RevokeConsentPayload:
    consent: Consent | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class BreakGlassPayload:
    grant: BreakGlassEvent | None = strawberry.field(
        default=None, description="The opening: until when it lasts, and the person now disclosed."
    )
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class ReviewBreakGlassPayload:
    grant: BreakGlassEvent | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class AccessMutation:
    @strawberry.mutation(
        description="Record a person's consent that an agency may see their data; while in force, the "
        "person is in that agency's remit."
    )
    async def record_consent(
        self, info: Info[Context, None], input: RecordConsentInput
    ) -> RecordConsentPayload:
        try:
            consent = await resolve.record_consent(
                info.context,
                public_person_id=parse_id(input.person_id, type_name="Person", field="person_id"),
                agency_code=input.agency_code.strip(),
                purpose=input.purpose,
                valid_until=input.valid_until,
            )
        except DomainError as err:
            return RecordConsentPayload(errors=[RegistryError.of(err)])
        return RecordConsentPayload(consent=await consent_for(info.context, consent))

    @strawberry.mutation(description="Revoke a consent: the agency it named loses the person at once.")
    async def revoke_consent(
        self, info: Info[Context, None], input: RevokeConsentInput
    ) -> RevokeConsentPayload:
        try:
            consent = await resolve.revoke_consent(
                info.context,
                consent_id=registry_resolvers.require_record_id(
                    info.context, parse_id(input.id, type_name="Consent", field="id"), kind="consent"
                ),
                reason=input.reason,
            )
        except DomainError as err:
            return RevokeConsentPayload(errors=[RegistryError.of(err)])
        return RevokeConsentPayload(consent=await consent_for(info.context, consent))

    @strawberry.mutation(
        description="Open a protected person's identity to yourself for a short time. The agency that "
        "protects them is told, and an auditor reviews the reason."
    )
    async def break_glass(self, info: Info[Context, None], input: BreakGlassInput) -> BreakGlassPayload:
        try:
            grant = await resolve.break_glass(
                info.context,
                public_person_id=parse_id(input.person_id, type_name="Person", field="person_id"),
                reason_code=str(input.reason_code),
                reason=input.reason,
            )
        except DomainError as err:
            return BreakGlassPayload(errors=[RegistryError.of(err)])
        return BreakGlassPayload(grant=break_glass_event_of(grant))

    @strawberry.mutation(description="Record an auditor's review of a break-the-glass event (once).")
    async def review_break_glass(
        self, info: Info[Context, None], input: ReviewBreakGlassInput
    ) -> ReviewBreakGlassPayload:
        try:
            grant = await resolve.review_break_glass(
                info.context,
                grant_id=parse_uuid(input.id, type_name="BreakGlassEvent", field="id"),
                note=input.note,
            )
        except DomainError as err:
            return ReviewBreakGlassPayload(errors=[RegistryError.of(err)])
        return ReviewBreakGlassPayload(grant=break_glass_event_of(grant))
