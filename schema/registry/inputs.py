"""Inputs of the registry's queries and mutations."""

from datetime import date

import strawberry

from schema.enums import CircumstanceCategory, EnrollmentEndReason, HouseholdRelation, ResidenceStatus, Sex
from schema.vocabulary import renamed


@strawberry.input(description="Which persons to list. Every condition given must hold.")
class PersonFilter:
    text: str | None = strawberry.field(
        default=None,
        description="Name search: each word must occur in the name, whatever the spelling "
        "(Məmmədov, Mammadov, Mamedov and Мамедов are one name). Exact surname and first name first, "
        "then a first-name prefix, then the father's name, then close spellings; ties alphabetical.",
    )
    category: CircumstanceCategory | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Has this circumstance now."
    )
    region_code: str | None = strawberry.field(default=None, description="Region code, e.g. AZ-01.")
    district_code: str | None = strawberry.field(default=None, description="District code, e.g. AZ-01-03.")
    region: str | None = strawberry.field(
        default=None, description="Region code, e.g. AZ-01.", deprecation_reason=renamed("regionCode")
    )
    district: str | None = strawberry.field(
        default=None, description="District code, e.g. AZ-01-03.", deprecation_reason=renamed("districtCode")
    )
    service_code: str | None = strawberry.field(
        default=None, description="Actively enrolled in this service."
    )
    agency_code: str | None = strawberry.field(
        default=None, description="Actively enrolled in a service this agency provides."
    )
    min_age: int | None = None
    max_age: int | None = None

    def region_given(self) -> str | None:
        return self.region_code if self.region_code is not None else self.region

    def district_given(self) -> str | None:
        return self.district_code if self.district_code is not None else self.district


@strawberry.input(description="Where a new person lives: an existing household, or a new one they head.")
class HouseholdPlacementInput:
    household_id: strawberry.ID | None = strawberry.field(
        default=None, description="Join this household; leave out to start a new one headed by the person."
    )
    relation: HouseholdRelation  # type: ignore[valid-type]


@strawberry.input
class RegisterPersonInput:
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
    protected: bool = False
    household: HouseholdPlacementInput | None = None


@strawberry.input(description="Only the fields given change; give null to clear an optional field.")
class UpdatePersonInput:
    id: strawberry.ID
    fin: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    patronymic: str | None = strawberry.UNSET
    birth_date: date | None = strawberry.UNSET
    sex: Sex | None = strawberry.UNSET  # type: ignore[valid-type]
    residence_status: ResidenceStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    region_code: str | None = strawberry.UNSET
    district_code: str | None = strawberry.UNSET
    address_line: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    protected: bool | None = strawberry.UNSET
    date_of_death: date | None = strawberry.UNSET


@strawberry.input
class RecordCircumstanceInput:
    person_id: strawberry.ID
    category: CircumstanceCategory  # type: ignore[valid-type]
    since: date
    until: date | None = None
    source_agency_code: str | None = strawberry.field(
        default=None, description="The agency that established it; the caller's agency when left out."
    )
    note: str | None = None


@strawberry.input
class EnrollInServiceInput:
    person_id: strawberry.ID
    service_code: str
    provider_code: str
    started_on: date | None = strawberry.field(default=None, description="Today when left out.")
    irp_reference: str | None = strawberry.field(
        default=None,
        description="Individual Rehabilitation Program reference; required where the passport says.",
    )
    note: str | None = None


@strawberry.input
class EndEnrollmentInput:
    id: strawberry.ID
    reason: EnrollmentEndReason  # type: ignore[valid-type]
    ended_on: date | None = strawberry.field(default=None, description="Today when left out.")
    note: str | None = None
