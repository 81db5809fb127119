"""Break-the-glass: a case manager's time-limited opening of a protected person's identity.

A protected person (a domestic-violence victim, passport 09-03-00-00 step 5) is a pseudonym to every
agency but the one protecting them. In an emergency a case manager may need to know who the person is
now, without waiting for that agency; they may open the identity for themselves alone, for a few
minutes, by saying why. The opening is not a quiet one: the protecting agency is told at once (a
notice), the access log records the reason, and an auditor reviews every opening afterwards.

The grant is a row of `break_glass_grants`; `sxvis.access.remit.identity_disclosed` honours it until it
expires, for that user of that agency only. Services never commit: the caller's transaction decides.
"""

import uuid
from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.access import notices
from sxvis.access.models import BreakGlassGrant
from sxvis.actors import Actor
from sxvis.errors import InvalidTransition, NotFound, ValidationFailed
from sxvis.pagination import Page, count_rows, newest_first
from sxvis.registry import persons
from sxvis.registry.models import Person

OPEN = "person:break_glass"
REVIEW = "break_glass:review"
ENTITY = "break_glass"
MIN_REASON_LENGTH = 20
"""A reason an auditor can judge: a sentence, not "urgent"."""


class REASON_CODES(StrEnum):
    """Why the glass was broken, in categories an auditor can count."""

    IMMEDIATE_DANGER = "IMMEDIATE_DANGER"
    CHILD_PROTECTION = "CHILD_PROTECTION"
    COURT_ORDER = "COURT_ORDER"
    MEDICAL_EMERGENCY = "MEDICAL_EMERGENCY"
    CASE_CONTINUITY = "CASE_CONTINUITY"


async def break_glass(
    session: AsyncSession,
    actor: Actor,
    *,
    person_id: uuid.UUID,
    reason_code: str,
    reason: str,
    minutes: int,
) -> BreakGlassGrant:
    """Open a protected person's identity to the actor for `minutes`, tell the protecting agency, log it."""
    actor.require(OPEN)
    code = _reason_code(reason_code)
    why = _reason(reason)
    person = await persons.person_for_change(session, actor, person_id, field="person_id")
    holder = _protecting_agency(actor, person)
    grant = BreakGlassGrant(
        id=uuid.uuid4(),
        person_id=person.id,
        user_id=actor.user_id,
        agency_code=actor.agency_code,
        reason_code=code.value,
        reason=why,
        expires_at=clock.now() + timedelta(minutes=minutes),
    )
    session.add(grant)
    await session.flush()
    await _tell_holder(session, actor, grant, holder)
    await audit.record(
        session,
        actor,
        action=OPEN,
        entity_type=ENTITY,
        entity_id=grant.id,
        person_id=person.id,
        reason=why,
        details={"reason_code": code.value, "expires_at": grant.expires_at.isoformat()},
    )
    return grant


async def count_break_glass(session: AsyncSession, actor: Actor, *, reviewed: bool | None = None) -> int:
    """How many openings `list_break_glass` lists with `reviewed`, all pages together."""
    actor.require(REVIEW)
    return await count_rows(session, _reviewed(select(BreakGlassGrant), reviewed))


def person_for_review(actor: Actor, person_id: uuid.UUID) -> uuid.UUID:
    """An opening's person by their real id, which the access log uses, for those who review openings.
    To anyone else it is refused: a real id would link one protected person across agencies."""
    actor.require(REVIEW)
    return person_id


async def list_break_glass(
    session: AsyncSession,
    actor: Actor,
    *,
    reviewed: bool | None = None,
    first: int | None = None,
    after: str | None = None,
    fields: Sequence[str] = (),
) -> Page[BreakGlassGrant]:
    """Openings for review, newest first; `reviewed` narrows to those reviewed (True) or not (False)."""
    actor.require(REVIEW)
    page: Page[BreakGlassGrant] = await newest_first(
        session,
        _reviewed(select(BreakGlassGrant), reviewed),
        moment=BreakGlassGrant.opened_at,
        row_id=BreakGlassGrant.id,
        key=lambda grant: (grant.opened_at, grant.id),
        first=first,
        after=after,
    )
    await audit.record(
        session,
        actor,
        action="break_glass:read",
        entity_type=ENTITY,
        person_ids=sorted({g.person_id for g in page.items}),
        fields=fields,
    )
    return page


async def review_break_glass(
    session: AsyncSession, actor: Actor, *, grant_id: uuid.UUID, note: str
) -> BreakGlassGrant:
    """Record an auditor's judgement of one opening; an opening is reviewed once."""
    actor.require(REVIEW)
    cleaned = note.strip()
    if not cleaned:
        raise ValidationFailed("Write what the review found.", field="note")
    grant = await session.scalar(
        select(BreakGlassGrant).where(BreakGlassGrant.id == grant_id).with_for_update()
    )
    if grant is None:
        raise NotFound("No break-the-glass event has this id.", field="id")
    if grant.reviewed_at is not None:
        raise InvalidTransition("This break-the-glass event is already reviewed.", field="id")
    grant.reviewed_at = clock.now()
    grant.reviewed_by = actor.label
    grant.review_note = cleaned
    await session.flush()
    await audit.record(
        session,
        actor,
        action=REVIEW,
        entity_type=ENTITY,
        entity_id=grant.id,
        person_id=grant.person_id,
        reason=cleaned,
    )
    return grant


def _reason_code(value: str) -> REASON_CODES:
    try:
        return REASON_CODES(value.strip().upper())
    except ValueError:
        known = ", ".join(REASON_CODES)
        raise ValidationFailed(f"Unknown reason code; use one of {known}.", field="reason_code") from None


def _reason(value: str) -> str:
    cleaned = value.strip()
    if len(cleaned) < MIN_REASON_LENGTH:
        raise ValidationFailed(
            f"Explain the emergency in at least {MIN_REASON_LENGTH} characters; an auditor will read it.",
            field="reason",
        )
    return cleaned


def _protecting_agency(actor: Actor, person: Person) -> str:
    """The agency to tell; refuses a person who is not protected, or whom the actor's agency protects."""
    if not person.protected or person.protected_by is None:
        raise ValidationFailed(
            "This person is not protected; their identity is already open.", field="person_id"
        )
    if person.protected_by == actor.agency_code:
        raise ValidationFailed("Your agency already sees this identity.", field="person_id")
    return person.protected_by


async def _tell_holder(session: AsyncSession, actor: Actor, grant: BreakGlassGrant, holder: str) -> None:
    """Post the BREAK_GLASS notice to the protecting agency.

    Not through `notices.post`: its ORM flush reads the new row back (`INSERT … RETURNING id`), and a
    returned row must pass the SELECT policy of row-level security, which shows a notice only to its
    own agency; a notice to another agency (the point of this one) would fail the whole opening. A
    plain INSERT returns nothing, so only the INSERT policy applies.
    """
    details = {
        "user": actor.user_id,
        "agency": actor.agency_code,
        "reason_code": grant.reason_code,
        "expires_at": grant.expires_at.isoformat(),
    }
    await notices.post(
        session,
        agency_code=holder,
        kind=notices.NoticeKind.BREAK_GLASS,
        person_id=grant.person_id,
        message=(
            f"{actor.label} broke the glass on a person your agency protects "
            f"({grant.reason_code}), until {grant.expires_at.isoformat(timespec='minutes')}."
        ),
        details=details,
    )


def _reviewed(query: Select[BreakGlassGrant], reviewed: bool | None) -> Select[BreakGlassGrant]:
    if reviewed is None:
        return query
    if reviewed:
        return query.where(BreakGlassGrant.reviewed_at.is_not(None))
    return query.where(BreakGlassGrant.reviewed_at.is_(None))
