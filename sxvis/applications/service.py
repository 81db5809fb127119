"""Applications under the service passports: intake, checks, deadlines, decisions, withdrawal, queues.

Built on the registry (persons, consents, enrollments with capacity), the catalogue (passports), the
checks and their facts, the outbox to E-sosial, the working-day calendar and the remit, after the
pattern of referrals: module-level functions taking the session and the actor, never committing; each
move is one transaction with its state, a history row and an access event; an invalid move is
`INVALID_TRANSITION` naming the state; two moves at once: one takes the row's lock, the other gets
`CONFLICT`. While an application is open its person is in the handling agency's remit (a trigger of
migration 0014 keeps `person_remit`).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock, outbox
from sxvis.access import notices, remit
from sxvis.access.pseudonyms import PseudonymousId
from sxvis.actors import Actor
from sxvis.applications import deadlines, rules
from sxvis.applications.enums import (
    CONSENT_FREE_APPLICANTS,
    OPEN_STATUSES,
    UNDECIDED_STATUSES,
    ApplicantKind,
    ApplicationStatus,
    DayCount,
    Decision,
)
from sxvis.applications.errors import ApplicationError, ApplicationErrorCode
from sxvis.applications.models import Application, ApplicationDocument, ApplicationEvidence, ApplicationMove
from sxvis.catalogue import service as catalogue
from sxvis.catalogue.enums import ApplicationForm, DocumentForm, RefusalGround
from sxvis.catalogue.models import RequiredDocument, Service, ServiceProvider
from sxvis.checks import service as checks
from sxvis.checks.enums import CheckKind, CheckStatus, RequestStatus
from sxvis.checks.freshness import Freshness
from sxvis.checks.models import CheckRequest, Fact
from sxvis.checks.sources import FactSources
from sxvis.errors import AccessDenied, Conflict, InvalidTransition, NotFound, ValidationFailed
from sxvis.pagination import Page, newest_first
from sxvis.referrals import calendar
from sxvis.registry import enrollments, persons, validation
from sxvis.registry.enrollments import _ELIGIBILITY as ELIGIBILITY
from sxvis.registry.models import Consent, Person

SUBMIT = "application:submit"
READ = "application:read"
ASSESS = "application:assess"
DECIDE = "application:decide"
WITHDRAW = "application:withdraw"
ALLOCATE = "queue:allocate"
INTAKE = "INTAKE"
"""The purpose recorded when an agency opens an application for a person outside its remit."""
MAX_ALLOCATION = 100

_E = ApplicationErrorCode
_S = ApplicationStatus
_OPEN_ELSEWHERE = text(
    "SELECT id, agency_code, status::text AS status, submitted_at"
    " FROM sxvis_open_application(:person, :service)"
)
_INTAKE_PERSON = text("SELECT sxvis_intake_person(:fin)")
_QUEUE_POSITIONS = text("SELECT id, queue_position FROM sxvis_queue_positions(CAST(:ids AS uuid[]))")
_QUEUE_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('sxvis_queue:' || :service || ':' || :kind))")


@dataclass(frozen=True, kw_only=True)
class Representative:
    """Who applies for the person: name, relation, and the power of attorney or guardianship document."""

    name: str
    relation: str | None = None
    document: str | None = None


@dataclass(frozen=True, kw_only=True)
class HandedIn:
    """A required document handed in: its position in the passport's list, and its form."""

    position: int
    form: DocumentForm


@dataclass(frozen=True, kw_only=True)
class NewApplication:
    service_code: str
    applicant_kind: ApplicantKind
    channel: ApplicationForm
    idempotency_key: str
    person_id: uuid.UUID | None = None
    fin: str | None = None
    kind: str | None = None
    representative: Representative | None = None
    consent_id: uuid.UUID | None = None
    documents: Sequence[HandedIn] = ()


@dataclass(frozen=True, kw_only=True)
class Intake:
    """What intake needs besides the input: the ministries, how long their facts last, how days count."""

    sources: FactSources
    freshness: Freshness = field(default_factory=Freshness)
    days: DayCount = DayCount.WORKING


@dataclass(frozen=True, slots=True)
class Evidence:
    """A check run at intake as it stands now: its fact (with provenance) once a ministry answered."""

    application_id: uuid.UUID
    kind: CheckKind
    status: CheckStatus
    fact: Fact | None
    error: str | None
    pending_since: datetime | None


# Submission


async def submit_application(
    session: AsyncSession, actor: Actor, *, data: NewApplication, intake: Intake
) -> Application:
    """Open an application. The same idempotency key from the same agency returns the same application,
    also when two requests race (the unique key decides, and the loser reads the winner's)."""
    actor.require(SUBMIT)
    key = data.idempotency_key.strip()
    if not key or len(key) > 200:
        raise ValidationFailed("Give an idempotency key of 1 to 200 characters.", field="idempotency_key")
    existing = await _by_key(session, actor, key)
    if existing is not None:
        return existing
    service = await session.get(Service, data.service_code.strip())
    if service is None:
        raise NotFound(f"No service has the code {data.service_code!r}.", field="service_code")
    kind = _variant(service, data.kind)
    if data.channel not in service.application_forms:
        offered = ", ".join(form.value for form in service.application_forms)
        raise ApplicationError(
            f"The passport of {service.code} does not list {data.channel.value} among its application "
            f"forms ({offered}).",
            field="channel",
            code=_E.CHANNEL_NOT_OFFERED,
        )
    representative = _representative(data)
    required = await catalogue.required_documents_of(session, service_codes=[service.code])
    handed_in = _documents(service, required, data.documents)
    reach, field_name, outside = await _applicant_person(session, actor, data)
    person_id = uuid.UUID(int=reach.int)  # stored as the plain id; `reach` says how the caller got it
    now = clock.now()
    today = now.astimezone(clock.BAKU).date()
    working = await calendar.load_calendar(session, start=today, end=today + deadlines.HORIZON)
    due = deadlines.of_service(service, submitted_at=now, calendar=working, days=intake.days)
    statement = (
        insert(Application)
        .values(
            id=uuid.uuid4(),
            person_id=person_id,
            service_code=service.code,
            kind=kind,
            agency_code=actor.agency_code,
            applicant_kind=data.applicant_kind,
            representative_name=None if representative is None else representative.name,
            representative_relation=None if representative is None else representative.relation,
            representative_document=None if representative is None else representative.document,
            consent_id=data.consent_id,
            channel=data.channel,
            status=_S.SUBMITTED,
            idempotency_key=key,
            submitted_at=now,
            assessment_due_at=due.assessment,
            front_office_due_at=due.front_office,
            back_office_due_at=due.back_office,
            decision_post_by=due.decision_posting,
            deadline_at=due.service,
            created_by=actor.label,
        )
        .on_conflict_do_nothing()
        .returning(Application.id)
    )
    created = (await session.execute(statement)).scalar_one_or_none()
    if created is None:
        raced = await _by_key(session, actor, key)
        if raced is not None:  # a concurrent request with the same key won; its application is the answer
            return raced
        await _refuse_duplicate(session, person_id, service.code, field_name)
        raise Conflict("An application for this person is being opened; try again.", field="idempotency_key")
    application = await session.get(Application, created)
    assert application is not None  # just inserted in this transaction
    # The application brought the person into this agency's remit (trigger of migration 0014).
    person = await persons.person_for_change(session, actor, reach, field=field_name)
    _require_eligible(service, person, field_name)
    await _require_consent(session, actor, application, person.id)
    for document in handed_in:
        session.add(
            ApplicationDocument(
                application_id=application.id,
                position=document.position,
                person_id=person.id,
                form=document.form,
            )
        )
    await _record(
        session,
        actor,
        application,
        None,
        action=SUBMIT,
        note=None,
        purpose=INTAKE if outside else None,
        details={"service": service.code, "kind": kind, "channel": data.channel.value}
        | ({"intake": "by FIN, outside the agency's remit"} if outside else {}),
    )
    if person.protected and person.protected_by != actor.agency_code and person.protected_by is not None:
        # The agency that protects the person learns who opened an application for them (it alone knows
        # who they are; the applicant's agency sees its pseudonym).
        await notices.post(
            session,
            agency_code=person.protected_by,
            kind=notices.NoticeKind.PROTECTED_INTAKE,
            person_id=person.id,
            message=f"{actor.label} opened an application for {service.code} for a person your agency "
            "protects.",
            details={"application": str(application.id), "agency": actor.agency_code},
        )
    await _run_intake_checks(session, actor, application, reach, intake)
    return application


def _variant(service: Service, kind: str | None) -> str | None:
    given = (kind or "").strip().upper() or None
    if service.variants:
        if given is None:
            raise ApplicationError(
                f"The passport of {service.code} offers {', '.join(service.variants)}: say which.",
                field="kind",
                code=_E.KIND_REQUIRED,
            )
        if given not in service.variants:
            raise ApplicationError(
                f"The passport of {service.code} offers {', '.join(service.variants)}, not {given}.",
                field="kind",
                code=_E.KIND_NOT_OFFERED,
            )
        return given
    if given is not None:
        raise ApplicationError(
            f"The passport of {service.code} offers no variants: leave kind out.",
            field="kind",
            code=_E.KIND_NOT_OFFERED,
        )
    return None


def _representative(data: NewApplication) -> Representative | None:
    """Rule 2: who applies for the person is recorded; a legal representative shows the document."""
    given = data.representative
    if data.applicant_kind is ApplicantKind.SELF:
        if given is not None:
            raise ValidationFailed(
                "The person applies themselves: leave the representative out.", field="representative"
            )
        return None
    if given is None or not given.name.strip():
        raise ApplicationError(
            f"An application by a {data.applicant_kind.value} records who applied: give the "
            "representative's name.",
            field="representative",
            code=_E.REPRESENTATIVE_REQUIRED,
        )
    document = (given.document or "").strip() or None
    if data.applicant_kind is ApplicantKind.LEGAL_REPRESENTATIVE and document is None:
        raise ApplicationError(
            "A legal representative applies with the power of attorney or guardianship document: give it.",
            field="representative.document",
            code=_E.REQUIRED,
        )
    return Representative(
        name=" ".join(given.name.split()), relation=(given.relation or "").strip() or None, document=document
    )


def _documents(
    service: Service, required: Sequence[RequiredDocument], given: Sequence[HandedIn]
) -> list[HandedIn]:
    by_position = {d.position: d for d in required}
    seen: set[int] = set()
    for document in given:
        wanted = by_position.get(document.position)
        if wanted is None:
            raise ApplicationError(
                f"The passport of {service.code} lists {len(required)} documents; there is no "
                f"document {document.position}.",
                field="documents",
                code=_E.DOCUMENT_NOT_REQUIRED,
            )
        if document.position in seen:
            raise ValidationFailed(f"Document {document.position} is given twice.", field="documents")
        seen.add(document.position)
        if wanted.forms and document.form not in wanted.forms:
            accepted = ", ".join(form.value for form in wanted.forms)
            raise ApplicationError(
                f"Document {document.position} ({wanted.name_en}) is accepted as {accepted}, "
                f"not {document.form.value}.",
                field="documents",
                code=_E.DOCUMENT_FORM_NOT_ACCEPTED,
            )
    return list(given)


async def _applicant_person(
    session: AsyncSession, actor: Actor, data: NewApplication
) -> tuple[uuid.UUID, str, bool]:
    """(the person's id as the caller reaches it, the input field that named them, whether they are
    outside the actor's remit).

    By id, the hidden-is-absent rule holds (`remit.person_reachable`): a protected person hidden from
    the caller is reached only by the pseudonymous id it was shown, and the id keeps saying so.

    Intake by FIN (issue 16): the applicant stands at the desk with an identity document, and the person
    is often registered by another agency. The FIN is looked up across the registry (a function of
    migration 0014, as the owner); the application then brings the person into this agency's remit.
    The registry's id was never shown to the caller: it is handed on as reached through the caller's
    pseudonym (`PseudonymousId`), so that the remit is the rule for the rest of the intake and a
    protected person stays behind this agency's pseudonym (never "absent" by a real id it never had)."""
    if (data.person_id is None) == (data.fin is None):
        raise ValidationFailed("Give either personId or fin.", field="person_id")
    if data.person_id is not None:
        seen = await session.scalar(
            select(Person.id).where(
                Person.id == data.person_id, remit.person_reachable(actor, data.person_id)
            )
        )
        if seen is None:
            raise NotFound("No person has this id.", field="person_id")
        return data.person_id, "person_id", False
    fin = validation.normalise_fin(data.fin or "")
    found = await session.scalar(_INTAKE_PERSON, {"fin": fin})
    if found is None:
        raise ApplicationError(
            "No person is registered with this FIN: register the person first (registerPerson).",
            field="fin",
            code=_E.PERSON_NOT_REGISTERED,
        )
    seen = await session.scalar(select(Person.id).where(Person.id == found, remit.person_visible(actor)))
    return PseudonymousId.of(found), "fin", seen is None


async def _refuse_duplicate(
    session: AsyncSession, person_id: uuid.UUID, service_code: str, field: str
) -> None:
    row = (await session.execute(_OPEN_ELSEWHERE, {"person": person_id, "service": service_code})).first()
    if row is None:
        return
    on = row.submitted_at.astimezone(clock.BAKU).date().isoformat()
    raise ApplicationError(
        f"The person already has an open application for {service_code}: application {row.id}, "
        f"{row.status} since {on}, handled by {row.agency_code}.",
        field=field,
        code=_E.DUPLICATE,
    )


def _require_eligible(service: Service, person: Person, field: str) -> None:
    """Rule 1 (000 §10, 001 §10): citizens; foreigners and stateless persons with permanent residence."""
    if person.date_of_death is not None:
        raise ApplicationError("The person has died.", field=field, code=_E.DECEASED)
    eligible_as = ELIGIBILITY.get(person.residence_status)
    if eligible_as is None or eligible_as not in service.eligible_users:
        raise ApplicationError(
            f"Under its passport (§10), service {service.code} is not open to persons of residence status "
            f"{person.residence_status.value}.",
            field=field,
            code=_E.NOT_ELIGIBLE,
        )


async def _require_consent(
    session: AsyncSession, actor: Actor, application: Application, person_id: uuid.UUID
) -> None:
    """Rule 2 (000 §16, 002 step 1): anyone but the person and their legal representative applies with
    the person's recorded consent, in force, naming the handling agency."""
    needed = application.applicant_kind not in CONSENT_FREE_APPLICANTS
    if application.consent_id is None:
        if needed:
            raise ApplicationError(
                f"An application by a {application.applicant_kind.value} needs the person's consent: record "
                f"it naming {actor.agency_code} (recordConsent) and give its id.",
                field="consent_id",
                code=_E.CONSENT_REQUIRED,
            )
        return
    consent = await session.scalar(
        select(Consent).where(Consent.id == application.consent_id, Consent.person_id == person_id)
    )
    if consent is None:
        raise NotFound("The person has no consent with this id.", field="consent_id")
    if consent.revoked_at is not None or consent.valid_until < clock.today():
        raise ApplicationError(
            "This consent is no longer in force.", field="consent_id", code=_E.CONSENT_REQUIRED
        )
    if consent.agency_code != actor.agency_code:
        raise ApplicationError(
            f"This consent names {consent.agency_code}, not {actor.agency_code}, which handles the "
            "application.",
            field="consent_id",
            code=_E.CONSENT_REQUIRED,
        )


async def _run_intake_checks(
    session: AsyncSession, actor: Actor, application: Application, reach: uuid.UUID, intake: Intake
) -> None:
    """Rule 8: the passport's checks, through the checks service (facts reused while fresh), attached as
    evidence. A ministry that is down leaves its check PENDING: the application waits, and is never
    refused for it (a decision waits until the check is answered)."""
    kinds = rules.intake_checks(application.service_code, application.kind)
    if not kinds:
        return
    results = await checks.run_checks(
        session,
        actor,
        person_id=reach,
        kinds=kinds,
        sources=intake.sources,
        freshness=intake.freshness,
    )
    pending = [r.kind for r in results if r.status is CheckStatus.PENDING]
    requests: dict[CheckKind, uuid.UUID] = {}
    if pending:
        rows = await session.execute(
            select(CheckRequest.kind, CheckRequest.id).where(
                CheckRequest.person_id == application.person_id,
                CheckRequest.kind.in_(pending),
                CheckRequest.status == RequestStatus.PENDING,
            )
        )
        requests = {kind: request_id for kind, request_id in rows.all()}
    for result in results:
        answered = result.status in (CheckStatus.OK, CheckStatus.NOT_FOUND)
        session.add(
            ApplicationEvidence(
                application_id=application.id,
                person_id=application.person_id,
                kind=result.kind,
                status=result.status,
                fact_id=result.fact.id if answered and result.fact is not None else None,
                request_id=requests.get(result.kind),
                error=result.error,
            )
        )
    await session.flush()


# Moves


async def assess_application(
    session: AsyncSession, actor: Actor, *, application_id: uuid.UUID, need: str, note: str | None
) -> Application:
    """Rule 3 (000 §16): the need is assessed, on the day the application arrives."""
    actor.require(ASSESS)
    application = await _lock_own(session, actor, application_id, ASSESS)
    _require_state(application, {_S.SUBMITTED}, "assessed")
    assessed = (need or "").strip()
    if not assessed:
        raise ValidationFailed("Say what need the assessment found.", field="need")
    before = application.status
    application.status = _S.ASSESSED
    application.assessed_at = clock.now()
    application.need = assessed
    await session.flush()
    late = application.assessed_at > application.assessment_due_at
    await _record(
        session,
        actor,
        application,
        before,
        action=ASSESS,
        note=" | ".join(p for p in (assessed, (note or "").strip()) if p),
        details={"on_time": not late},
    )
    return application


async def decide_application(
    session: AsyncSession,
    actor: Actor,
    *,
    application_id: uuid.UUID,
    decision: Decision,
    ground: RefusalGround | None,
    note: str | None,
    provider_code: str | None = None,
    irp_reference: str | None = None,
    freshness: Freshness | None = None,
) -> Application:
    """Approve (enrolling with the passport's provider, or queueing for a rationed service) or refuse
    on a ground the passport lists; the decision goes to the person's E-sosial cabinet (rule 5)."""
    actor.require(DECIDE)
    application = await _lock_own(session, actor, application_id, DECIDE)
    service = await session.get(Service, application.service_code)
    assert service is not None  # a foreign key
    remark = (note or "").strip() or None
    if decision is Decision.APPROVE:
        _require_state(application, {_S.ASSESSED}, "approved", hint=" Assess the need first (rule 3).")
        if ground is not None:
            raise ValidationFailed("An approval has no refusal ground.", field="ground")
    else:
        _require_state(application, UNDECIDED_STATUSES, "refused")
    found = await evidence_of(session, actor, application_ids=[application.id], log=False)
    waiting = sorted({e.kind.value for e in found if e.status is CheckStatus.PENDING})
    if waiting:
        raise ApplicationError(
            f"The application waits for the {', '.join(waiting)} check: the ministry has not answered yet, "
            "and an application is never decided on a ministry's outage.",
            field="id",
            code=_E.CHECKS_PENDING,
        )
    fin = await session.scalar(select(Person.fin).where(Person.id == application.person_id))
    assert fin is not None  # the open application keeps the person in the remit
    before = application.status
    now = clock.now()
    if decision is Decision.REFUSE:
        await _require_ground(session, application, service, ground, found)
        application.status = _S.REFUSED
        application.refusal_ground = ground
    elif service.rationed:
        application.status = _S.WAITING
        application.queued_at = now
    else:
        provider = await _provider(session, actor, service, provider_code)
        enrolled = await enrollments.admit(
            session,
            actor,
            person_id=application.person_id,
            service_code=service.code,
            provider_code=provider,
            irp_reference=irp_reference,
            note=f"approved application {application.id}",
            field="provider_code",
        )
        application.status = _S.APPROVED
        application.provider_code = provider
        application.enrollment_id = enrolled.id
    application.decided_at = now
    application.decision_note = remark
    application.decision_posted_at = now
    await session.flush()
    await _post_decision(session, actor, application, service, fin)
    details: dict[str, Any] = {
        "decision": decision.value,
        "posted_in_time": application.decision_post_by is None or now <= application.decision_post_by,
    }
    if ground is not None:
        details["ground"] = ground.value
    await _record(session, actor, application, before, action=DECIDE, note=remark, details=details)
    return application


async def withdraw_application(
    session: AsyncSession, actor: Actor, *, application_id: uuid.UUID, reason: str
) -> Application:
    actor.require(WITHDRAW)
    application = await _lock_own(session, actor, application_id, WITHDRAW)
    _require_state(application, OPEN_STATUSES, "withdrawn")
    why = (reason or "").strip()
    if not why:
        raise ValidationFailed("Say why the application is withdrawn.", field="reason")
    before = application.status
    application.status = _S.WITHDRAWN
    application.withdrawn_reason = why
    await session.flush()
    await _record(session, actor, application, before, action=WITHDRAW, note=why)
    return application


async def allocate_from_queue(
    session: AsyncSession, actor: Actor, *, service_code: str, kind: str | None, count: int
) -> list[Application]:
    """Rule 9 (003 steps 8-9): serve the first `count` waiting applications of the service's queue (and
    variant), in submission order and no other, telling each person through E-sosial that their turn
    has come. The queue is locked for the transaction: a second allocation at once waits, then serves
    the next ones; no application is served twice."""
    actor.require(ALLOCATE)
    service = await session.get(Service, service_code.strip())
    if service is None:
        raise NotFound(f"No service has the code {service_code!r}.", field="service_code")
    if not service.rationed:
        raise ApplicationError(
            f"Service {service.code} is not given in queue order.", field="service_code", code=_E.NOT_QUEUED
        )
    variant = _variant(service, kind)
    if not 1 <= count <= MAX_ALLOCATION:
        raise ValidationFailed(f"Allocate 1 to {MAX_ALLOCATION} places at a time.", field="count")
    if not actor.reads_whole_registry:
        # The queue is national: serving it in order needs the whole of it in view.
        raise AccessDenied(
            f"Agency {actor.agency_code} does not see the whole queue of {service.code}; an agency with "
            "the registry-wide grant allocates.",
            action=ALLOCATE,
        )
    provides = await session.get(ServiceProvider, (service.code, actor.agency_code))
    if provides is None:
        raise ApplicationError(
            f"{actor.agency_code} does not provide service {service.code}.",
            field="service_code",
            code=_E.NOT_A_PROVIDER,
        )
    await session.execute(_QUEUE_LOCK, {"service": service.code, "kind": variant or ""})
    query = (
        select(Application)
        .where(
            Application.service_code == service.code,
            Application.kind.is_not_distinct_from(variant),
            Application.status == _S.WAITING,
        )
        .order_by(Application.seq)
        .limit(count)
        .with_for_update()
    )
    served = list((await session.scalars(query)).all())
    now = clock.now()
    fins = dict(
        (
            await session.execute(
                select(Person.id, Person.fin).where(Person.id.in_([a.person_id for a in served]))
            )
        ).all()
    )
    for position, application in enumerate(served, start=1):
        application.status = _S.ALLOCATED
        application.allocated_at = now
        application.allocated_position = position
    await session.flush()
    for position, application in enumerate(served, start=1):
        await outbox.post_decision(
            session,
            actor,
            person_id=application.person_id,
            fin=fins[application.person_id],
            service_code=service.code,
            decision=outbox.DecisionKind.GRANTED,
            text=f"{service.name_az}: növbəniz çatdı / your turn in the queue has come"
            + (f" ({application.kind})" if application.kind else "")
            + ".",
            reference=f"application/{application.id}",
        )
        await _record(
            session,
            actor,
            application,
            _S.WAITING,
            action=ALLOCATE,
            note=f"served at position {position} of the queue",
            details={"position": position, "submitted_order": application.seq, "kind": application.kind},
        )
    return served


def _require_state(
    application: Application,
    allowed: frozenset[ApplicationStatus] | set[ApplicationStatus],
    verb: str,
    hint: str = "",
) -> None:
    if application.status not in allowed:
        states = " or ".join(sorted(s.value for s in allowed))
        raise InvalidTransition(
            f"An application that is {application.status.value} cannot be {verb} ({states} can).{hint}",
            field="id",
        )


async def _require_ground(
    session: AsyncSession,
    application: Application,
    service: Service,
    ground: RefusalGround | None,
    found: Sequence[Evidence],
) -> None:
    """Rule 6: refusal only on a ground the passport lists; INCOMPLETE_DOCUMENTS only while a document
    is missing (neither handed in nor obtained from a ministry, rule 7)."""
    if ground is None:
        raise ValidationFailed(
            "A refusal names its ground from the passport.", field="ground", code=_E.REQUIRED
        )
    if ground not in service.refusal_grounds:
        listed = ", ".join(g.value for g in service.refusal_grounds)
        raise ApplicationError(
            f"The passport of {service.code} (§9) allows refusal only on {listed}.",
            field="ground",
            code=_E.REFUSAL_GROUND_NOT_IN_PASSPORT,
        )
    if ground is RefusalGround.INCOMPLETE_DOCUMENTS:
        missing = await missing_documents(session, applications=[application], evidence=found)
        if not missing.get(application.id):
            raise ApplicationError(
                "Every required document is handed in or obtained electronically: INCOMPLETE_DOCUMENTS "
                "does not apply.",
                field="ground",
                code=_E.DOCUMENTS_COMPLETE,
            )


async def _provider(session: AsyncSession, actor: Actor, service: Service, given: str | None) -> str:
    """The passport's provider: the one named, else the deciding agency if it provides the service,
    else the only provider."""
    if given is not None and given.strip():
        return given.strip()
    codes = list(
        (
            await session.scalars(
                select(ServiceProvider.agency_code)
                .where(ServiceProvider.service_code == service.code)
                .order_by(ServiceProvider.agency_code)
            )
        ).all()
    )
    if actor.agency_code in codes:
        return actor.agency_code
    if len(codes) == 1:
        return codes[0]
    raise ValidationFailed(
        f"Service {service.code} has several providers ({', '.join(codes)}): name one.",
        field="provider_code",
        code=_E.REQUIRED,
    )


async def _post_decision(
    session: AsyncSession, actor: Actor, application: Application, service: Service, fin: str
) -> None:
    """Rule 5 (001 step 10): the decision goes to the person's E-sosial cabinet, with this move."""
    if application.status is _S.REFUSED:
        kind = outbox.DecisionKind.REFUSED
        words = f"imtina / refused ({application.refusal_ground.value if application.refusal_ground else ''})"
    elif application.status is _S.WAITING:
        kind = outbox.DecisionKind.GRANTED
        words = "növbəyə alındı / approved, waiting in the queue"
    else:
        kind = outbox.DecisionKind.GRANTED
        words = f"təmin edildi / approved, provided by {application.provider_code}"
    await outbox.post_decision(
        session,
        actor,
        person_id=application.person_id,
        fin=fin,
        service_code=service.code,
        decision=kind,
        text=f"{service.name_az}: {words}.",
        reference=f"application/{application.id}",
    )


async def _lock_own(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, action: str
) -> Application:
    query = (
        select(Application)
        .where(Application.id == application_id, _visible(actor))
        .with_for_update(nowait=True)
    )
    try:
        async with session.begin_nested():
            application = await session.scalar(query)
    except DBAPIError as err:
        if getattr(err.orig, "sqlstate", None) == "55P03" or "could not obtain lock" in str(err.orig):
            raise Conflict("Someone is moving this application right now; try again.", field="id") from None
        raise
    if application is None:
        raise NotFound("No application has this id.", field="id")
    if application.agency_code != actor.agency_code:
        raise AccessDenied(
            f"Only the handling agency ({application.agency_code}) may move this application.",
            action=action,
            person_id=application.person_id,
        )
    return application


async def _by_key(session: AsyncSession, actor: Actor, key: str) -> Application | None:
    query = select(Application).where(
        Application.agency_code == actor.agency_code, Application.idempotency_key == key
    )
    return await session.scalar(query)


async def _record(
    session: AsyncSession,
    actor: Actor,
    application: Application,
    before: ApplicationStatus | None,
    *,
    action: str,
    note: str | None,
    purpose: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        ApplicationMove(
            application_id=application.id,
            person_id=application.person_id,
            from_status=before,
            to_status=application.status,
            action=action,
            actor_user=actor.user_id,
            actor_agency=actor.agency_code,
            note=note or None,
            details=details,
            at=clock.now(),
        )
    )
    await session.flush()
    await audit.record(
        session,
        actor,
        action=action,
        entity_type="application",
        entity_id=application.id,
        person_id=application.person_id,
        purpose=purpose,
        details={"from": None if before is None else before.value, "to": application.status.value}
        | (details or {}),
    )


# Reading


def _visible(actor: Actor) -> ColumnElement[bool]:
    """The handling agency sees its applications; others see those of persons in their remit."""
    return or_(
        Application.agency_code == actor.agency_code, remit.person_id_visible(actor, Application.person_id)
    )


def overdue(application: Application, now: datetime | None = None) -> bool:
    """Not assessed by the end of its day (rule 3), or undecided past the passport's deadline (rule 4)."""
    moment = now or clock.now()
    if application.status is _S.SUBMITTED and application.assessment_due_at < moment:
        return True
    return (
        application.status in UNDECIDED_STATUSES
        and application.deadline_at is not None
        and application.deadline_at < moment
    )


def _overdue_sql(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Application.status == _S.SUBMITTED, Application.assessment_due_at < now),
        and_(
            Application.status.in_(list(UNDECIDED_STATUSES)),
            Application.deadline_at.is_not(None),
            Application.deadline_at < now,
        ),
    )


async def get_applications(
    session: AsyncSession, actor: Actor, *, ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[Application]:
    actor.require(READ)
    found = list(
        (await session.scalars(select(Application).where(Application.id.in_(ids), _visible(actor)))).all()
    )
    await audit.record_read(session, actor, found, action=READ, entity_type="application", fields=fields)
    return found


async def applications_of(
    session: AsyncSession, actor: Actor, *, person_ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[Application]:
    """`Person.applications`: the persons' applications the actor sees, newest first."""
    actor.require(READ)
    query = (
        select(Application)
        .where(Application.person_id.in_(person_ids), _visible(actor))
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    )
    found = list((await session.scalars(query)).all())
    await audit.record_read(session, actor, found, action=READ, entity_type="application", fields=fields)
    return found


@dataclass(frozen=True, kw_only=True)
class ApplicationFilter:
    status: ApplicationStatus | None = None
    service_code: str | None = None
    overdue: bool | None = None
    queue: bool | None = None  # waiting in a queue (rule 9)
    start: date | None = None  # submitted on or after this Baku date
    end: date | None = None  # submitted on or before this Baku date


def _filtered(actor: Actor, filter: ApplicationFilter) -> Any:
    if filter.start is not None and filter.end is not None and filter.end < filter.start:
        raise ValidationFailed("The period ends before it starts.", field="to")
    query = select(Application).where(_visible(actor))
    if filter.status is not None:
        query = query.where(Application.status == filter.status)
    if filter.service_code is not None:
        query = query.where(Application.service_code == filter.service_code.strip())
    if filter.overdue is not None:
        late = _overdue_sql(clock.now())
        query = query.where(late if filter.overdue else ~late)
    if filter.queue is not None:
        waiting = Application.status == _S.WAITING
        query = query.where(waiting if filter.queue else ~waiting)
    if filter.start is not None:
        query = query.where(Application.submitted_at >= _midnight(filter.start))
    if filter.end is not None:
        query = query.where(Application.submitted_at < _midnight(filter.end + timedelta(days=1)))
    return query


async def find_applications(
    session: AsyncSession,
    actor: Actor,
    *,
    filter: ApplicationFilter,
    first: int | None,
    after: str | None,
    fields: Sequence[str] = (),
) -> Page[Application]:
    """The applications the actor's agency handles or whose persons it sees, newest first."""
    actor.require(READ)
    page: Page[Application] = await newest_first(
        session,
        _filtered(actor, filter),
        moment=Application.submitted_at,
        row_id=Application.id,
        key=lambda a: (a.submitted_at, a.id),
        first=first,
        after=after,
    )
    await audit.record_read(session, actor, page.items, action=READ, entity_type="application", fields=fields)
    return page


async def count_applications(session: AsyncSession, actor: Actor, *, filter: ApplicationFilter) -> int:
    actor.require(READ)
    query = select(func.count()).select_from(_filtered(actor, filter).subquery())
    return int((await session.execute(query)).scalar_one())


async def history_of(
    session: AsyncSession, actor: Actor, *, application_ids: Sequence[uuid.UUID]
) -> list[ApplicationMove]:
    actor.require(READ)
    visible = select(Application.id).where(_visible(actor))
    query = (
        select(ApplicationMove)
        .where(
            ApplicationMove.application_id.in_(application_ids), ApplicationMove.application_id.in_(visible)
        )
        .order_by(ApplicationMove.application_id, ApplicationMove.id)
    )
    return list((await session.scalars(query)).all())


async def evidence_of(
    session: AsyncSession, actor: Actor, *, application_ids: Sequence[uuid.UUID], log: bool = True
) -> list[Evidence]:
    """The intake checks of these applications as they stand now: a check pending at intake is read
    through its request, which links the fact once the background retry got the answer."""
    actor.require(READ)
    visible = select(Application.id).where(_visible(actor))
    rows = (
        await session.execute(
            select(ApplicationEvidence, CheckRequest, Fact)
            .outerjoin(CheckRequest, CheckRequest.id == ApplicationEvidence.request_id)
            .outerjoin(Fact, Fact.id == func.coalesce(ApplicationEvidence.fact_id, CheckRequest.fact_id))
            .where(
                ApplicationEvidence.application_id.in_(application_ids),
                ApplicationEvidence.application_id.in_(visible),
            )
            .order_by(ApplicationEvidence.application_id, ApplicationEvidence.id)
        )
    ).all()
    found: list[Evidence] = []
    for evidence, request, fact in rows:
        status, error, since = evidence.status, evidence.error, None
        if status is CheckStatus.PENDING:
            if fact is not None:
                status, error = (CheckStatus.OK if fact.found else CheckStatus.NOT_FOUND), None
            elif request is not None and request.status is RequestStatus.FAILED:
                status, error = CheckStatus.FAILED, request.last_error
            else:
                since = request.created_at if request is not None else evidence.at
        found.append(Evidence(evidence.application_id, evidence.kind, status, fact, error, since))
    if log and found:
        persons_covered = await session.scalars(
            select(Application.person_id).where(Application.id.in_({e.application_id for e in found}))
        )
        await audit.record(
            session,
            actor,
            action="application:evidence",
            entity_type="application",
            person_ids=sorted(set(persons_covered.all())),
            details={
                "evidence": [
                    {"kind": e.kind.value, "status": e.status.value}
                    | ({"source": e.fact.source_system, "message_id": e.fact.message_id} if e.fact else {})
                    for e in found
                ]
            },
        )
    return found


async def documents_of(
    session: AsyncSession, actor: Actor, *, application_ids: Sequence[uuid.UUID]
) -> list[ApplicationDocument]:
    actor.require(READ)
    visible = select(Application.id).where(_visible(actor))
    query = (
        select(ApplicationDocument)
        .where(
            ApplicationDocument.application_id.in_(application_ids),
            ApplicationDocument.application_id.in_(visible),
        )
        .order_by(ApplicationDocument.application_id, ApplicationDocument.position)
    )
    return list((await session.scalars(query)).all())


async def missing_documents(
    session: AsyncSession,
    *,
    applications: Sequence[Application],
    evidence: Sequence[Evidence],
) -> dict[uuid.UUID, list[RequiredDocument]]:
    """Rule 7 (000 §15, 001 §21 note): the passport's required documents neither handed in nor proved by
    a ministry's fact; paper is asked for only where the fact cannot stand for it."""
    if not applications:
        return {}
    ids = [a.id for a in applications]
    required = await catalogue.required_documents_of(
        session, service_codes=sorted({a.service_code for a in applications})
    )
    handed = set(
        (
            await session.execute(
                select(ApplicationDocument.application_id, ApplicationDocument.position).where(
                    ApplicationDocument.application_id.in_(ids)
                )
            )
        ).all()
    )
    facts: dict[tuple[uuid.UUID, CheckKind], Fact] = {
        (e.application_id, e.kind): e.fact for e in evidence if e.fact is not None
    }
    out: dict[uuid.UUID, list[RequiredDocument]] = {}
    for application in applications:
        missing = []
        for document in required:
            if document.service_code != application.service_code:
                continue
            if (application.id, document.position) in handed:
                continue
            source = rules.ELECTRONIC_DOCUMENTS.get((document.service_code, document.position))
            if source is not None:
                fact = facts.get((application.id, source.kind))
                if fact is not None and fact.found and source.proves(fact.value):
                    continue
            missing.append(document)
        out[application.id] = missing
    return out


async def queue_positions(
    session: AsyncSession, *, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Rule 9: each waiting application's place in its queue (1 is served next), counted over the whole
    queue (a function of migration 0014: the caller may not see every application in it)."""
    if not application_ids:
        return {}
    rows = await session.execute(_QUEUE_POSITIONS, {"ids": [str(i) for i in application_ids]})
    return {row.id: int(row.queue_position) for row in rows}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.BAKU)
