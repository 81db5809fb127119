"""Inputs of the application mutations and queries."""

from datetime import date

import strawberry

from schema.applications.types import ApplicantKind, ApplicationDecision, ApplicationStatus
from schema.enums import ApplicationForm, DocumentForm, RefusalGround


@strawberry.input(description="Who applies for the person (rule 2).")
class RepresentativeInput:
    name: str
    relation: str | None = None
    document: str | None = strawberry.field(
        default=None,
        description="The power of attorney or guardianship document (required for a LEGAL_REPRESENTATIVE).",
    )


@strawberry.input(
    description="A required document handed in: its number in the passport's list, and its form."
)
class DocumentInput:
    position: int
    form: DocumentForm  # type: ignore[valid-type]


@strawberry.input
class SubmitApplicationInput:
    service_code: str
    applicant_kind: ApplicantKind  # type: ignore[valid-type]
    channel: ApplicationForm = strawberry.field(  # type: ignore[valid-type]
        description="How it arrived: one of the application forms the passport lists."
    )
    idempotency_key: str = strawberry.field(
        description="Your key for this request: the same key from your agency returns the same application."
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="A person in your remit; or give `fin` instead."
    )
    fin: str | None = strawberry.field(
        default=None,
        description="Intake by FIN: a registered person who may be outside your remit (logged as INTAKE).",
    )
    kind: str | None = strawberry.field(
        default=None, description="The passport's variant where it has any (vouchers: TREATMENT or REST)."
    )
    representative: RepresentativeInput | None = None
    consent_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The person's consent naming your agency: required unless the applicant is the person "
        "(SELF) or their LEGAL_REPRESENTATIVE.",
    )
    documents: list[DocumentInput] = strawberry.field(default_factory=list)


@strawberry.input(description="Rule 3: the need, assessed the day the application arrives.")
class AssessApplicationInput:
    id: strawberry.ID
    need: str
    note: str | None = None


@strawberry.input
class DecideApplicationInput:
    id: strawberry.ID
    decision: ApplicationDecision  # type: ignore[valid-type]
    ground: RefusalGround | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="REFUSE only: one of the passport's refusal grounds (rule 6)."
    )
    note: str | None = None
    provider_code: str | None = strawberry.field(
        default=None,
        description="APPROVE only: the provider to enroll with, where the passport has several and your "
        "agency is not one of them.",
    )
    irp_reference: str | None = strawberry.field(
        default=None,
        description="APPROVE only: the Individual Rehabilitation Program, where the passport needs one "
        "(rule 14).",
    )


@strawberry.input
class WithdrawApplicationInput:
    id: strawberry.ID
    reason: str


@strawberry.input(description="Rule 9: serve the first `count` waiting applications, in submission order.")
class AllocateFromQueueInput:
    service_code: str
    kind: str | None = None
    count: int


@strawberry.input
class ApplicationFilter:
    status: ApplicationStatus | None = None  # type: ignore[valid-type]
    service_code: str | None = None
    overdue: bool | None = None
    queue: bool | None = strawberry.field(default=None, description="Waiting in a queue (WAITING).")
    from_: date | None = strawberry.field(
        default=None, name="from", description="Submitted on or after (Baku)."
    )
    to: date | None = strawberry.field(default=None, description="Submitted on or before (Baku).")
