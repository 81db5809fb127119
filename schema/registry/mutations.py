"""The registry's mutations: one `input`, a payload with the object and `errors` (STYLE §3).

A `DomainError` becomes a payload error and the transaction rolls back, so a failed mutation changes
nothing. Anything else propagates as a GraphQL error (masked in production).
"""

import strawberry
from strawberry.types import Info

from resolvers import registry as resolve
from resolvers.context import Context
from schema.errors import RegistryError
from schema.registry.inputs import (
    EndEnrollmentInput,
    EnrollInServiceInput,
    RecordCircumstanceInput,
    RegisterPersonInput,
    UpdatePersonInput,
)
from schema.registry.types import (
    Circumstance,
    Enrollment,
    Person,
    circumstance_for,
    enrollment_for,
    person_of,
)
from schema.relay import parse_id, parse_uuid, selected_fields
from sxvis.errors import DomainError
from sxvis.registry.persons import UNSET, HouseholdPlacement, NewPerson, PersonChanges


@strawberry.type
class RegisterPersonPayload:
    person: Person | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdatePersonPayload:
    person: Person | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordCircumstancePayload:
    circumstance: Circumstance | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class EnrollInServicePayload:
    enrollment: Enrollment | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class EndEnrollmentPayload:
    enrollment: Enrollment | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


def _unset(value: object) -> object:
    return UNSET if value is strawberry.UNSET else value


@strawberry.type
class RegistryMutation:
    @strawberry.mutation(description="Register a person. A FIN already registered is a DUPLICATE error.")
    async def register_person(
        self, info: Info[Context, None], input: RegisterPersonInput
    ) -> RegisterPersonPayload:
        try:
            placement = None
            if input.household is not None:
                household_id = input.household.household_id
                placement = HouseholdPlacement(
                    household_id=None
                    if household_id is None
                    else parse_uuid(household_id, type_name="Household", field="household"),
                    relation=input.household.relation,
                )
            data = NewPerson(
                fin=input.fin,
                last_name=input.last_name,
                first_name=input.first_name,
                patronymic=input.patronymic,
                birth_date=input.birth_date,
                sex=input.sex,
                residence_status=input.residence_status,
                region_code=input.region_code,
                district_code=input.district_code,
                address_line=input.address_line,
                phone=input.phone,
                email=input.email,
                protected=input.protected,
                household=placement,
            )
            person = await resolve.register_person(info.context, data)
        except DomainError as err:
            return RegisterPersonPayload(errors=[RegistryError.of(err)])
        return RegisterPersonPayload(person=person_of(person))

    @strawberry.mutation(description="Change a person's record; only the fields given change.")
    async def update_person(self, info: Info[Context, None], input: UpdatePersonInput) -> UpdatePersonPayload:
        try:
            public_id = parse_id(input.id, type_name="Person", field="id")
            changes = PersonChanges(
                **{
                    name: _unset(getattr(input, name))
                    for name in (
                        "fin",
                        "last_name",
                        "first_name",
                        "patronymic",
                        "birth_date",
                        "sex",
                        "residence_status",
                        "region_code",
                        "district_code",
                        "address_line",
                        "phone",
                        "email",
                        "protected",
                        "date_of_death",
                    )
                }
            )
            person = await resolve.update_person(
                info.context, public_id, changes, fields=selected_fields(info, "person")
            )
        except DomainError as err:
            return UpdatePersonPayload(errors=[RegistryError.of(err)])
        return UpdatePersonPayload(person=person_of(person))

    @strawberry.mutation(description="Record a difficult life circumstance of a person (Strategy §3).")
    async def record_circumstance(
        self, info: Info[Context, None], input: RecordCircumstanceInput
    ) -> RecordCircumstancePayload:
        try:
            circumstance = await resolve.record_circumstance(
                info.context,
                person_id=resolve.require_person_id(
                    info.context,
                    parse_id(input.person_id, type_name="Person", field="person_id"),
                    field="person_id",
                ),
                category=input.category,
                since=input.since,
                until=input.until,
                source_agency=input.source_agency_code,
                note=input.note,
            )
        except DomainError as err:
            return RecordCircumstancePayload(errors=[RegistryError.of(err)])
        return RecordCircumstancePayload(circumstance=await circumstance_for(info.context, circumstance))

    @strawberry.mutation(
        description="Enroll a person in a service at a provider, under the passport's rules."
    )
    async def enroll_in_service(
        self, info: Info[Context, None], input: EnrollInServiceInput
    ) -> EnrollInServicePayload:
        try:
            enrollment = await resolve.enroll_in_service(
                info.context,
                person_id=resolve.require_person_id(
                    info.context,
                    parse_id(input.person_id, type_name="Person", field="person_id"),
                    field="person_id",
                ),
                service_code=input.service_code.strip(),
                provider_code=input.provider_code.strip(),
                started_on=input.started_on,
                irp_reference=input.irp_reference,
                note=input.note,
            )
        except DomainError as err:
            return EnrollInServicePayload(errors=[RegistryError.of(err)])
        return EnrollInServicePayload(enrollment=await enrollment_for(info.context, enrollment))

    @strawberry.mutation(description="End an active enrollment, with the reason.")
    async def end_enrollment(
        self, info: Info[Context, None], input: EndEnrollmentInput
    ) -> EndEnrollmentPayload:
        try:
            enrollment = await resolve.end_enrollment(
                info.context,
                enrollment_id=resolve.require_record_id(
                    info.context, parse_id(input.id, type_name="Enrollment", field="id"), kind="enrollment"
                ),
                reason=input.reason,
                ended_on=input.ended_on,
                note=input.note,
            )
        except DomainError as err:
            return EndEnrollmentPayload(errors=[RegistryError.of(err)])
        return EndEnrollmentPayload(enrollment=await enrollment_for(info.context, enrollment))
