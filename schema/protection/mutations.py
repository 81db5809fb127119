"""`registerDomesticViolenceCase` (rule 10): one transaction, or nothing (STYLE §3)."""

import strawberry
from strawberry.types import Info

from resolvers import protection as resolve
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.cases.types import Case, case_for
from schema.errors import RegistryError
from schema.protection.inputs import DomesticViolenceInterviewInput, RegisterDomesticViolenceCaseInput
from schema.referrals.types import Referral, referral_of
from schema.relay import parse_id
from sxvis.errors import DomainError
from sxvis.protection.service import InterviewRecord, NewDomesticViolenceCase
from sxvis.registry.persons import NewPerson


@strawberry.type
class RegisterDomesticViolenceCasePayload:
    case: Case | None = None
    referral: Referral | None = strawberry.field(
        default=None, description="The EMERGENCY referral to SXA, when a placement is needed."
    )
    errors: list[RegistryError] = strawberry.field(default_factory=list)


def _interview(value: DomesticViolenceInterviewInput) -> InterviewRecord:
    return InterviewRecord(interviewer=value.interviewer, held_on=value.held_on, record=value.record)


def _data(ctx: Context, input: RegisterDomesticViolenceCaseInput) -> NewDomesticViolenceCase:
    person_id = None
    if input.person_id is not None:
        public_id = parse_id(input.person_id, type_name="Person", field="person_id")
        person_id = registry_resolvers.require_person_id(ctx, public_id, field="person_id")
    person = None
    if input.person is not None:
        given = input.person
        person = NewPerson(
            fin=given.fin,
            last_name=given.last_name,
            first_name=given.first_name,
            patronymic=given.patronymic,
            birth_date=given.birth_date,
            sex=given.sex,
            residence_status=given.residence_status,
            region_code=given.region_code,
            district_code=given.district_code,
            address_line=given.address_line,
            phone=given.phone,
            email=given.email,
            protected=True,
        )
    return NewDomesticViolenceCase(
        person_id=person_id,
        person=person,
        lawyer_interview=_interview(input.lawyer_interview),
        psychologist_interview=_interview(input.psychologist_interview),
        placement_needed=input.placement_needed,
        idempotency_key=input.idempotency_key,
        incident_date=input.incident_date,
        manager_id=input.manager_id,
    )


@strawberry.type
class ProtectionMutation:
    @strawberry.mutation(
        description="Rule 10 (passport 09-03-00-00, steps 3-5), in one transaction: the person (new or "
        "existing) is protected by your agency, a case is opened, the police are told urgently through the "
        "outbox (no name, FIN or address), the interview records are kept, and, if a placement is needed, "
        "an EMERGENCY referral goes to SXA, which sees the person only under its own pseudonym. All of it, "
        "or nothing. The same idempotencyKey from your agency returns the same case."
    )
    async def register_domestic_violence_case(
        self, info: Info[Context, None], input: RegisterDomesticViolenceCaseInput
    ) -> RegisterDomesticViolenceCasePayload:
        ctx = info.context
        try:
            registered = await resolve.register_domestic_violence_case(ctx, _data(ctx, input))
        except DomainError as err:
            return RegisterDomesticViolenceCasePayload(errors=[RegistryError.of(err)])
        return RegisterDomesticViolenceCasePayload(
            case=await case_for(ctx, registered.case),
            referral=None if registered.referral is None else referral_of(registered.referral),
        )
