"""Inputs of the referral mutations and queries."""

from enum import Enum

import strawberry

from schema.referrals.types import ReferralStatus, Urgency


@strawberry.enum(description="Referrals your agency received, or sent.")
class ReferralDirection(Enum):
    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


@strawberry.input
class CreateReferralInput:
    person_id: strawberry.ID
    to_agency_code: str
    reason: str
    urgency: Urgency  # type: ignore[valid-type]
    idempotency_key: str = strawberry.field(
        description="Your key for this request: the same key from your agency returns the same referral."
    )
    case_id: strawberry.ID | None = None
    service_code: str | None = None
    consent_id: strawberry.ID | None = None


@strawberry.input(description="Accept or start a referral (the receiver).")
class MoveReferralInput:
    id: strawberry.ID
    note: str | None = None
    irp_reference: str | None = strawberry.field(
        default=None,
        description="Accepting only: the person's Individual Rehabilitation Program, for a service that "
        "follows one (rule 14); the enrollment made on acceptance records it.",
    )


@strawberry.input(
    description="Reject or fail (the receiver), or cancel (the sender): the reason is required."
)
class ReasonedMoveInput:
    id: strawberry.ID
    reason: str
    note: str | None = None


@strawberry.input(description="Complete a referral (the receiver): the outcome is required.")
class CompleteReferralInput:
    id: strawberry.ID
    outcome: str
    note: str | None = None


@strawberry.input
class ReferralFilter:
    direction: ReferralDirection | None = None
    status: ReferralStatus | None = None  # type: ignore[valid-type]
    urgency: Urgency | None = None  # type: ignore[valid-type]
    overdue: bool | None = None
    case_id: strawberry.ID | None = None
    person_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The person's referrals your agency sent or received, by the id you were shown "
        "(real or pseudonymous); a person you may not see has none.",
    )
