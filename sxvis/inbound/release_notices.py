"""The Ministry of Justice's release notices: a person left a penitentiary institution.

The notice arrives signed (`integrations.adapters.justice` verifies it; `sxvis.web.justice_http` is the
route). Here, in one transaction: the message id is stored (a second notice with the same id is a
`Replayed` one and the transaction rolls back, changing nothing); the person is found by FIN; the
circumstance "released from a penitentiary institution" (`RELEASED_FROM_PRISON`, Strategy §3) is recorded,
sourced to the ministry (EN), attributed to the ministry's official, and logged.

A notice for a FIN the registry does not hold is accepted all the same and kept as `unmatched`: the
answer must not tell the sender whether someone is in a registry of vulnerable persons. The ministry
learns nothing back either way, which is why it needs no remit over the person (migration 0011 lets an
EN-scoped transaction insert exactly this circumstance, and nothing else).
"""

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.actors import Actor
from sxvis.errors import Duplicate, ValidationFailed
from sxvis.inbound.models import InboundMessage
from sxvis.registry import validation
from sxvis.registry.enums import CircumstanceCategory
from sxvis.registry.models import Circumstance

JUSTICE = "EN"
MINISTRY = "justice"
KIND = "release_notice"
RECORD = "circumstance:record"


class Replayed(Duplicate):
    """A message id already processed: the notice is refused and nothing changes."""


class NoticeOutcome(StrEnum):
    RECORDED = "recorded"
    UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent the notice, as its verified envelope says."""

    message_id: str
    client_id: str
    user_id: str
    issue: str


@dataclass(frozen=True, slots=True)
class ReleaseNotice:
    fin: str
    released_on: date
    institution: str | None = None


@dataclass(frozen=True, slots=True)
class Received:
    message_id: str
    outcome: NoticeOutcome
    circumstance_id: uuid.UUID | None


async def receive_release_notice(
    session: AsyncSession, actor: Actor, *, sender: Sender, notice: ReleaseNotice
) -> Received:
    """Record one verified release notice; `Replayed` for a message id already processed."""
    actor.require(RECORD)
    if actor.agency_code != JUSTICE:
        raise ValidationFailed("Release notices come from the Ministry of Justice only.", field="agency")
    fin = validation.normalise_fin(notice.fin)
    if notice.released_on > clock.today():
        raise ValidationFailed("A release date cannot be in the future.", field="releasedOn")
    person_id = await session.scalar(text("SELECT id FROM sxvis_hidden_person(NULL, :fin)"), {"fin": fin})
    outcome = NoticeOutcome.UNMATCHED if person_id is None else NoticeOutcome.RECORDED
    try:
        # Before anything else, so that a replay changes nothing; a concurrent twin waits on the key.
        async with session.begin_nested():
            await session.execute(
                insert(InboundMessage).values(
                    message_id=sender.message_id,
                    ministry=MINISTRY,
                    kind=KIND,
                    client_id=sender.client_id,
                    sent_by=sender.user_id,
                    issue=sender.issue,
                    agency_code=JUSTICE,
                    person_id=person_id,
                    outcome=outcome.value,
                )
            )
    except IntegrityError:
        raise Replayed(f"Message {sender.message_id} was already received.", field="messageId") from None
    circumstance_id = None
    if person_id is not None:
        circumstance_id = uuid.uuid4()
        note = f"Release notice {sender.message_id} from the Ministry of Justice"
        if notice.institution:
            note += f" ({notice.institution})"
        # No RETURNING: the ministry may insert this row, not read it back (migration 0011).
        await session.execute(
            insert(Circumstance).values(
                id=circumstance_id,
                person_id=person_id,
                category=CircumstanceCategory.RELEASED_FROM_PRISON,
                since=notice.released_on,
                until=None,
                source_agency=JUSTICE,
                note=note,
                recorded_by=actor.label,
            )
        )
    await audit.record(
        session,
        actor,
        action=RECORD if person_id is not None else f"{KIND}:unmatched",
        entity_type="circumstance" if person_id is not None else "inbound_message",
        entity_id=circumstance_id or sender.message_id,
        person_id=person_id,
        details={
            "category": CircumstanceCategory.RELEASED_FROM_PRISON.value,
            "message_id": sender.message_id,
            "issue": sender.issue,
            "outcome": outcome.value,
        },
    )
    return Received(message_id=sender.message_id, outcome=outcome, circumstance_id=circumstance_id)
