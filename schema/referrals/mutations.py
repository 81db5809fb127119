"""Referral mutations: `createReferral` and the six moves, each one transaction (STYLE §3).

An invalid move is the typed error `INVALID_TRANSITION` naming the current state; two moves at once:
one wins, the other gets `CONFLICT`. A move by the wrong side (a sender accepting) is `FORBIDDEN`.
"""

import strawberry
from strawberry.types import Info

from resolvers import referrals as resolve
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.catalogue.types import ServiceCapacity, capacity_of
from schema.errors import RegistryError
from schema.referrals.inputs import (
    CompleteReferralInput,
    CreateReferralInput,
    MoveReferralInput,
    ReasonedMoveInput,
)
from schema.referrals.types import Referral, referral_of
from schema.relay import parse_id, parse_uuid
from sxvis.catalogue.capacity import NoCapacity
from sxvis.errors import DomainError
from sxvis.referrals.service import NewReferral


@strawberry.type
class ReferralPayload:
    referral: Referral | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)
    alternatives: list[ServiceCapacity] = strawberry.field(
        default_factory=list,
        description="With NO_CAPACITY: other providers of the service in the same region with a free place.",
    )


def _failed(err: DomainError) -> ReferralPayload:
    alternatives = err.alternatives if isinstance(err, NoCapacity) else []
    return ReferralPayload(
        errors=[RegistryError.of(err)], alternatives=[capacity_of(c) for c in alternatives]
    )


async def _move(
    info: Info[Context, None],
    global_id: str,
    move: str,
    note: str | None,
    *,
    reason: str | None = None,
    outcome: str | None = None,
    irp_reference: str | None = None,
) -> ReferralPayload:
    try:
        referral = await resolve.move_referral(
            info.context,
            referral_id=parse_uuid(global_id, type_name="Referral", field="id"),
            move=move,
            note=note,
            reason=reason,
            outcome=outcome,
            irp_reference=irp_reference,
        )
    except DomainError as err:
        return _failed(err)
    return ReferralPayload(referral=referral_of(referral))


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(
        description="Send a person to another agency. A non-state receiver needs the person's consent "
        "unless it is an EMERGENCY (then the referral is flagged for review). With a service, the receiver "
        "needs a free place: NO_CAPACITY lists alternatives, except in an EMERGENCY (accepted and flagged)."
    )
    async def create_referral(self, info: Info[Context, None], input: CreateReferralInput) -> ReferralPayload:
        ctx = info.context
        try:
            data = NewReferral(
                person_id=registry_resolvers.require_person_id(
                    ctx, parse_id(input.person_id, type_name="Person", field="person_id"), field="person_id"
                ),
                to_agency=input.to_agency_code.strip(),
                reason=input.reason,
                urgency=input.urgency,
                idempotency_key=input.idempotency_key,
                service_code=None if input.service_code is None else input.service_code.strip(),
                case_id=None
                if input.case_id is None
                else parse_uuid(input.case_id, type_name="Case", field="case_id"),
                consent_id=None
                if input.consent_id is None
                else registry_resolvers.require_record_id(
                    ctx,
                    parse_id(input.consent_id, type_name="Consent", field="consent_id"),
                    kind="consent",
                    field="consent_id",
                ),
            )
            referral = await resolve.create_referral(ctx, data)
        except DomainError as err:
            return _failed(err)
        return ReferralPayload(referral=referral_of(referral))

    @strawberry.mutation(
        description="The receiver accepts. A referral naming a service enrolls the person at the receiver "
        "and takes a place (NO_CAPACITY if none is free, except in an emergency)."
    )
    async def accept_referral(self, info: Info[Context, None], input: MoveReferralInput) -> ReferralPayload:
        return await _move(info, input.id, "accept", input.note, irp_reference=input.irp_reference)

    @strawberry.mutation(description="The receiver rejects, with the reason.")
    async def reject_referral(self, info: Info[Context, None], input: ReasonedMoveInput) -> ReferralPayload:
        return await _move(info, input.id, "reject", input.note, reason=input.reason)

    @strawberry.mutation(description="The receiver starts the work.")
    async def start_referral(self, info: Info[Context, None], input: MoveReferralInput) -> ReferralPayload:
        return await _move(info, input.id, "start", input.note)

    @strawberry.mutation(description="The receiver completes it, with the outcome.")
    async def complete_referral(
        self, info: Info[Context, None], input: CompleteReferralInput
    ) -> ReferralPayload:
        return await _move(info, input.id, "complete", input.note, outcome=input.outcome)

    @strawberry.mutation(description="The receiver could not do it, with the reason.")
    async def fail_referral(self, info: Info[Context, None], input: ReasonedMoveInput) -> ReferralPayload:
        return await _move(info, input.id, "fail", input.note, reason=input.reason)

    @strawberry.mutation(description="The sender withdraws it, with the reason.")
    async def cancel_referral(self, info: Info[Context, None], input: ReasonedMoveInput) -> ReferralPayload:
        return await _move(info, input.id, "cancel", input.note, reason=input.reason)
