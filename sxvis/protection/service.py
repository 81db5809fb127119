"""Registering a domestic-violence case (rule 10, passport 09-03-00-00, steps 3-5), in one transaction.

`register_domestic_violence_case` does, together or not at all (the caller commits once):

1. the person: registered new, or an existing one in the agency's remit (a person who has died is
   refused);
2. **protected** (step 5, "with the person's anonymity protected"): a person not yet protected becomes
   protected by the registering agency, the only agency that then sees who they are; a person already
   protected by another agency stays so (only the holder changes a protection), and that agency is told;
3. a **case**, managed by the registering agency (rule 11), or its case already open about the person;
4. the **domestic-violence circumstance**, whose recording puts the urgent, pseudonymous **police
   report** in the outbox (step 4; `sxvis.registry.circumstances`, `sxvis.outbox.messages`): one
   registration, one report;
5. the lawyer's and the psychologist's **interview records** (step 3), readable only by the
   registering agency's case workers (`interviews_of`, each read logged);
6. if a placement is needed, an **EMERGENCY referral to SXA** (§11, step 5) for the service, within the
   case: SXA sees the person only under its own pseudonym, and an emergency is never refused for a full
   provider (rule 12).

A failure at any step (a refused referral included) raises, and the caller's transaction rolls back:
no person, protection, case, circumstance, police report, interview or referral is left behind.

The same idempotency key from the same agency returns what the first request made, also when two
requests race: a transaction-scoped advisory lock on (agency, key) makes the second wait for the first
to commit or roll back, and the unique key of `domestic_violence_cases` is the last word.
"""

import copy
import uuid
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.access import notices, remit
from sxvis.actors import Actor
from sxvis.cases import service as cases
from sxvis.cases.enums import CasePhase
from sxvis.cases.models import Case
from sxvis.errors import AccessDenied, Conflict, DomainError, ErrorCode, NotFound, ValidationFailed
from sxvis.protection.enums import InterviewKind
from sxvis.protection.models import DomesticViolenceRegistration, Interview
from sxvis.referrals import deadlines
from sxvis.referrals import service as referrals
from sxvis.referrals.enums import Urgency
from sxvis.referrals.models import Referral
from sxvis.registry import circumstances, persons
from sxvis.registry.enums import CircumstanceCategory
from sxvis.registry.errors import RegistryErrorCode
from sxvis.registry.models import Person

REGISTER = "dv_case:register"
READ_INTERVIEWS = "dv_case:read_interviews"
ENTITY = "domestic_violence_case"
INTERVIEW_ENTITY = "domestic_violence_interview"
PLACEMENT_AGENCY = "SXA"  # passport 09-03-00-00 §11 and step 5: the request goes to SXA
SERVICE_CODE = "09-03-00-00"
PLACEMENT_REASON = (
    "Xüsusi reabilitasiya mərkəzinə yerləşdirmə, şəxsin anonimliyi qorunmaqla (09-03-00-00, addım 5) / "
    "placement in a rehabilitation centre, the person's anonymity protected (09-03-00-00, step 5)."
)
"""The referral's reason is ours, never free text from the desk: SXA reads it, and text may name someone."""
MAX_RECORD = 20_000
MAX_NAME = 200
MAX_KEY = 200


@dataclass(frozen=True, kw_only=True)
class InterviewRecord:
    interviewer: str
    held_on: date
    record: str


@dataclass(frozen=True, kw_only=True)
class NewDomesticViolenceCase:
    """Either `person_id` (an existing person in the remit) or `person` (a new one), not both."""

    person_id: uuid.UUID | None = None
    person: persons.NewPerson | None = None
    lawyer_interview: InterviewRecord
    psychologist_interview: InterviewRecord
    placement_needed: bool
    idempotency_key: str
    incident_date: date | None = None  # default: the day of the first interview
    manager_id: str | None = None  # default: the registering user


@dataclass(frozen=True)
class Registered:
    registration: DomesticViolenceRegistration
    case: Case
    referral: Referral | None
    replayed: bool  # the idempotency key had been used: this is what the first request made


async def register_domestic_violence_case(
    session: AsyncSession,
    actor: Actor,
    *,
    data: NewDomesticViolenceCase,
    response_times: deadlines.ResponseTimes = deadlines.DEFAULT,
) -> Registered:
    """Rule 10 in one transaction (see the module's docstring); never commits."""
    actor.require(REGISTER)
    # Everything that can be checked without the database is checked before anything is written.
    key = _text(data.idempotency_key, field="idempotency_key", limit=MAX_KEY)
    if (data.person_id is None) == (data.person is None):
        raise ValidationFailed(
            "Give either personId (a person your agency sees) or person (a new one), not both.",
            field="person_id" if data.person_id is not None else "person",
            code=ErrorCode.REQUIRED if data.person_id is None else ErrorCode.INVALID,
        )
    today = clock.today()
    lawyer = _interview(data.lawyer_interview, field="lawyer_interview", today=today)
    psychologist = _interview(data.psychologist_interview, field="psychologist_interview", today=today)
    incident = _incident_date(data, lawyer, psychologist, today=today)
    manager = _text(data.manager_id or actor.user_id, field="manager_id", limit=MAX_NAME)

    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(_lock_name(actor, key), 0)))
    )
    existing = await _by_key(session, actor, key)
    if existing is not None:
        return await _replay(session, actor, existing)

    person = await _person(session, actor, data)
    # The person as this agency reaches them: by the id it gave (a protected person another agency
    # protects only by the pseudonymous id the centre was shown, `PseudonymousId`), or the one it just
    # registered. The case, circumstance and referral are made through that id, so that hidden-is-absent
    # (`remit.person_reachable`) holds and the centre works the case under its pseudonym.
    reach = data.person_id if data.person_id is not None else person.id
    await _protect(session, actor, person)
    case = await _case(session, actor, person, reach, manager=manager)
    circumstance = await circumstances.record_circumstance(
        session,
        actor,
        person_id=reach,
        category=CircumstanceCategory.DOMESTIC_VIOLENCE_VICTIM,
        since=incident,
    )
    registration_id = uuid.uuid4()
    referral = None
    if data.placement_needed:
        referral = await _refer_for_placement(
            session, actor, reach=reach, case=case, registration_id=registration_id, times=response_times
        )
    registration = DomesticViolenceRegistration(
        id=registration_id,
        agency_code=actor.agency_code,
        idempotency_key=key,
        person_id=person.id,
        case_id=case.id,
        circumstance_id=circumstance.id,
        referral_id=None if referral is None else referral.id,
        placement_needed=data.placement_needed,
        registered_by=actor.label,
    )
    session.add(registration)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as err:  # the advisory lock makes this unreachable short of a bug; say so
        if "uq_domestic_violence_cases_idempotency" in str(err.orig):
            raise Conflict(
                "A case with this key is being registered; try again.", field="idempotency_key"
            ) from None
        raise
    for kind, interview in ((InterviewKind.LAWYER, lawyer), (InterviewKind.PSYCHOLOGIST, psychologist)):
        session.add(
            Interview(
                id=uuid.uuid4(),
                registration_id=registration.id,
                case_id=case.id,
                person_id=person.id,
                agency_code=actor.agency_code,
                kind=kind,
                interviewer=interview.interviewer,
                held_on=interview.held_on,
                record=interview.record,
                recorded_by=actor.label,
            )
        )
    await session.flush()
    await audit.record(
        session,
        actor,
        action=REGISTER,
        entity_type=ENTITY,
        entity_id=registration.id,
        person_id=person.id,
        fields=["lawyer_interview", "psychologist_interview", "placement_needed", "incident_date"],
        details={
            "case": str(case.id),
            "circumstance": str(circumstance.id),
            "referral": None if referral is None else str(referral.id),
            "placement_needed": data.placement_needed,
        },
    )
    return Registered(registration=registration, case=case, referral=referral, replayed=False)


async def interviews_of(session: AsyncSession, actor: Actor, *, case_id: uuid.UUID) -> list[Interview]:
    """The interview records of a domestic-violence case, for the case workers of the agency that
    registered it only; every read is logged against the person, whatever it returns."""
    actor.require(READ_INTERVIEWS)
    case = await session.scalar(
        select(Case).where(
            Case.id == case_id,
            or_(Case.agency_code == actor.agency_code, remit.person_id_visible(actor, Case.person_id)),
        )
    )
    if case is None:
        raise NotFound("No case has this id.", field="case_id")
    if case.agency_code != actor.agency_code:
        raise AccessDenied(
            "The interview records of a domestic-violence case are read only by the agency that "
            "registered it.",
            action=READ_INTERVIEWS,
            person_id=case.person_id,
        )
    query = (
        select(Interview).where(Interview.case_id == case.id).order_by(Interview.created_at, Interview.kind)
    )
    found = list((await session.scalars(query)).all())
    await audit.record(
        session,
        actor,
        action=READ_INTERVIEWS,
        entity_type=INTERVIEW_ENTITY,
        entity_id=case.id,
        person_id=case.person_id,
        fields=["interviewer", "held_on", "record"],
        details={"interviews": len(found)},
    )
    return found


def _lock_name(actor: Actor, key: str) -> str:
    return f"sxvis:dv_case:{actor.agency_code}:{key}"


async def _by_key(session: AsyncSession, actor: Actor, key: str) -> DomesticViolenceRegistration | None:
    query = select(DomesticViolenceRegistration).where(
        DomesticViolenceRegistration.agency_code == actor.agency_code,
        DomesticViolenceRegistration.idempotency_key == key,
    )
    return await session.scalar(query)


async def _replay(
    session: AsyncSession, actor: Actor, registration: DomesticViolenceRegistration
) -> Registered:
    """What the first request with this key made; the answer is a read of it, and logged as one."""
    case = await session.get(Case, registration.case_id)
    if case is None:  # the case cascades with the registration: only a deleted person gets here
        raise NotFound("The case registered under this key no longer exists.", field="idempotency_key")
    referral = (
        None if registration.referral_id is None else await session.get(Referral, registration.referral_id)
    )
    await audit.record(
        session,
        actor,
        action=REGISTER,
        entity_type=ENTITY,
        entity_id=registration.id,
        person_id=registration.person_id,
        details={"replay": True, "case": str(case.id)},
    )
    return Registered(registration=registration, case=case, referral=referral, replayed=True)


async def _person(session: AsyncSession, actor: Actor, data: NewDomesticViolenceCase) -> Person:
    if data.person is not None:
        new = replace(data.person, protected=True, household=None)
        try:
            return await persons.register_person(session, actor, data=new)
        except DomainError as err:
            raise _under(err, "person") from None
    assert data.person_id is not None  # one of the two, checked by the caller
    person = await persons.person_for_change(session, actor, data.person_id, field="person_id")
    if person.date_of_death is not None:
        raise ValidationFailed(
            "This person has died; a domestic-violence case cannot be registered for them.",
            field="person_id",
            code=RegistryErrorCode.DECEASED,
        )
    return person


async def _protect(session: AsyncSession, actor: Actor, person: Person) -> None:
    if not person.protected:
        await persons.update_person(
            session, actor, person_id=person.id, changes=persons.PersonChanges(protected=True)
        )
        return
    if person.protected_by == actor.agency_code or person.protected_by is None:
        return
    # Protected by another agency: it stays the holder (only it lifts or moves a protection), and it
    # learns that this agency registered a domestic-violence case about the person.
    await notices.post(
        session,
        agency_code=person.protected_by,
        kind=notices.NoticeKind.DOMESTIC_VIOLENCE_CASE,
        person_id=person.id,
        message=(
            f"{actor.label} registered a domestic-violence case about a person your agency protects; "
            "the protection stays with your agency."
        ),
        details={"user": actor.user_id, "agency": actor.agency_code},
    )


async def _case(
    session: AsyncSession, actor: Actor, person: Person, reach: uuid.UUID, *, manager: str
) -> Case:
    """The agency's open case about the person (one open case per agency, rule 11), or a new one."""
    query = select(Case).where(
        Case.person_id == person.id, Case.agency_code == actor.agency_code, Case.phase != CasePhase.CLOSED
    )
    open_case = await session.scalar(query.with_for_update())
    if open_case is not None:
        return open_case
    return await cases.open_case(session, actor, person_id=reach, manager_id=manager)


async def _refer_for_placement(
    session: AsyncSession,
    actor: Actor,
    *,
    reach: uuid.UUID,
    case: Case,
    registration_id: uuid.UUID,
    times: deadlines.ResponseTimes,
) -> Referral:
    request = referrals.NewReferral(
        person_id=reach,
        to_agency=PLACEMENT_AGENCY,
        reason=PLACEMENT_REASON,
        urgency=Urgency.EMERGENCY,
        idempotency_key=f"domestic-violence/{registration_id}",
        service_code=SERVICE_CODE,
        case_id=case.id,
    )
    try:
        return await referrals.create_referral(session, actor, data=request, response_times=times)
    except DomainError as err:
        # The referral is this input's consequence: its refusal is reported on `placementNeeded`.
        raise _with_field(err, "placement_needed") from None


def _interview(value: InterviewRecord, *, field: str, today: date) -> InterviewRecord:
    if value.held_on > today:
        raise ValidationFailed("An interview cannot be in the future.", field=f"{field}.held_on")
    return InterviewRecord(
        interviewer=_text(value.interviewer, field=f"{field}.interviewer", limit=MAX_NAME),
        held_on=value.held_on,
        record=_text(value.record, field=f"{field}.record", limit=MAX_RECORD),
    )


def _incident_date(data: NewDomesticViolenceCase, *interviews: InterviewRecord, today: date) -> date:
    first_interview = min(i.held_on for i in interviews)
    if data.incident_date is None:
        return first_interview
    if data.incident_date > today:
        raise ValidationFailed("The incident cannot be in the future.", field="incident_date")
    if data.incident_date > first_interview:
        raise ValidationFailed("The interviews cannot be before the incident.", field="incident_date")
    return data.incident_date


def _text(value: str | None, *, field: str, limit: int) -> str:
    stripped = (value or "").strip()
    if not stripped:
        raise ValidationFailed(
            f"Give the {field.rsplit('.', 1)[-1].replace('_', ' ')}.", field=field, code=ErrorCode.REQUIRED
        )
    if len(stripped) > limit:
        raise ValidationFailed(f"At most {limit} characters.", field=field)
    return stripped


def _under(err: DomainError, parent: str) -> DomainError:
    """The same error, its field named inside `parent` (`person.fin`), so the client can place it."""
    return _with_field(err, f"{parent}.{err.field}" if err.field else parent)


def _with_field(err: DomainError, field: str) -> DomainError:
    moved = copy.copy(err)  # the same class, code and message (and any details, such as alternatives)
    moved.field = field
    return moved
