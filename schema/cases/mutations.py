"""Case mutations: open, assess, plan, monitor, close and reopen, each one transaction (STYLE §3).

A change the phase does not allow is the typed error `INVALID_TRANSITION` naming the phase (a closed
case takes no entries); a change by another agency than the managing one is `FORBIDDEN`.
"""

import uuid
from collections.abc import Awaitable, Callable

import strawberry
from strawberry.types import Info

from resolvers import cases as resolve
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.cases.inputs import (
    AddMonitoringEntryInput,
    CloseCaseInput,
    OpenCaseInput,
    RecordAssessmentInput,
    ReopenCaseInput,
    SetServicePlanInput,
)
from schema.cases.types import Case, case_for
from schema.errors import RegistryError
from schema.relay import parse_id
from sxvis.cases import service
from sxvis.cases.models import Case as CaseModel
from sxvis.errors import DomainError


@strawberry.type
class CasePayload:
    case: Case | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


def _case_id(ctx: Context, value: str) -> uuid.UUID:
    return registry_resolvers.require_record_id(
        ctx, parse_id(value, type_name="Case", field="id"), kind="case"
    )


async def _change(
    info: Info[Context, None], global_id: str, work: Callable[[uuid.UUID], Awaitable[CaseModel]]
) -> CasePayload:
    ctx = info.context
    try:
        case = await work(_case_id(ctx, global_id))
    except DomainError as err:
        return CasePayload(errors=[RegistryError.of(err)])
    return CasePayload(case=await case_for(ctx, case))


@strawberry.type
class CaseMutation:
    @strawberry.mutation(description="Open a case about a person in your remit; it starts in ASSESSMENT.")
    async def open_case(self, info: Info[Context, None], input: OpenCaseInput) -> CasePayload:
        ctx = info.context
        try:
            person_id = registry_resolvers.require_person_id(
                ctx, parse_id(input.person_id, type_name="Person", field="person_id"), field="person_id"
            )
            case = await resolve.open_case(ctx, person_id=person_id, manager_id=input.manager_id)
        except DomainError as err:
            return CasePayload(errors=[RegistryError.of(err)])
        return CasePayload(case=await case_for(ctx, case))

    @strawberry.mutation(
        description="The needs assessment (needs by domain, risk level). From ASSESSMENT it moves the case "
        "to SERVICE_PACKAGE; later it is recorded as a re-assessment without moving the case back."
    )
    async def record_assessment(self, info: Info[Context, None], input: RecordAssessmentInput) -> CasePayload:
        needs = [service.Need(domain=n.domain, description=n.description) for n in input.needs]
        return await _change(
            info,
            input.id,
            lambda case_id: resolve.record_assessment(
                info.context, case_id=case_id, needs=needs, risk_level=input.risk_level, note=input.note
            ),
        )

    @strawberry.mutation(
        description="The service package (plan). Needs an assessment; from SERVICE_PACKAGE it moves the case "
        "to COORDINATION (referrals, enrollments); later it revises the plan."
    )
    async def set_service_plan(self, info: Info[Context, None], input: SetServicePlanInput) -> CasePayload:
        plan = service.ServicePlan(
            needs=list(input.needs),
            goals=list(input.goals),
            service_codes=list(input.service_codes),
            agency_codes=list(input.responsible_agency_codes),
        )
        return await _change(
            info, input.id, lambda case_id: resolve.set_service_plan(info.context, case_id=case_id, plan=plan)
        )

    @strawberry.mutation(description="A monitoring visit (date, note, outcome). Needs a service plan.")
    async def add_monitoring_entry(
        self, info: Info[Context, None], input: AddMonitoringEntryInput
    ) -> CasePayload:
        return await _change(
            info,
            input.id,
            lambda case_id: resolve.add_monitoring_entry(
                info.context,
                case_id=case_id,
                visit_date=input.visit_date,
                note=input.note,
                outcome=input.outcome,
            ),
        )

    @strawberry.mutation(description="Close the case, with the reason. A closed case takes no entries.")
    async def close_case(self, info: Info[Context, None], input: CloseCaseInput) -> CasePayload:
        return await _change(
            info,
            input.id,
            lambda case_id: resolve.close_case(info.context, case_id=case_id, reason=input.reason),
        )

    @strawberry.mutation(
        description="Reopen a closed case, with the reason (logged); it starts again from an assessment."
    )
    async def reopen_case(self, info: Info[Context, None], input: ReopenCaseInput) -> CasePayload:
        return await _change(
            info,
            input.id,
            lambda case_id: resolve.reopen_case(info.context, case_id=case_id, reason=input.reason),
        )
