"""Inputs of the access domain's mutations."""

from datetime import date

import strawberry

from schema.access.types import BreakGlassReasonCode


@strawberry.input(description="A person's consent that an agency may see their data.")
class RecordConsentInput:
    person_id: strawberry.ID
    agency_code: str = strawberry.field(description="The agency the person consents to, e.g. NGO-QADIN.")
    purpose: str = strawberry.field(description="What the agency may use the data for.")
    valid_until: date = strawberry.field(description="The last day the consent is in force; not in the past.")


@strawberry.input
class RevokeConsentInput:
    id: strawberry.ID
    reason: str


@strawberry.input(description="Open a protected person's identity to yourself, for a short time.")
class BreakGlassInput:
    person_id: strawberry.ID
    reason_code: BreakGlassReasonCode  # type: ignore[valid-type]
    reason: str = strawberry.field(
        description="What the emergency is, in at least 20 characters: the protecting agency is told "
        "and an auditor reviews it."
    )


@strawberry.input
class ReviewBreakGlassInput:
    id: strawberry.ID
    note: str = strawberry.field(description="What the review found.")
