"""Opening cases and moving them through the Strategy's phases, each change one transaction.

Rule 11 (Strategy 6.1.4): needs assessment → service package → coordination → monitoring → closure.

- `record_assessment`: in every open phase; moves ASSESSMENT to SERVICE_PACKAGE, else the phase stays.
- `set_service_plan`: in SERVICE_PACKAGE, COORDINATION, MONITORING; moves SERVICE_PACKAGE to COORDINATION.
- `add_monitoring_entry`: in COORDINATION, MONITORING; moves the case to MONITORING.
- `close_case`: in every open phase; to CLOSED.
- `reopen_case`: in CLOSED only; back to ASSESSMENT.

So a plan needs an assessment, monitoring needs a plan, and phases only move forward; a re-assessment
or a revised plan later on is recorded without moving the case back. A reopened case starts again
from a needs assessment (its earlier assessment and plan stay in the timeline). A closed case takes no
entry but `reopen_case`, which is explicit, needs a reason, and is logged like any change.

Every change writes, together or not at all: the case, a timeline entry (who, agency, when, kind,
summary) and an access event. Only the managing agency changes a case (`case:update`, `case:close`);
a case is seen by the managing agency and by agencies whose remit holds its person (the read is logged).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.cases.enums import OPEN_PHASES, CaseEntryKind, CasePhase, NeedDomain, RiskLevel
from sxvis.cases.models import Case, CaseEntry
from sxvis.catalogue.models import Agency, Service
from sxvis.errors import AccessDenied, Conflict, Duplicate, InvalidTransition, NotFound, ValidationFailed
from sxvis.pagination import Page, count_rows, newest_first
from sxvis.registry import persons

OPEN = "case:open"
READ = "case:read"
UPDATE = "case:update"
CLOSE = "case:close"
ENTITY = "case"
MAX_TEXT = 4000

_P = CasePhase


@dataclass(frozen=True)
class Step:
    """One kind of change: the permission it needs, the phases it is allowed in, where it leads."""

    kind: CaseEntryKind
    action: str  # the access event's action
    permission: str
    from_phases: frozenset[CasePhase]
    moves: dict[CasePhase, CasePhase] = field(default_factory=dict)  # from → to; absent: stays
    refusal: str = ""  # why, when the phase does not allow it


STEPS = {
    step.kind: step
    for step in (
        Step(
            CaseEntryKind.ASSESSMENT,
            "case:assess",
            UPDATE,
            OPEN_PHASES,
            {_P.ASSESSMENT: _P.SERVICE_PACKAGE},
        ),
        Step(
            CaseEntryKind.SERVICE_PLAN,
            "case:plan",
            UPDATE,
            frozenset({_P.SERVICE_PACKAGE, _P.COORDINATION, _P.MONITORING}),
            {_P.SERVICE_PACKAGE: _P.COORDINATION},
            "a service plan needs a needs assessment first (recordAssessment)",
        ),
        Step(
            CaseEntryKind.MONITORING,
            "case:monitor",
            UPDATE,
            frozenset({_P.COORDINATION, _P.MONITORING}),
            {_P.COORDINATION: _P.MONITORING},
            "monitoring needs a service plan first (setServicePlan)",
        ),
        Step(CaseEntryKind.CLOSED, "case:close", CLOSE, OPEN_PHASES, {p: _P.CLOSED for p in OPEN_PHASES}),
        Step(
            CaseEntryKind.REOPENED,
            "case:reopen",
            CLOSE,
            frozenset({_P.CLOSED}),
            {_P.CLOSED: _P.ASSESSMENT},
            "only a closed case can be reopened",
        ),
    )
}
"""Rule 11's order, as data: each change, where it is allowed and which phase it leads to."""


@dataclass(frozen=True, kw_only=True)
class Need:
    domain: NeedDomain
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class ServicePlan:
    needs: Sequence[NeedDomain]
    goals: Sequence[str]
    service_codes: Sequence[str]
    agency_codes: Sequence[str]


@dataclass(frozen=True, kw_only=True)
class CaseFilter:
    person_id: uuid.UUID | None = None
    phase: CasePhase | None = None
    open: bool | None = None
    manager_id: str | None = None


async def open_case(session: AsyncSession, actor: Actor, *, person_id: uuid.UUID, manager_id: str) -> Case:
    """Open a case about a person in the actor's remit, managed by `manager_id` of the actor's agency."""
    actor.require(OPEN)
    manager = _text(manager_id, field="manager_id", limit=200)
    person = await persons.person_for_change(session, actor, person_id, field="person_id")
    await _require_no_open_case(session, person.id, actor.agency_code)
    case = Case(
        id=uuid.uuid4(),
        person_id=person.id,
        agency_code=actor.agency_code,
        manager_id=manager,
        phase=CasePhase.ASSESSMENT,
        opened_by=actor.label,
    )
    session.add(case)
    await _flush_unique(session)
    await _record(
        session,
        actor,
        case,
        None,
        kind=CaseEntryKind.OPENED,
        action=OPEN,
        summary=f"Case opened; managed by {manager}.",
        details={"manager": manager},
    )
    return case


async def record_assessment(
    session: AsyncSession,
    actor: Actor,
    *,
    case_id: uuid.UUID,
    needs: Sequence[Need],
    risk_level: RiskLevel,
    note: str | None = None,
) -> Case:
    """The needs assessment: one need per domain, and the risk level."""
    step = STEPS[CaseEntryKind.ASSESSMENT]
    case = await _for_change(session, actor, case_id, step)
    if not needs:
        raise ValidationFailed("Name at least one need.", field="needs")
    domains = [n.domain for n in needs]
    if len(set(domains)) != len(domains):
        raise ValidationFailed("Name each domain once.", field="needs")
    listed = [
        {"domain": n.domain.value, "description": _optional_text(n.description, field="needs")} for n in needs
    ]
    remark = _optional_text(note, field="note")
    again = case.assessment is not None
    case.assessment = {"needs": listed, "note": remark}
    case.risk_level = risk_level
    summary = (
        f"{'Re-assessment' if again else 'Needs assessment'}: {', '.join(d.value for d in domains)};"
        f" risk {risk_level.value}."
    )
    return await _apply(
        session,
        actor,
        case,
        step,
        summary=summary,
        note=remark,
        details={"needs": listed, "risk": risk_level},
    )


async def set_service_plan(
    session: AsyncSession, actor: Actor, *, case_id: uuid.UUID, plan: ServicePlan
) -> Case:
    """The service package: the needs it answers, its goals, the services and the agencies responsible."""
    step = STEPS[CaseEntryKind.SERVICE_PLAN]
    case = await _for_change(session, actor, case_id, step)
    assessed = {NeedDomain(n["domain"]) for n in (case.assessment or {}).get("needs", [])}
    if not plan.needs:
        raise ValidationFailed("Name the needs the plan answers.", field="needs")
    unassessed = sorted({n.value for n in plan.needs if n not in assessed})
    if unassessed:
        raise ValidationFailed(
            f"The assessment found no need in {', '.join(unassessed)}; assess it first.", field="needs"
        )
    goals = [_text(g, field="goals") for g in plan.goals]
    if not goals:
        raise ValidationFailed("Give at least one goal.", field="goals")
    services = _unique(s.strip() for s in plan.service_codes)
    agencies = _unique(a.strip() for a in plan.agency_codes)
    if not agencies:
        raise ValidationFailed("Name the agencies responsible.", field="responsible_agency_codes")
    for code in services:
        if await session.get(Service, code) is None:
            raise NotFound(f"No service has the code {code!r}.", field="service_codes")
    for code in agencies:
        if await session.get(Agency, code) is None:
            raise NotFound(f"No agency has the code {code!r}.", field="responsible_agency_codes")
    revised = case.service_plan is not None
    content = {
        "needs": _unique(n.value for n in plan.needs),
        "goals": goals,
        "services": services,
        "agencies": agencies,
    }
    case.service_plan = content
    summary = (
        f"{'Service plan revised' if revised else 'Service plan'}: {len(goals)} goal(s);"
        f" services {', '.join(services) or 'none'}; responsible {', '.join(agencies)}."
    )
    return await _apply(session, actor, case, step, summary=summary, details=content)


async def add_monitoring_entry(
    session: AsyncSession, actor: Actor, *, case_id: uuid.UUID, visit_date: date, note: str, outcome: str
) -> Case:
    """A monitoring visit: when, what was seen, and the outcome so far."""
    step = STEPS[CaseEntryKind.MONITORING]
    case = await _for_change(session, actor, case_id, step)
    if visit_date > clock.today():
        raise ValidationFailed("A visit cannot be in the future.", field="visit_date")
    if visit_date < case.created_at.astimezone(clock.BAKU).date():
        raise ValidationFailed("The visit is before the case was opened.", field="visit_date")
    written = _text(note, field="note")
    result = _text(outcome, field="outcome")
    return await _apply(
        session,
        actor,
        case,
        step,
        summary=f"Monitoring visit on {visit_date.isoformat()}.",
        visit_date=visit_date,
        note=written,
        outcome=result,
    )


async def close_case(session: AsyncSession, actor: Actor, *, case_id: uuid.UUID, reason: str) -> Case:
    step = STEPS[CaseEntryKind.CLOSED]
    case = await _for_change(session, actor, case_id, step)
    why = _text(reason, field="reason")
    case.closed_at = clock.now()
    case.close_reason = why
    return await _apply(session, actor, case, step, summary="Case closed.", note=why)


async def reopen_case(session: AsyncSession, actor: Actor, *, case_id: uuid.UUID, reason: str) -> Case:
    """Reopen a closed case: explicit, with a reason, logged; it starts again from a needs assessment."""
    step = STEPS[CaseEntryKind.REOPENED]
    case = await _for_change(session, actor, case_id, step)
    why = _text(reason, field="reason")
    await _require_no_open_case(session, case.person_id, case.agency_code)
    case.closed_at = None
    case.close_reason = None
    return await _apply(session, actor, case, step, summary="Case reopened.", note=why)


async def require_open_case(
    session: AsyncSession, actor: Actor, *, case_id: uuid.UUID, person_id: uuid.UUID, field: str = "case_id"
) -> Case:
    """The open case a referral is part of: one the actor sees, about the same person, not closed."""
    case = await session.scalar(select(Case).where(Case.id == case_id, _visible(actor)))
    if case is None:
        raise NotFound("No case has this id.", field=field)
    if case.person_id != person_id:
        raise ValidationFailed("The case is about another person.", field=field)
    if case.phase is CasePhase.CLOSED:
        raise InvalidTransition("The case is CLOSED: reopen it before referring from it.", field=field)
    return case


async def note_referral(
    session: AsyncSession, actor: Actor, *, case: Case, referral_id: uuid.UUID, to_agency: str, urgency: str
) -> None:
    """Put a referral made within the case on its timeline, in the same transaction as the referral.
    The referral's own access event covers this write; its later moves stay in its own history."""
    session.add(
        CaseEntry(
            case_id=case.id,
            person_id=case.person_id,
            kind=CaseEntryKind.REFERRAL,
            from_phase=case.phase,
            to_phase=case.phase,
            actor_user=actor.user_id,
            actor_agency=actor.agency_code,
            summary=f"Referred to {to_agency} ({urgency})",
            details={"referral_id": str(referral_id), "to_agency": to_agency, "urgency": urgency},
        )
    )
    await session.flush()


async def get_cases(
    session: AsyncSession, actor: Actor, *, ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[Case]:
    actor.require(READ)
    found = list((await session.scalars(select(Case).where(Case.id.in_(ids), _visible(actor)))).all())
    await audit.record_read(
        session, actor, found, action=READ, entity_type=ENTITY, fields=fields, details={"cases": len(found)}
    )
    return found


async def cases_of(
    session: AsyncSession, actor: Actor, *, person_ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[Case]:
    """The cases of persons, newest first; logged for every person asked about ("no case" is learnt too)."""
    actor.require(READ)
    query = (
        select(Case)
        .where(Case.person_id.in_(person_ids), _visible(actor))
        .order_by(Case.person_id, Case.created_at.desc(), Case.id.desc())
    )
    found = list((await session.scalars(query)).all())
    await audit.record_read(
        session,
        actor,
        found,
        action=READ,
        entity_type=ENTITY,
        asked_about=person_ids,
        fields=fields,
        details={"cases": len(found)},
    )
    return found


async def find_cases(
    session: AsyncSession,
    actor: Actor,
    *,
    filter: CaseFilter,
    first: int | None,
    after: str | None,
    fields: Sequence[str] = (),
) -> Page[Case]:
    """The cases the actor sees, newest first."""
    actor.require(READ)
    page: Page[Case] = await newest_first(
        session,
        _filtered(actor, filter),
        moment=Case.created_at,
        row_id=Case.id,
        key=lambda case: (case.created_at, case.id),
        first=first,
        after=after,
    )
    await audit.record_read(
        session,
        actor,
        page.items,
        action=READ,
        entity_type=ENTITY,
        fields=fields,
        details={"cases": len(page.items)},
    )
    return page


async def count_cases(session: AsyncSession, actor: Actor, *, filter: CaseFilter) -> int:
    """How many cases `find_cases` lists with `filter`, all pages together."""
    actor.require(READ)
    return await count_rows(session, _filtered(actor, filter))


def _filtered(actor: Actor, filter: CaseFilter) -> Select[Case]:
    query = select(Case).where(_visible(actor))
    if filter.person_id is not None:
        # By the person's id as given: a real id reaches only a person shown to the actor.
        query = query.where(
            Case.person_id == filter.person_id,
            or_(
                Case.agency_code == actor.agency_code,
                remit.reachable(actor, Case.person_id, Case.person_id, [filter.person_id]),
            ),
        )
    if filter.phase is not None:
        query = query.where(Case.phase == filter.phase)
    if filter.open is not None:
        closed = Case.phase == CasePhase.CLOSED
        query = query.where(~closed if filter.open else closed)
    if filter.manager_id is not None:
        query = query.where(Case.manager_id == filter.manager_id)
    return query


async def timeline_of(
    session: AsyncSession, actor: Actor, *, case_ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[CaseEntry]:
    """The timelines of cases the actor sees, oldest entry first; the read is logged."""
    actor.require(READ)
    visible = select(Case.id).where(_visible(actor))
    query = (
        select(CaseEntry)
        .where(CaseEntry.case_id.in_(case_ids), CaseEntry.case_id.in_(visible))
        .order_by(CaseEntry.case_id, CaseEntry.id)
    )
    found = list((await session.scalars(query)).all())
    if found:
        await audit.record(
            session,
            actor,
            action=READ,
            entity_type="case_entry",
            entity_id=found[0].case_id if len({e.case_id for e in found}) == 1 else None,
            person_ids=sorted({e.person_id for e in found}),
            fields=fields,
            details={"entries": len(found)},
        )
    return found


def is_open(case: Case) -> bool:
    return case.phase in OPEN_PHASES


def _visible(actor: Actor) -> ColumnElement[bool]:
    """The managing agency sees its cases; others see a case while their remit holds its person."""
    return or_(Case.agency_code == actor.agency_code, remit.person_id_visible(actor, Case.person_id))


async def _for_change(session: AsyncSession, actor: Actor, case_id: uuid.UUID, step: Step) -> Case:
    """The case, locked, if the actor's agency manages it and its phase allows the step."""
    actor.require(step.permission)
    query = select(Case).where(Case.id == case_id, _visible(actor)).with_for_update(nowait=True)
    try:
        async with session.begin_nested():
            case = await session.scalar(query)
    except DBAPIError as err:
        if getattr(err.orig, "sqlstate", None) == "55P03" or "could not obtain lock" in str(err.orig):
            raise Conflict("Someone is changing this case right now; try again.", field="id") from None
        raise
    if case is None:
        raise NotFound("No case has this id.", field="id")
    if case.agency_code != actor.agency_code:
        raise AccessDenied(
            f"Only the managing agency ({case.agency_code}) may change this case.",
            action=step.permission,
            person_id=case.person_id,
        )
    if case.phase not in step.from_phases:
        if case.phase is CasePhase.CLOSED:
            raise InvalidTransition(
                "The case is CLOSED and takes no new entries; reopen it first (reopenCase).", field="id"
            )
        raise InvalidTransition(f"The case is in phase {case.phase.value}: {step.refusal}.", field="id")
    return case


async def _apply(
    session: AsyncSession,
    actor: Actor,
    case: Case,
    step: Step,
    *,
    summary: str,
    note: str | None = None,
    visit_date: date | None = None,
    outcome: str | None = None,
    details: dict[str, Any] | None = None,
) -> Case:
    before = case.phase
    case.phase = step.moves.get(before, before)
    await _flush_unique(session)
    await _record(
        session,
        actor,
        case,
        before,
        kind=step.kind,
        action=step.action,
        summary=summary,
        note=note,
        visit_date=visit_date,
        outcome=outcome,
        details=details,
    )
    return case


async def _record(
    session: AsyncSession,
    actor: Actor,
    case: Case,
    before: CasePhase | None,
    *,
    kind: CaseEntryKind,
    action: str,
    summary: str,
    note: str | None = None,
    visit_date: date | None = None,
    outcome: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        CaseEntry(
            case_id=case.id,
            person_id=case.person_id,
            kind=kind,
            from_phase=before,
            to_phase=case.phase,
            actor_user=actor.user_id,
            actor_agency=actor.agency_code,
            summary=summary,
            visit_date=visit_date,
            note=note,
            outcome=outcome,
            details=details,
        )
    )
    await session.flush()
    await session.refresh(case)
    await audit.record(
        session,
        actor,
        action=action,
        entity_type=ENTITY,
        entity_id=case.id,
        person_id=case.person_id,
        details={
            "kind": kind.value,
            "from": None if before is None else before.value,
            "to": case.phase.value,
        },
    )


async def _require_no_open_case(session: AsyncSession, person_id: uuid.UUID, agency_code: str) -> None:
    query = select(Case.id).where(
        Case.person_id == person_id, Case.agency_code == agency_code, Case.phase != CasePhase.CLOSED
    )
    if await session.scalar(query.limit(1)) is not None:
        raise Duplicate("Your agency already has an open case about this person.", field="person_id")


async def _flush_unique(session: AsyncSession) -> None:
    """Flush, turning a lost race on "one open case per agency" into the pre-check's `Duplicate`."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as err:
        if "uq_cases_open_per_agency" in str(err.orig):
            raise Duplicate(
                "Your agency already has an open case about this person.", field="person_id"
            ) from None
        raise


def _text(value: str, *, field: str, limit: int = MAX_TEXT) -> str:
    stripped = (value or "").strip()
    if not stripped:
        raise ValidationFailed(f"Give the {field.replace('_', ' ')}.", field=field)
    if len(stripped) > limit:
        raise ValidationFailed(f"At most {limit} characters.", field=field)
    return stripped


def _optional_text(value: str | None, *, field: str) -> str | None:
    stripped = (value or "").strip()
    if len(stripped) > MAX_TEXT:
        raise ValidationFailed(f"At most {MAX_TEXT} characters.", field=field)
    return stripped or None


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
