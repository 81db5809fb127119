"""Creating referrals and moving them through their states, each move one transaction.

Every move writes, together or not at all: the new state, a history row (who, agency, when, from, to,
note), an access event, and a NOTIFY on the referral stream (`sxvis_referrals`, delivered on commit,
for the live inbox). Who may move what is declared in the policy (`referral:respond` for the receiver's
moves, `referral:cancel` for the sender's) and the side is checked here: only the receiving agency
answers, only the sending agency cancels.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import orjson
from sqlalchemy import ColumnElement, Select, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock, outbox
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.cases import service as cases
from sxvis.catalogue import capacity
from sxvis.catalogue.models import Agency, Service, ServiceProvider
from sxvis.errors import AccessDenied, Conflict, InvalidTransition, NotFound, ValidationFailed
from sxvis.pagination import Page, count_rows, newest_first
from sxvis.referrals import calendar, deadlines
from sxvis.referrals.enums import ReferralStatus, Urgency
from sxvis.referrals.models import Referral, ReferralMove
from sxvis.registry import enrollments, persons
from sxvis.registry.enums import EnrollmentEndReason, EnrollmentStatus
from sxvis.registry.errors import RegistryErrorCode
from sxvis.registry.models import Consent, Enrollment, Person

CREATE = "referral:create"
READ = "referral:read"
RESPOND = "referral:respond"
CANCEL = "referral:cancel"
CHANNEL = "sxvis_referrals"
# The stream's payload: ids and states only, never personal data (it reaches every listening process).
# `at` is the transaction's now(), the very time the history row records for the move.
_NOTIFY = text(
    "SELECT pg_notify(:channel, (CAST(:payload AS jsonb) || jsonb_build_object('at', now()))::text)"
)


class Side(StrEnum):
    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


@dataclass(frozen=True)
class Move:
    name: str
    side: Side
    permission: str
    from_states: frozenset[ReferralStatus]
    to_state: ReferralStatus
    needs: str | None = None  # "reason" or "outcome": the move's text is required


_R = ReferralStatus
MOVES = {
    move.name: move
    for move in (
        Move("accept", Side.RECEIVER, RESPOND, frozenset({_R.REQUESTED}), _R.ACCEPTED),
        Move("reject", Side.RECEIVER, RESPOND, frozenset({_R.REQUESTED}), _R.REJECTED, "reason"),
        Move("start", Side.RECEIVER, RESPOND, frozenset({_R.ACCEPTED}), _R.IN_PROGRESS),
        Move("complete", Side.RECEIVER, RESPOND, frozenset({_R.IN_PROGRESS}), _R.COMPLETED, "outcome"),
        Move("fail", Side.RECEIVER, RESPOND, frozenset({_R.IN_PROGRESS}), _R.FAILED, "reason"),
        Move("cancel", Side.SENDER, CANCEL, frozenset({_R.REQUESTED}), _R.CANCELLED, "reason"),
    )
}
"""The states of the design (aligned with FHIR Task) and who moves between them."""


@dataclass(frozen=True, kw_only=True)
class NewReferral:
    person_id: uuid.UUID
    to_agency: str
    reason: str
    urgency: Urgency
    idempotency_key: str
    service_code: str | None = None
    case_id: uuid.UUID | None = None
    consent_id: uuid.UUID | None = None


async def create_referral(
    session: AsyncSession,
    actor: Actor,
    *,
    data: NewReferral,
    response_times: deadlines.ResponseTimes = deadlines.DEFAULT,
) -> Referral:
    """Send a person to another agency. The same idempotency key from the same agency returns the same
    referral, also when two requests race (the unique key decides, and the loser reads the winner's)."""
    actor.require(CREATE)
    key = data.idempotency_key.strip()
    if not key or len(key) > 200:
        raise ValidationFailed("Give an idempotency key of 1 to 200 characters.", field="idempotency_key")
    existing = await _by_key(session, actor, key)
    if existing is not None:
        await _log_replay(session, actor, existing)
        return existing
    person = await persons.person_for_change(session, actor, data.person_id, field="person_id")
    receiver = await session.get(Agency, data.to_agency)
    if receiver is None:
        raise NotFound(f"No agency has the code {data.to_agency!r}.", field="to_agency_code")
    if receiver.code == actor.agency_code:
        raise ValidationFailed("A referral goes to another agency.", field="to_agency_code")
    reason = data.reason.strip()
    if not reason:
        raise ValidationFailed("Say why the person is referred.", field="reason")
    if data.service_code is not None and await session.get(Service, data.service_code) is None:
        raise NotFound(f"No service has the code {data.service_code!r}.", field="service_code")
    case = None
    if data.case_id is not None:  # rule 11: coordination happens within an open case of the same person
        case = await cases.require_open_case(session, actor, case_id=data.case_id, person_id=person.id)
    consent_id, flagged, review_reason = await _consent(session, person.id, receiver, data)
    if await _overbooks(session, receiver, data):
        flagged = True
        review_reason = "; ".join(filter(None, (review_reason, _OVERBOOKED)))
    now = clock.now()
    today = now.astimezone(clock.BAKU).date()
    working = await calendar.load_calendar(session, start=today, end=today + deadlines.HORIZON)
    statement = (
        insert(Referral)
        .values(
            id=uuid.uuid4(),
            person_id=person.id,
            from_agency=actor.agency_code,
            to_agency=receiver.code,
            reason=reason,
            urgency=data.urgency,
            status=ReferralStatus.REQUESTED,
            service_code=data.service_code,
            case_id=data.case_id,
            consent_id=consent_id,
            idempotency_key=key,
            flagged_for_review=flagged,
            review_reason=review_reason,
            due_at=deadlines.due_at(data.urgency, sent_at=now, calendar=working, times=response_times),
            created_by=actor.label,
        )
        .on_conflict_do_nothing(constraint="uq_referrals_idempotency")
        .returning(Referral.id)
    )
    created = (await session.execute(statement)).scalar_one_or_none()
    if created is None:  # a concurrent request with the same key won; its referral is the answer
        raced = await _by_key(session, actor, key)
        if raced is None:
            raise Conflict("A referral with this key is being created; try again.", field="idempotency_key")
        await _log_replay(session, actor, raced)
        return raced
    referral = await session.get(Referral, created)
    assert referral is not None  # just inserted in this transaction
    await _record(session, actor, referral, None, note=reason, action=CREATE)
    if case is not None:
        await cases.note_referral(
            session,
            actor,
            case=case,
            referral_id=referral.id,
            to_agency=referral.to_agency,
            urgency=referral.urgency.value,
        )
    return referral


async def move_referral(
    session: AsyncSession,
    actor: Actor,
    *,
    referral_id: uuid.UUID,
    move: str,
    note: str | None = None,
    reason: str | None = None,
    outcome: str | None = None,
    irp_reference: str | None = None,
) -> Referral:
    """Apply one move. Two moves at once: the first takes the row's lock, the other gets `Conflict`.
    `irp_reference` is for accepting a referral to a service that follows the person's Individual
    Rehabilitation Program (rule 14): the enrollment made on acceptance needs it."""
    step = MOVES[move]
    actor.require(step.permission)
    referral = await _lock(session, actor, referral_id)
    own = referral.to_agency if step.side is Side.RECEIVER else referral.from_agency
    if actor.agency_code != own:
        who = "receiving" if step.side is Side.RECEIVER else "sending"
        raise AccessDenied(f"Only the {who} agency ({own}) may {move} this referral.", action=step.permission)
    if referral.status not in step.from_states:
        raise InvalidTransition(
            f"A referral that is {referral.status.value} cannot be {move}ed"
            f" ({' or '.join(sorted(s.value for s in step.from_states))} can).",
            field="id",
        )
    needed = {"reason": reason, "outcome": outcome}.get(step.needs or "")
    needed = (needed or "").strip() or None
    if step.needs is not None and needed is None:
        raise ValidationFailed(f"Give the {step.needs}.", field=step.needs)
    remark = (note or "").strip() or None
    before = referral.status
    if step.to_state is ReferralStatus.ACCEPTED and referral.service_code is not None:
        await _enroll_on_acceptance(session, actor, referral, irp_reference=irp_reference)
    if step.to_state is ReferralStatus.FAILED and referral.enrollment_id is not None:
        # The service was not delivered: the enrollment the acceptance made ends, and frees its place.
        await enrollments.discharge(
            session,
            actor,
            enrollment_id=referral.enrollment_id,
            reason=EnrollmentEndReason.REFERRAL_FAILED,
            note=f"referral {referral.id} failed: {needed}",
        )
    referral.status = step.to_state
    if step.needs == "outcome":
        referral.outcome = needed
    await session.flush()
    history_note = " | ".join(part for part in (needed, remark) if part) or None
    await _record(session, actor, referral, before, note=history_note, action=f"referral:{move}")
    if referral.status is ReferralStatus.ACCEPTED and referral.service_code is not None:
        await _post_admission(session, actor, referral)
    return referral


async def get_referrals(
    session: AsyncSession, actor: Actor, *, ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[Referral]:
    actor.require(READ)
    query = select(Referral).where(Referral.id.in_(ids), _involves(actor))
    found = list((await session.scalars(query)).all())
    await audit.record_read(session, actor, found, action=READ, entity_type="referral", fields=fields)
    return found


async def referrals_of_cases(
    session: AsyncSession, actor: Actor, *, case_ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[Referral]:
    """The referrals made within cases (`Case.referrals`), those the actor's agency sent or received."""
    actor.require(READ)
    query = select(Referral).where(Referral.case_id.in_(case_ids), _involves(actor))
    found = list((await session.scalars(query.order_by(Referral.created_at, Referral.id))).all())
    await audit.record_read(session, actor, found, action=READ, entity_type="referral", fields=fields)
    return found


@dataclass(frozen=True, kw_only=True)
class ReferralFilter:
    direction: str | None = None  # INCOMING, OUTGOING, or either
    status: ReferralStatus | None = None
    urgency: Urgency | None = None
    overdue: bool | None = None
    case_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None  # as the caller named them: real, or a `PseudonymousId`


async def find_referrals(
    session: AsyncSession,
    actor: Actor,
    *,
    filter: ReferralFilter,
    first: int | None,
    after: str | None,
    fields: Sequence[str] = (),
) -> Page[Referral]:
    """The actor's agency's referrals, newest first."""
    actor.require(READ)
    query = _filtered(actor, filter)
    page: Page[Referral] = await newest_first(
        session,
        query,
        moment=Referral.created_at,
        row_id=Referral.id,
        key=lambda referral: (referral.created_at, referral.id),
        first=first,
        after=after,
    )
    await audit.record_read(session, actor, page.items, action=READ, entity_type="referral", fields=fields)
    return page


async def count_referrals(session: AsyncSession, actor: Actor, *, filter: ReferralFilter) -> int:
    """How many referrals `find_referrals` lists with `filter`, all pages together."""
    actor.require(READ)
    return await count_rows(session, _filtered(actor, filter))


def _filtered(actor: Actor, filter: ReferralFilter) -> Select[Referral]:
    query = select(Referral).where(_involves(actor))
    if filter.direction == "INCOMING":
        query = query.where(Referral.to_agency == actor.agency_code)
    elif filter.direction == "OUTGOING":
        query = query.where(Referral.from_agency == actor.agency_code)
    if filter.status is not None:
        query = query.where(Referral.status == filter.status)
    if filter.urgency is not None:
        query = query.where(Referral.urgency == filter.urgency)
    if filter.case_id is not None:
        query = query.where(Referral.case_id == filter.case_id)
    if filter.person_id is not None:
        # The person's referrals as their id was given: a real id reaches only a person shown to the
        # actor, a pseudonymous one a person in its remit; any other id lists nothing (never an error,
        # which would tell that the person exists).
        query = query.where(
            remit.reachable(actor, Referral.person_id, Referral.person_id, [filter.person_id])
        )
    if filter.overdue is not None:
        late = Referral.status == ReferralStatus.REQUESTED
        late = late & (Referral.due_at < clock.now())
        query = query.where(late if filter.overdue else ~late)
    return query


async def history_of(
    session: AsyncSession, actor: Actor, *, referral_ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[ReferralMove]:
    """The moves of referrals the actor's agency sent or received, oldest first. Logged like a read of
    the referrals: a move's note may speak of the person."""
    actor.require(READ)
    visible = select(Referral.id, Referral.person_id).where(Referral.id.in_(referral_ids), _involves(actor))
    shown = {row.id: row.person_id for row in (await session.execute(visible)).all()}
    query = (
        select(ReferralMove)
        .where(ReferralMove.referral_id.in_(list(shown)))
        .order_by(ReferralMove.referral_id, ReferralMove.id)
    )
    found = list((await session.scalars(query)).all())
    if shown:
        await audit.record(
            session,
            actor,
            action=READ,
            entity_type="referral_move",
            entity_id=next(iter(shown)) if len(shown) == 1 else None,
            person_ids=sorted(set(shown.values())),
            fields=fields,
            details={"moves": len(found)},
        )
    return found


def overdue(referral: Referral) -> bool:
    """Not answered by its deadline (a referral still REQUESTED after `due_at`)."""
    return referral.status is ReferralStatus.REQUESTED and referral.due_at < clock.now()


def _involves(actor: Actor) -> ColumnElement[bool]:
    return or_(Referral.from_agency == actor.agency_code, Referral.to_agency == actor.agency_code)


async def _by_key(session: AsyncSession, actor: Actor, key: str) -> Referral | None:
    query = select(Referral).where(Referral.from_agency == actor.agency_code, Referral.idempotency_key == key)
    return await session.scalar(query)


async def _consent(
    session: AsyncSession, person_id: uuid.UUID, receiver: Agency, data: NewReferral
) -> tuple[uuid.UUID | None, bool, str | None]:
    """Rule 2 (000 §16, 002 step 1): a non-state body receives a person only with their consent; in an
    emergency the referral goes without it and is flagged for review."""
    if receiver.is_state_body:
        return data.consent_id, False, None
    in_force = [
        Consent.person_id == person_id,
        Consent.agency_code == receiver.code,
        Consent.revoked_at.is_(None),
        Consent.valid_until >= clock.today(),
    ]
    if data.consent_id is not None:
        in_force.append(Consent.id == data.consent_id)
    consent_id = await session.scalar(select(Consent.id).where(*in_force).limit(1))
    if consent_id is not None:
        return consent_id, False, None
    if data.urgency is Urgency.EMERGENCY:
        return None, True, "emergency referral to a non-state body without the person's consent"
    raise ValidationFailed(
        f"{receiver.code} is not a state body: record the person's consent naming it first"
        " (recordConsent), or refer as an EMERGENCY.",
        field="consent_id",
        code=RegistryErrorCode.CONSENT_REQUIRED,
    )


_OVERBOOKED = "emergency referral to a provider without a free place for the service"


async def _overbooks(session: AsyncSession, receiver: Agency, data: NewReferral) -> bool:
    """A referral with a service needs a free place at the receiver: `NoCapacity`, naming providers of
    the service in the same region with a free place, unless it is an EMERGENCY (rule 12, Strategy
    8.4.5: an immediate response), which goes through and is flagged for review (True)."""
    if data.service_code is None:
        return False
    provides = await session.get(ServiceProvider, (data.service_code, receiver.code))
    if provides is None:
        raise ValidationFailed(
            f"{receiver.code} does not provide service {data.service_code}.",
            field="service_code",
            code=RegistryErrorCode.NOT_A_PROVIDER,
        )
    try:
        await capacity.require_free_place(
            session, agency_code=receiver.code, service_code=data.service_code, field="to_agency_code"
        )
    except capacity.NoCapacity:
        if data.urgency is not Urgency.EMERGENCY:
            raise
        return True
    return False


async def _enroll_on_acceptance(
    session: AsyncSession, actor: Actor, referral: Referral, *, irp_reference: str | None
) -> None:
    """Accepting a referral that names a service enrolls the person at the receiver, taking a place
    (the capacity row stays locked until the move commits, so racing accepts cannot overbook). An
    EMERGENCY may overbook, and is then flagged for review. A person already enrolled there keeps
    their enrollment and place."""
    assert referral.service_code is not None  # checked by the caller
    already = await session.scalar(
        select(Enrollment.id).where(
            Enrollment.person_id == referral.person_id,
            Enrollment.service_code == referral.service_code,
            Enrollment.provider_code == referral.to_agency,
            Enrollment.status == EnrollmentStatus.ACTIVE,
        )
    )
    if already is not None:
        return
    overbook = referral.urgency is Urgency.EMERGENCY
    enrolled = await enrollments.admit(
        session,
        actor,
        person_id=referral.person_id,
        service_code=referral.service_code,
        provider_code=referral.to_agency,
        overbook=overbook,
        irp_reference=irp_reference,
        note=f"accepted referral {referral.id}",
        field="id",
    )
    referral.enrollment_id = enrolled.id
    if overbook and not referral.flagged_for_review:
        full = await capacity.capacity_of(
            session, agency_code=referral.to_agency, service_code=referral.service_code
        )
        if full is not None and full.taken > full.places:
            referral.flagged_for_review = True
            referral.review_reason = _OVERBOOKED


async def _lock(session: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> Referral:
    query = select(Referral).where(Referral.id == referral_id, _involves(actor)).with_for_update(nowait=True)
    try:
        async with session.begin_nested():
            referral = await session.scalar(query)
    except DBAPIError as err:
        if getattr(err.orig, "sqlstate", None) == "55P03" or "could not obtain lock" in str(err.orig):
            raise Conflict("Someone is moving this referral right now; try again.", field="id") from None
        raise
    if referral is None:
        raise NotFound("No referral has this id.", field="id")
    return referral


async def _record(
    session: AsyncSession,
    actor: Actor,
    referral: Referral,
    before: ReferralStatus | None,
    *,
    note: str | None,
    action: str,
) -> None:
    session.add(
        ReferralMove(
            referral_id=referral.id,
            from_status=before,
            to_status=referral.status,
            actor_user=actor.user_id,
            actor_agency=actor.agency_code,
            note=note,
        )
    )
    await session.flush()
    await audit.record(
        session,
        actor,
        action=action,
        entity_type="referral",
        entity_id=referral.id,
        person_id=referral.person_id,
        details={"from": None if before is None else before.value, "to": referral.status.value},
    )
    payload = {
        "referral": str(referral.id),
        "from_agency": referral.from_agency,
        "to_agency": referral.to_agency,
        "status": referral.status.value,
        "previous": None if before is None else before.value,
        "by_agency": actor.agency_code,
    }
    await session.execute(_NOTIFY, {"channel": CHANNEL, "payload": orjson.dumps(payload).decode()})


async def _log_replay(session: AsyncSession, actor: Actor, referral: Referral) -> None:
    """A repeated key returns the existing referral, and whoever sent it sees it again: logged as the
    action asked (`referral:create`), about the referral and its person, marked `replay` in the
    event's details, so the log counts every caller who was shown it and tells a replay from a
    creation."""
    await audit.record(
        session,
        actor,
        action=CREATE,
        entity_type="referral",
        entity_id=referral.id,
        person_id=referral.person_id,
        details={"replay": True, "status": referral.status.value},
    )


async def _post_admission(session: AsyncSession, actor: Actor, referral: Referral) -> None:
    """Rule 5 (passport 01-09-15-00, step 10): the decision goes to the person's E-sosial cabinet. Until
    applications exist, accepting a referral that names a service (which enrolls the person) is the
    decision SXVİS makes about a service; it is posted through the outbox, with this move's transaction."""
    fin = await session.scalar(select(Person.fin).where(Person.id == referral.person_id))
    service = None if referral.service_code is None else await session.get(Service, referral.service_code)
    if fin is None or service is None:
        return
    await outbox.post_decision(
        session,
        actor,
        person_id=referral.person_id,
        fin=fin,
        service_code=service.code,
        decision=outbox.DecisionKind.GRANTED,
        text=f"{service.name_az}: {referral.to_agency} qəbul etdi / accepted by {referral.to_agency}.",
        reference=f"referral/{referral.id}",
    )
