"""Inputs of `registerDomesticViolenceCase`."""

from datetime import date

import strawberry

from schema.enums import ResidenceStatus, Sex


@strawberry.input(description="A victim not yet registered; they are registered protected by your agency.")
class DomesticViolenceVictimInput:
    fin: str
    last_name: str
    first_name: str
    patronymic: str | None = None
    birth_date: date
    sex: Sex  # type: ignore[valid-type]
    residence_status: ResidenceStatus  # type: ignore[valid-type]
    region_code: str | None = None
    district_code: str | None = None
    address_line: str | None = None
    phone: str | None = None
    email: str | None = None


@strawberry.input(description="An interview with the victim: who held it, when, and what it found.")
class DomesticViolenceInterviewInput:
    interviewer: str = strawberry.field(description="The lawyer's or psychologist's name or user id.")
    held_on: date
    record: str = strawberry.field(description="The record of the interview (at most 20,000 characters).")


@strawberry.input(
    description="Rule 10 (passport 09-03-00-00, steps 3-5). Give personId (a person your agency sees) or "
    "person (a new one)."
)
class RegisterDomesticViolenceCaseInput:
    person_id: strawberry.ID | None = None
    person: DomesticViolenceVictimInput | None = None
    lawyer_interview: DomesticViolenceInterviewInput
    psychologist_interview: DomesticViolenceInterviewInput
    placement_needed: bool = strawberry.field(
        description="Ask SXA for a placement in a rehabilitation centre (an EMERGENCY referral, step 5)."
    )
    idempotency_key: str = strawberry.field(
        description="The same key from your agency returns the same case, never a second one."
    )
    incident_date: date | None = strawberry.field(
        default=None, description="When the violence happened; by default the day of the first interview."
    )
    manager_id: str | None = strawberry.field(
        default=None, description="The user id of the case manager; by default you."
    )
