"""A referral as a FHIR R4 `Task`, so that partners who speak FHIR need not learn our schema.

Pure mapping, no I/O: the front reads the referral and its history (logged like any read) and passes
the person's reference, which is always pseudonymous: a FHIR message travels further than our API.
"""

from collections.abc import Sequence
from typing import Any

from sxvis.referrals.enums import ReferralStatus, Urgency
from sxvis.referrals.models import Referral, ReferralMove

STATUS = {
    ReferralStatus.REQUESTED: "requested",
    ReferralStatus.ACCEPTED: "accepted",
    ReferralStatus.REJECTED: "rejected",
    ReferralStatus.CANCELLED: "cancelled",
    ReferralStatus.IN_PROGRESS: "in-progress",
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.FAILED: "failed",
}
PRIORITY = {Urgency.ROUTINE: "routine", Urgency.URGENT: "urgent", Urgency.EMERGENCY: "stat"}
IDENTIFIER_SYSTEM = "urn:sxvis:referral"
TASK_FIELDS = (
    "id",
    "identifier",
    "status",
    "intent",
    "priority",
    "description",
    "for",
    "authoredOn",
    "lastModified",
    "requester",
    "owner",
    "reasonCode",
    "restriction",
    "statusReason",
    "code",
    "output",
)
"""The Task elements a read shows, for its access event's `fields`."""
OUTPUT_FIELDS = ("output",)
"""What a Task shows of the referral's history (each move as an `output`), for its access event."""


def task_of(referral: Referral, history: Sequence[ReferralMove], *, patient_id: str) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(referral.id),
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": str(referral.id)}],
        "status": STATUS[referral.status],
        "intent": "order",
        "priority": PRIORITY[referral.urgency],
        "description": referral.reason,
        "for": {"reference": f"Patient/{patient_id}"},
        "authoredOn": referral.created_at.isoformat(),
        "lastModified": referral.updated_at.isoformat(),
        "requester": {"reference": f"Organization/{referral.from_agency}"},
        "owner": {"reference": f"Organization/{referral.to_agency}"},
        "reasonCode": {"text": referral.reason},
        "restriction": {"period": {"end": referral.due_at.isoformat()}},
        "output": [_output(move) for move in history],
    }
    last = history[-1] if history else None
    if last is not None and last.note and referral.status in _REASONED:
        task["statusReason"] = {"text": last.note}
    if referral.service_code:
        task["code"] = {"coding": [{"system": "urn:sxvis:service", "code": referral.service_code}]}
    return task


_REASONED = frozenset({ReferralStatus.REJECTED, ReferralStatus.CANCELLED, ReferralStatus.FAILED})


def _output(move: ReferralMove) -> dict[str, Any]:
    before = "none" if move.from_status is None else STATUS[move.from_status]
    who = f"{move.actor_user}@{move.actor_agency}"
    text = f"{before} -> {STATUS[move.to_status]} by {who} at {move.at.isoformat()}"
    if move.note:
        text += f": {move.note}"
    return {"type": {"text": "status-change"}, "valueString": text}
