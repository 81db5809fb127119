"""A person's consent that another agency may see their data: recording, revoking, reading.

Consent is how a person's record reaches an agency that neither registered them nor serves them (an
NGO, the police): while a consent is in force the database puts the person in that agency's remit
(triggers of migration 0004 keep `person_remit`), and when it is revoked or its date passes, the
person leaves it again. So these services only write `consents`; they never touch the remit.

Who may record or revoke is the policy's (`consent:record`, `consent:revoke`); which consents an actor
sees is the remit's: those of persons the actor's agency sees. Every write and every read is an access
event. Services never commit: the caller's transaction decides.
"""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.catalogue.models import Agency
from sxvis.errors import InvalidTransition, NotFound, ValidationFailed
from sxvis.registry import persons
from sxvis.registry.models import Consent

RECORD = "consent:record"
REVOKE = "consent:revoke"
READ = "consent:read"
"""The access event's action for a read; reading needs `person:read`, there is no permission of its own."""

ENTITY = "consent"


async def record_consent(
    session: AsyncSession,
    actor: Actor,
    *,
    person_id: uuid.UUID,
    agency_code: str,
    purpose: str,
    valid_until: date,
) -> Consent:
    """Record that a person in the actor's remit consents to `agency_code` seeing their data for
    `purpose` until `valid_until` (inclusive, a Baku date)."""
    actor.require(RECORD)
    person = await persons.person_for_change(session, actor, person_id, field="person_id")
    await _require_agency(session, agency_code)
    consent = Consent(
        id=uuid.uuid4(),
        person_id=person.id,
        agency_code=agency_code,
        purpose=_purpose(purpose),
        valid_until=_not_past(valid_until),
        recorded_by=actor.user_id,
        recorded_by_agency=actor.agency_code,
    )
    session.add(consent)
    await session.flush()
    await _log(session, actor, RECORD, consent, details={"agency": agency_code})
    return consent


async def revoke_consent(
    session: AsyncSession, actor: Actor, *, consent_id: uuid.UUID, reason: str
) -> Consent:
    """Revoke a consent in force: the agency it named loses the person from its remit at once."""
    actor.require(REVOKE)
    consent = await session.scalar(
        select(Consent)
        .where(Consent.id == consent_id, remit.person_id_visible(actor, Consent.person_id))
        .with_for_update()
    )
    if consent is None:
        raise NotFound("No consent has this id.", field="id")
    if consent.revoked_at is not None:
        raise InvalidTransition("This consent is already revoked.", field="id")
    consent.revoked_at = clock.now()
    consent.revoked_by = actor.user_id
    consent.revoke_reason = reason.strip() or None
    await session.flush()
    await _log(session, actor, REVOKE, consent, reason=consent.revoke_reason)
    return consent


async def consents_of(
    session: AsyncSession, actor: Actor, *, person_ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[Consent]:
    """The consents (in force or not) of those of `person_ids` in the actor's remit, newest first."""
    actor.require(persons.READ)
    query = (
        select(Consent)
        .where(remit.reachable(actor, Consent.person_id, Consent.person_id, person_ids))
        .order_by(Consent.created_at.desc(), Consent.id)
    )
    found = list((await session.scalars(query)).all())
    await audit.record(
        session,
        actor,
        action=READ,
        entity_type=ENTITY,
        person_ids=sorted({c.person_id for c in found}),
        fields=fields,
    )
    return found


def in_force(consent: Consent, *, today: date | None = None) -> bool:
    """Not revoked, and its last day not yet past."""
    return consent.revoked_at is None and consent.valid_until >= (today or clock.today())


async def _require_agency(session: AsyncSession, agency_code: str) -> None:
    if not agency_code or await session.get(Agency, agency_code) is None:
        raise NotFound("No agency has this code.", field="agency_code")


def _purpose(purpose: str) -> str:
    cleaned = purpose.strip()
    if not cleaned:
        raise ValidationFailed("Say what the consent is for.", field="purpose")
    return cleaned


def _not_past(valid_until: date) -> date:
    if valid_until < clock.today():
        raise ValidationFailed("A consent cannot end in the past.", field="valid_until")
    return valid_until


async def _log(
    session: AsyncSession,
    actor: Actor,
    action: str,
    consent: Consent,
    *,
    reason: str | None = None,
    details: dict[str, object] | None = None,
) -> None:
    await audit.record(
        session,
        actor,
        action=action,
        entity_type=ENTITY,
        entity_id=consent.id,
        person_id=consent.person_id,
        reason=reason,
        details=details,
    )
