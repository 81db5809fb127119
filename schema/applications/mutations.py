"""Application mutations: `submitApplication`, the moves, and `allocateFromQueue` (STYLE §3).

An invalid move is the typed error `INVALID_TRANSITION` naming the current state; two moves at once: one
wins, the other gets `CONFLICT`. A move by an agency other than the handling one is `FORBIDDEN`.
"""

import uuid

import strawberry
from strawberry.types import Info

from resolvers import applications as resolve
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.applications.inputs import (
    AllocateFromQueueInput,
    AssessApplicationInput,
    DecideApplicationInput,
    SubmitApplicationInput,
    WithdrawApplicationInput,
)
from schema.applications.types import Application, ApplicationError, application_for
from schema.relay import parse_id
from sxvis.applications import service
from sxvis.applications.enums import Decision
from sxvis.applications.models import Application as ApplicationModel
from sxvis.errors import DomainError


@strawberry.type
class ApplicationPayload:
    application: Application | None = None
    errors: list[ApplicationError] = strawberry.field(default_factory=list)


@strawberry.type
class AllocationPayload:
    served: list[Application] = strawberry.field(
        default_factory=list, description="The applications served, in queue order (allocatedPosition 1…n)."
    )
    errors: list[ApplicationError] = strawberry.field(default_factory=list)


def _application_id(ctx: Context, value: str) -> uuid.UUID:
    public = parse_id(value, type_name="Application", field="id")
    return registry_resolvers.require_record_id(ctx, public, kind="application", field="id")


async def _payload(ctx: Context, found: ApplicationModel) -> ApplicationPayload:
    return ApplicationPayload(application=await application_for(ctx, found))


@strawberry.type
class ApplicationMutation:
    @strawberry.mutation(
        description="Open an application under a service passport: by personId, or by fin at intake (the "
        "person enters your remit while it is open). The passport's checks run against the ministries "
        "(rule 8); a ministry that is down leaves its check pending, and the application waits for it."
    )
    async def submit_application(
        self, info: Info[Context, None], input: SubmitApplicationInput
    ) -> ApplicationPayload:
        ctx = info.context
        try:
            person_id = None
            if input.person_id is not None:
                person_id = registry_resolvers.require_person_id(
                    ctx, parse_id(input.person_id, type_name="Person", field="person_id"), field="person_id"
                )
            consent_id = None
            if input.consent_id is not None:
                consent_id = registry_resolvers.require_record_id(
                    ctx,
                    parse_id(input.consent_id, type_name="Consent", field="consent_id"),
                    kind="consent",
                    field="consent_id",
                )
            given = input.representative
            data = service.NewApplication(
                service_code=input.service_code,
                applicant_kind=input.applicant_kind,
                channel=input.channel,
                idempotency_key=input.idempotency_key,
                person_id=person_id,
                fin=input.fin,
                kind=input.kind,
                representative=None
                if given is None
                else service.Representative(
                    name=given.name, relation=given.relation, document=given.document
                ),
                consent_id=consent_id,
                documents=[service.HandedIn(position=d.position, form=d.form) for d in input.documents],
            )
            found = await resolve.submit_application(ctx, data)
        except DomainError as err:
            return ApplicationPayload(errors=[ApplicationError.of(err)])
        return await _payload(ctx, found)

    @strawberry.mutation(description="Rule 3: record the assessed need (SUBMITTED → ASSESSED).")
    async def assess_application(
        self, info: Info[Context, None], input: AssessApplicationInput
    ) -> ApplicationPayload:
        ctx = info.context
        try:
            found = await resolve.assess_application(
                ctx, application_id=_application_id(ctx, input.id), need=input.need, note=input.note
            )
        except DomainError as err:
            return ApplicationPayload(errors=[ApplicationError.of(err)])
        return await _payload(ctx, found)

    @strawberry.mutation(
        description="APPROVE (ASSESSED → APPROVED, enrolling with the passport's provider; or → WAITING in "
        "the queue of a rationed service) or REFUSE on a ground the passport lists (rule 6). The decision "
        "goes to the person's E-sosial cabinet (rule 5). Waits (CHECKS_PENDING) while a ministry has not "
        "answered an intake check."
    )
    async def decide_application(
        self, info: Info[Context, None], input: DecideApplicationInput
    ) -> ApplicationPayload:
        ctx = info.context
        try:
            found = await resolve.decide_application(
                ctx,
                application_id=_application_id(ctx, input.id),
                decision=Decision(input.decision.value),
                ground=input.ground,
                note=input.note,
                provider_code=input.provider_code,
                irp_reference=input.irp_reference,
            )
        except DomainError as err:
            return ApplicationPayload(errors=[ApplicationError.of(err)])
        return await _payload(ctx, found)

    @strawberry.mutation(description="The applicant withdraws an open application, with the reason.")
    async def withdraw_application(
        self, info: Info[Context, None], input: WithdrawApplicationInput
    ) -> ApplicationPayload:
        ctx = info.context
        try:
            found = await resolve.withdraw_application(
                ctx, application_id=_application_id(ctx, input.id), reason=input.reason
            )
        except DomainError as err:
            return ApplicationPayload(errors=[ApplicationError.of(err)])
        return await _payload(ctx, found)

    @strawberry.mutation(
        description="Rule 9: serve the first `count` applications waiting in the queue of a rationed service "
        "(and variant), in submission order; each person is told through E-sosial that their turn has come."
    )
    async def allocate_from_queue(
        self, info: Info[Context, None], input: AllocateFromQueueInput
    ) -> AllocationPayload:
        ctx = info.context
        try:
            served = await resolve.allocate_from_queue(
                ctx, service_code=input.service_code, kind=input.kind, count=input.count
            )
        except DomainError as err:
            return AllocationPayload(errors=[ApplicationError.of(err)])
        shown = [await application_for(ctx, a) for a in served]
        return AllocationPayload(served=[a for a in shown if a is not None])
