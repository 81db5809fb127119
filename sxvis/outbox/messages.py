"""What SXVİS tells ministries, and when: each message is built here and put in the outbox.

- Police (rule 10; passport 09-03-00-00, step 4: "the law-enforcement bodies are informed of the
  domestic-violence incident"): when a domestic-violence circumstance is recorded, an urgent report. It
  carries what the police need to act and route it (the incident, when, where by region and district,
  whether the victim is a child, which agency and official to contact) and a reference that is the
  circumstance's random id: no name, FIN, address or contact. The victim's identity stays with the
  reporting agency (step 5: "with the person's anonymity protected"); the police ask the agency, which
  answers through its own, logged, channels.
- E-sosial (rule 5; passport 01-09-15-00, step 10: the decision is posted to the person's cabinet): a
  decision about a service. It carries the FIN, because the cabinet is the person's own and is found by
  it. Applications do not exist yet; today the decision is posted when a referral for a named service is
  completed (`sxvis.referrals.service.move_referral`).

Each enqueue writes an access event for the disclosure in the caller's transaction; the worker writes
another when the ministry has the message.
"""

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.actors import Actor
from sxvis.outbox.service import Queued, enqueue
from sxvis.registry.models import Circumstance, Person

POLICE = "police"
ESOSIAL = "esosial"
DOMESTIC_VIOLENCE_REPORT = "domestic_violence_report"
DECISION = "decision"
ADULTHOOD_YEARS = 18


class DecisionKind(StrEnum):
    SERVICE_PROVIDED = "SERVICE_PROVIDED"
    GRANTED = "GRANTED"
    REFUSED = "REFUSED"


async def report_domestic_violence(
    session: AsyncSession, actor: Actor, *, person: Person, circumstance: Circumstance
) -> Queued:
    """Tell the police, urgently and pseudonymously, of a domestic-violence case just recorded."""
    today = clock.today()
    payload = {
        "reference": str(circumstance.id),
        "incident": "DOMESTIC_VIOLENCE",
        "since": circumstance.since.isoformat(),
        "reportedAt": clock.now().isoformat(),
        "regionCode": person.region_code,
        "districtCode": person.district_code,
        "victimIsChild": _years_between(person.birth_date, today) < ADULTHOOD_YEARS,
        "reportingAgency": actor.agency_code,
        "reportingOfficial": actor.label,
    }
    queued = await enqueue(
        session,
        actor,
        ministry=POLICE,
        kind=DOMESTIC_VIOLENCE_REPORT,
        payload=payload,
        issue=f"circumstance/{circumstance.id}",
        person_id=person.id,
        urgent=True,
    )
    await _log_disclosure(session, actor, queued, person.id, sorted(payload))
    return queued


async def post_decision(
    session: AsyncSession,
    actor: Actor,
    *,
    person_id: uuid.UUID,
    fin: str,
    service_code: str,
    decision: DecisionKind,
    text: str,
    reference: str,
    decided_on: date | None = None,
) -> Queued:
    """Post a decision to the person's E-sosial cabinet, through the outbox."""
    payload = {
        "fin": fin,
        "serviceCode": service_code,
        "decision": decision.value,
        "text": text,
        "decidedOn": (decided_on or clock.today()).isoformat(),
        "decidedBy": actor.agency_code,
        "reference": reference,
    }
    queued = await enqueue(
        session,
        actor,
        ministry=ESOSIAL,
        kind=DECISION,
        payload=payload,
        issue=reference,
        person_id=person_id,
    )
    await _log_disclosure(session, actor, queued, person_id, sorted(payload))
    return queued


async def _log_disclosure(
    session: AsyncSession, actor: Actor, queued: Queued, person_id: uuid.UUID, fields: list[str]
) -> None:
    await audit.record(
        session,
        actor,
        action=f"{queued.ministry}:{queued.kind}",
        entity_type="outbox_message",
        entity_id=queued.id,
        person_id=person_id,
        fields=fields,
        details={"ministry": queued.ministry, "kind": queued.kind},
    )


def _years_between(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
