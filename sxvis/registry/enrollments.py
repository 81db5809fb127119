"""Enrolling persons in services and ending enrollments, under the passports' rules."""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.catalogue import capacity
from sxvis.catalogue.enums import EligibleUser, RefusalGround
from sxvis.catalogue.models import Service, ServiceProvider
from sxvis.database.driver import Reads, driver_connection
from sxvis.errors import Duplicate, InvalidTransition, NotFound, ValidationFailed
from sxvis.registry import persons
from sxvis.registry.enums import EnrollmentEndReason, EnrollmentStatus, ResidenceStatus
from sxvis.registry.errors import RegistryErrorCode
from sxvis.registry.models import Enrollment
from sxvis.registry.records import ENROLLMENT_RECORD_COLUMNS, EnrollmentRecord

CREATE = "enrollment:create"
END = "enrollment:end"
READ = "enrollment:read"

# Rule 1 (000 §10, 001 §10): who may use a service is listed in its passport by residence status.
_ELIGIBILITY = {
    ResidenceStatus.CITIZEN: EligibleUser.CITIZEN,
    ResidenceStatus.FOREIGNER_PERMANENT_RESIDENT: EligibleUser.FOREIGNER_PERMANENT_RESIDENT,
    ResidenceStatus.STATELESS_PERMANENT_RESIDENT: EligibleUser.STATELESS_PERMANENT_RESIDENT,
}


async def enroll_in_service(
    session: AsyncSession,
    actor: Actor,
    *,
    person_id: uuid.UUID,
    service_code: str,
    provider_code: str,
    started_on: date | None = None,
    irp_reference: str | None = None,
    note: str | None = None,
) -> Enrollment:
    actor.require(CREATE)
    return await admit(
        session,
        actor,
        person_id=person_id,
        service_code=service_code,
        provider_code=provider_code,
        started_on=started_on,
        irp_reference=irp_reference,
        note=note,
    )


async def admit(
    session: AsyncSession,
    actor: Actor,
    *,
    person_id: uuid.UUID,
    service_code: str,
    provider_code: str,
    started_on: date | None = None,
    irp_reference: str | None = None,
    note: str | None = None,
    overbook: bool = False,
    field: str = "provider_code",
) -> Enrollment:
    """Enroll under the passports' rules and take a place at the provider, for a caller whose own
    permission covers it (`enroll_in_service`, or the receiver accepting a referral). A full provider
    is `NoCapacity`, unless `overbook` (an EMERGENCY referral)."""
    person = await persons.person_for_change(session, actor, person_id, field="person_id")
    service = await session.get(Service, service_code)
    if service is None:
        raise NotFound(f"No service has the code {service_code!r}.", field="service_code")
    provides = await session.scalar(
        select(
            exists().where(
                ServiceProvider.service_code == service_code, ServiceProvider.agency_code == provider_code
            )
        )
    )
    if not provides:
        raise ValidationFailed(
            f"Agency {provider_code!r} does not provide service {service_code}.",
            field="provider_code",
            code=RegistryErrorCode.NOT_A_PROVIDER,
        )
    start = started_on or clock.today()
    if start < person.birth_date:
        raise ValidationFailed("A service cannot start before the person was born.", field="started_on")
    if person.date_of_death is not None and person.date_of_death <= start:
        raise ValidationFailed(
            "The person has died; a service cannot start for them.",
            field="person_id",
            code=RegistryErrorCode.DECEASED,
        )
    eligible_as = _ELIGIBILITY.get(person.residence_status)
    if eligible_as is None or eligible_as not in service.eligible_users:
        raise ValidationFailed(
            f"Under its passport, service {service.code} is not open to persons of residence status "
            f"{person.residence_status.value}.",
            field="person_id",
            code=RegistryErrorCode.NOT_ELIGIBLE,
        )
    reference = (irp_reference or "").strip() or None
    if service.requires_irp and reference is None:
        # Rule 14 (000 §11, §16): the service follows the Individual Rehabilitation Program.
        raise ValidationFailed(
            "This service follows the person's Individual Rehabilitation Program: give its reference.",
            field="irp_reference",
            code=RegistryErrorCode.REQUIRED,
        )
    already = await session.scalar(
        select(
            exists().where(
                Enrollment.person_id == person_id,
                Enrollment.service_code == service_code,
                Enrollment.provider_code == provider_code,
                Enrollment.status == EnrollmentStatus.ACTIVE,
            )
        )
    )
    if already:
        raise Duplicate(
            "The person is already enrolled in this service at this provider.", field="service_code"
        )
    await capacity.take_place(
        session, agency_code=provider_code, service_code=service_code, overbook=overbook, field=field
    )
    enrollment = Enrollment(
        id=uuid.uuid4(),
        person_id=person_id,
        service_code=service_code,
        provider_code=provider_code,
        status=EnrollmentStatus.ACTIVE,
        started_on=start,
        irp_reference=reference,
        note=(note or "").strip() or None,
        recorded_by=actor.label,
    )
    session.add(enrollment)
    await session.flush()
    await _log(session, actor, CREATE, enrollment)
    return enrollment


async def end_enrollment(
    session: AsyncSession,
    actor: Actor,
    *,
    enrollment_id: uuid.UUID,
    reason: EnrollmentEndReason,
    ended_on: date | None = None,
    note: str | None = None,
) -> Enrollment:
    actor.require(END)
    enrollment = await session.scalar(
        select(Enrollment)
        .where(Enrollment.id == enrollment_id, remit.person_id_visible(actor, Enrollment.person_id))
        .with_for_update()
    )
    if enrollment is None:
        raise NotFound("No enrollment has this id.", field="id")
    if enrollment.status is not EnrollmentStatus.ACTIVE:
        raise InvalidTransition(f"The enrollment is already {enrollment.status.value}.", field="id")
    if reason is EnrollmentEndReason.REFERRAL_FAILED:
        raise ValidationFailed("Fail the referral instead: that ends its enrollment.", field="reason")
    return await _close(session, actor, enrollment, reason=reason, ended_on=ended_on, note=note)


async def discharge(
    session: AsyncSession,
    actor: Actor,
    *,
    enrollment_id: uuid.UUID,
    reason: EnrollmentEndReason,
    note: str | None = None,
) -> Enrollment | None:
    """End an enrollment as part of another move the caller already authorized (a failed referral ends
    the enrollment its acceptance made), freeing its place; logged like any end. None if it had
    already ended."""
    enrollment = await session.scalar(
        select(Enrollment).where(Enrollment.id == enrollment_id).with_for_update()
    )
    if enrollment is None or enrollment.status is not EnrollmentStatus.ACTIVE:
        return None
    return await _close(session, actor, enrollment, reason=reason, ended_on=None, note=note)


async def _close(
    session: AsyncSession,
    actor: Actor,
    enrollment: Enrollment,
    *,
    reason: EnrollmentEndReason,
    ended_on: date | None,
    note: str | None,
) -> Enrollment:
    end = ended_on or clock.today()
    if end > clock.today():
        raise ValidationFailed("An enrollment cannot end in the future.", field="ended_on")
    if end < enrollment.started_on:
        raise ValidationFailed("An enrollment cannot end before it started.", field="ended_on")
    ground = _as_refusal_ground(reason)
    if ground is not None:
        service = await session.get(Service, enrollment.service_code)
        if service is None or ground not in service.refusal_grounds:
            # Rule 6: a service is refused or ended only on the grounds its passport lists.
            raise ValidationFailed(
                f"The passport of service {enrollment.service_code} does not list {reason.value} "
                "as a ground.",
                field="reason",
                code=RegistryErrorCode.REFUSAL_GROUND_NOT_IN_PASSPORT,
            )
    enrollment.status = EnrollmentStatus.ENDED
    enrollment.ended_on = end
    enrollment.end_reason = reason
    if note and note.strip():
        enrollment.note = note.strip()
    await session.flush()
    await _log(session, actor, END, enrollment)
    return enrollment


async def _log(session: AsyncSession, actor: Actor, action: str, enrollment: Enrollment) -> None:
    await audit.record(
        session,
        actor,
        action=action,
        entity_type="enrollment",
        entity_id=enrollment.id,
        person_id=enrollment.person_id,
        details={"service": enrollment.service_code, "provider": enrollment.provider_code},
    )


def _as_refusal_ground(reason: EnrollmentEndReason) -> RefusalGround | None:
    try:
        return RefusalGround(reason.value)
    except ValueError:
        return None


# $1 the persons, $2 the agency, $3 registry-wide: the remit's own SQL (`remit.visible_sql`), built once
# from constants, never from input. The remit is checked on the page's persons only (an index probe each).
_ENROLLMENT_COLUMNS = ", ".join(f'e."{name}"' for name in ENROLLMENT_RECORD_COLUMNS)
_OF_PERSONS = (
    f"SELECT {_ENROLLMENT_COLUMNS} FROM enrollments e WHERE e.person_id = ANY($1::uuid[])"  # noqa: S608
    " AND e.person_id IN (SELECT p.id FROM persons p WHERE p.id = ANY($1::uuid[])"
    f" AND {remit.visible_sql(agency='$2', reads_all='$3')})"
)
_ORDER = "person_id, started_on DESC, id"


async def enrollments_of(
    reads: Reads, actor: Actor, *, person_ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[EnrollmentRecord]:
    """The enrollments of persons in the actor's remit; the read is logged with the persons it covered.

    Plain SQL and plain rows (`EnrollmentRecord`) on the driver connection, read and logged in one
    statement: a page of persons reads this for all of them at once, and building a SQLAlchemy
    statement and ORM instances for it cost more than the read itself. The event names every person
    asked about, even one with no enrollment: "no enrollments" is learnt about them too."""
    actor.require(persons.READ)
    connection = await driver_connection(reads)
    rows = await audit.read_about_logged(
        connection,
        _OF_PERSONS,
        (list(person_ids), actor.agency_code, actor.reads_whole_registry),
        actor=actor,
        action=READ,
        entity_type="enrollment",
        asked_about=person_ids,
        order_by=_ORDER,
        fields=fields,
        counted_as="enrollments",
    )
    return [EnrollmentRecord.of(row) for row in rows]


async def get_enrollments(
    session: AsyncSession, actor: Actor, *, ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[Enrollment]:
    actor.require(persons.READ)
    query = select(Enrollment).where(
        Enrollment.id.in_(ids), remit.person_id_visible(actor, Enrollment.person_id)
    )
    found = list((await session.execute(query)).scalars())
    await audit.record_read(
        session,
        actor,
        found,
        action=READ,
        entity_type="enrollment",
        fields=fields,
        details={"enrollments": len(found)},
    )
    return found
