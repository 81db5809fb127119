"""Read models: what a read of the registry returns when no change will follow.

Writes work on ORM entities (`models.Person`); reads return these slotted records, which cost a
fraction of an ORM instance to build. Both have the same attribute names, so the GraphQL layer takes
either (`PersonLike`).
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sxvis.registry.enums import EnrollmentEndReason, EnrollmentStatus, ResidenceStatus, Sex


class PersonLike(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def fin(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def patronymic(self) -> str | None: ...
    @property
    def birth_date(self) -> date: ...
    @property
    def sex(self) -> Sex: ...
    @property
    def residence_status(self) -> ResidenceStatus: ...
    @property
    def region_code(self) -> str | None: ...
    @property
    def district_code(self) -> str | None: ...
    @property
    def address_line(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def protected(self) -> bool: ...
    @property
    def date_of_death(self) -> date | None: ...
    @property
    def household_id(self) -> uuid.UUID | None: ...
    @property
    def registered_by(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PersonRecord:
    id: uuid.UUID
    fin: str
    last_name: str
    first_name: str
    patronymic: str | None
    birth_date: date
    sex: Sex
    residence_status: ResidenceStatus
    region_code: str | None
    district_code: str | None
    address_line: str | None
    phone: str | None
    email: str | None
    protected: bool
    date_of_death: date | None
    household_id: uuid.UUID | None
    registered_by: str
    sort_key: str
    protected_by: str | None = None
    disclosed: bool = True  # whether the reader may see who this is (computed by the read, not stored)

    @classmethod
    def of(cls, row: Any) -> "PersonRecord":
        return cls(
            id=row["id"],
            fin=row["fin"],
            last_name=row["last_name"],
            first_name=row["first_name"],
            patronymic=row["patronymic"],
            birth_date=row["birth_date"],
            sex=Sex(row["sex"]),
            residence_status=ResidenceStatus(row["residence_status"]),
            region_code=row["region_code"],
            district_code=row["district_code"],
            address_line=row["address_line"],
            phone=row["phone"],
            email=row["email"],
            protected=row["protected"],
            date_of_death=row["date_of_death"],
            household_id=row["household_id"],
            registered_by=row["registered_by"],
            sort_key=row["sort_key"],
            protected_by=row["protected_by"],
            disclosed=row.get("disclosed", True),
        )


PERSON_RECORD_COLUMNS = tuple(name for name in PersonRecord.__dataclass_fields__ if name != "disclosed")


@dataclass(frozen=True, slots=True)
class EnrollmentRecord:
    """An enrollment as a read returns it (the attribute names of `models.Enrollment`)."""

    id: uuid.UUID
    person_id: uuid.UUID
    service_code: str
    provider_code: str
    status: EnrollmentStatus
    started_on: date
    ended_on: date | None
    end_reason: EnrollmentEndReason | None
    irp_reference: str | None
    note: str | None

    @classmethod
    def of(cls, row: Any) -> "EnrollmentRecord":
        reason = row["end_reason"]
        return cls(
            id=row["id"],
            person_id=row["person_id"],
            service_code=row["service_code"],
            provider_code=row["provider_code"],
            status=EnrollmentStatus(row["status"]),
            started_on=row["started_on"],
            ended_on=row["ended_on"],
            end_reason=None if reason is None else EnrollmentEndReason(reason),
            irp_reference=row["irp_reference"],
            note=row["note"],
        )


ENROLLMENT_RECORD_COLUMNS = tuple(EnrollmentRecord.__dataclass_fields__)
