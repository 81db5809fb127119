"""Domestic-violence cases as GraphQL types: the interview records (rule 10, passport 09-03-00-00 step 3)."""

from datetime import date, datetime

import strawberry

from sxvis.protection import enums
from sxvis.protection.models import Interview as InterviewModel

InterviewKind = strawberry.enum(
    enums.InterviewKind, description="Who interviewed the victim: the DOST centre's lawyer or psychologist."
)


@strawberry.type(
    description="An interview with a domestic-violence victim (passport 09-03-00-00, step 3). Read only by "
    "the case workers of the agency that registered the case; every read is logged."
)
class DomesticViolenceInterview:
    kind: InterviewKind  # type: ignore[valid-type]
    interviewer: str
    held_on: date
    record: str
    recorded_by: str
    recorded_at: datetime


def interview_of(i: InterviewModel) -> DomesticViolenceInterview:
    return DomesticViolenceInterview(
        kind=i.kind,
        interviewer=i.interviewer,
        held_on=i.held_on,
        record=i.record,
        recorded_by=i.recorded_by,
        recorded_at=i.created_at,
    )
