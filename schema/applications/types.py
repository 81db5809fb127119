"""Applications as GraphQL types: the person as the caller may see them (a pseudonym for a protected
person not entitled to the caller, and then no representative, need or notes), the passport's deadlines,
what is missing, the evidence from the ministries, the history, the place in the queue."""

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from enum import Enum

import strawberry
from strawberry import relay
from strawberry.types import Info

from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.catalogue.types import Agency, RequiredDocument, Service, agency_or_none, service_or_none
from schema.checks.types import CheckKind, CheckStatus
from schema.enums import ApplicationForm, DocumentForm, RefusalGround
from schema.errors import api_field
from schema.registry.types import Enrollment, Person, enrollment_shown, person_or_none
from schema.relay import Edge, PageInfo, selected_fields
from sxvis import clock
from sxvis.applications import deadlines, enums
from sxvis.applications import service as applications
from sxvis.applications.errors import ApplicationErrorCode
from sxvis.applications.models import Application as ApplicationModel
from sxvis.applications.models import ApplicationMove as MoveModel
from sxvis.checks import shown
from sxvis.errors import DomainError

ApplicationStatus = strawberry.enum(
    enums.ApplicationStatus,
    description="SUBMITTED → ASSESSED → APPROVED (enrolled) or WAITING (in the queue of a rationed service) "
    "→ ALLOCATED; REFUSED (on a passport ground) or WITHDRAWN on the way.",
)
ApplicantKind = strawberry.enum(enums.ApplicantKind, description="Who applies for the person (rule 2).")
ApplicationDecision = strawberry.enum(enums.Decision, name="ApplicationDecision")
ApplicationDeadlineKind = strawberry.enum(enums.DeadlineKind, name="ApplicationDeadlineKind")
ApplicationErrorCodeType = strawberry.enum(
    Enum("ApplicationErrorCode", {m.name: m.value for m in ApplicationErrorCode}),  # type: ignore[misc]
    name="ApplicationErrorCode",
    description="Why an application mutation did not change anything.",
)


@strawberry.type(description="An expected failure of an application mutation: nothing was changed.")
class ApplicationError:
    field: str | None = strawberry.field(description="The input field at fault, as named in the input.")
    code: ApplicationErrorCodeType  # type: ignore[valid-type]
    message: str

    @classmethod
    def of(cls, error: DomainError) -> "ApplicationError":
        return cls(
            field=api_field(error.field),
            code=ApplicationErrorCodeType(error.code.value),
            message=error.message,
        )


@strawberry.type(description="Who applied for the person, and with which document (rule 2).")
class Representative:
    name: str
    relation: str | None
    document: str | None = strawberry.field(description="The power of attorney or guardianship document.")


@strawberry.type(description="A deadline of the application, from its passport (rules 3-5).")
class ApplicationDeadline:
    kind: ApplicationDeadlineKind  # type: ignore[valid-type]
    due_at: datetime
    met: bool | None = strawberry.field(
        description="Whether it was met: null while it is still running and nothing was due by it yet."
    )


@strawberry.type(description="A required document handed in with the application, and its form.")
class HandedInDocument:
    position: int
    form: DocumentForm  # type: ignore[valid-type]


@strawberry.type(
    description="A check run at intake (rule 8) as it stands now, with the provenance of its fact: the "
    "source system and the message id that brought it."
)
class ApplicationEvidence:
    kind: CheckKind  # type: ignore[valid-type]
    status: CheckStatus  # type: ignore[valid-type]
    source_system: str | None
    message_id: str | None
    obtained_at: datetime | None
    fact: strawberry.scalars.JSON | None = strawberry.field(
        description="The ministry's record; what would identify someone is left out under a pseudonym."
    )
    pending_since: datetime | None
    error: str | None


@strawberry.type(
    description="One step of an application: who, from which agency, when, from and to which state."
)
class ApplicationMove:
    action: str
    from_status: ApplicationStatus | None  # type: ignore[valid-type]
    to_status: ApplicationStatus  # type: ignore[valid-type]
    actor_user: str
    actor_agency_code: str
    note: str | None
    at: datetime


@strawberry.type(description="A person's application for a service, under the service's passport.")
class Application(relay.Node):
    id: relay.NodeID[str]
    status: ApplicationStatus  # type: ignore[valid-type]
    kind: str | None = strawberry.field(description="The passport's variant, e.g. TREATMENT or REST.")
    applicant_kind: ApplicantKind  # type: ignore[valid-type]
    representative: Representative | None = strawberry.field(description="Null under a pseudonym.")
    channel: ApplicationForm  # type: ignore[valid-type]
    submitted_at: datetime
    assessment_due_at: datetime = strawberry.field(description="Rule 3: the end of the day it arrived.")
    deadline_at: datetime | None = strawberry.field(description="The passport's total duration (rule 4).")
    decision_post_by: datetime | None = strawberry.field(
        description="Rule 5: the decision reaches E-sosial by then, one working day before the deadline."
    )
    overdue: bool = strawberry.field(
        description="Not assessed by the end of its day, or undecided past the passport's deadline."
    )
    assessed_at: datetime | None
    need: str | None = strawberry.field(description="The assessed need; null under a pseudonym.")
    decided_at: datetime | None
    refusal_ground: RefusalGround | None  # type: ignore[valid-type]
    decision_note: str | None = strawberry.field(description="Null under a pseudonym.")
    decision_posted_at: datetime | None = strawberry.field(description="When the decision went to E-sosial.")
    queued_at: datetime | None
    allocated_at: datetime | None
    allocated_position: int | None = strawberry.field(
        description="Its place in the queue when it was served."
    )
    withdrawn_reason: str | None = strawberry.field(description="Null under a pseudonym.")
    escalated_at: datetime | None = strawberry.field(
        description="When it was escalated to the handling agency as at risk of missing decisionPostBy."
    )
    person_id: strawberry.Private[uuid.UUID]
    application_id: strawberry.Private[uuid.UUID]
    service_code: strawberry.Private[str]
    agency_code: strawberry.Private[str]
    provider_code: strawberry.Private[str | None]
    enrollment_id: strawberry.Private[uuid.UUID | None]
    hidden: strawberry.Private[bool]
    model: strawberry.Private[ApplicationModel]

    @strawberry.field(description="The person, as your agency may see them.")
    async def person(self, info: Info[Context, None]) -> Person | None:
        return person_or_none(
            await registry_resolvers.person_by_id(info.context, self.person_id, fields=selected_fields(info))
        )

    @strawberry.field
    async def service(self, info: Info[Context, None]) -> Service | None:
        return service_or_none(await info.context.loaders.service.load(self.service_code))

    @strawberry.field(description="The agency that took the application and decides it.")
    async def handling_agency(self, info: Info[Context, None]) -> Agency | None:
        return agency_or_none(await info.context.loaders.agency.load(self.agency_code))

    @strawberry.field(description="The provider the approval enrolled the person with.")
    async def provider(self, info: Info[Context, None]) -> Agency | None:
        if self.provider_code is None:
            return None
        return agency_or_none(await info.context.loaders.agency.load(self.provider_code))

    @strawberry.field(description="The enrollment the approval made.")
    async def enrollment(self, info: Info[Context, None]) -> Enrollment | None:
        if self.enrollment_id is None:
            return None
        return await enrollment_shown(info.context, self.enrollment_id, selected_fields(info))

    @strawberry.field(description="Every deadline of the passport, with whether it was met (rules 3-5).")
    def deadlines(self) -> list[ApplicationDeadline]:
        return deadlines_of(self.model)

    @strawberry.field(description="The documents handed in, by their number in the passport's list.")
    async def documents(self, info: Info[Context, None]) -> list[HandedInDocument]:
        found = await info.context.loaders.applications.documents.load(self.application_id)
        return [HandedInDocument(position=d.position, form=d.form) for d in found]

    @strawberry.field(
        description="Rule 7: the passport's required documents neither handed in nor obtained from a "
        "ministry's fact."
    )
    async def missing_documents(self, info: Info[Context, None]) -> list[RequiredDocument]:
        found = await info.context.loaders.applications.missing.load(self.application_id)
        return [
            RequiredDocument(
                position=d.position, name_az=d.name_az, name_en=d.name_en, forms=d.forms, note=d.note
            )
            for d in found
        ]

    @strawberry.field(description="The intake checks (rule 8), with source system, message id and time.")
    async def evidence(self, info: Info[Context, None]) -> list[ApplicationEvidence]:
        found = await info.context.loaders.applications.evidence.load(self.application_id)
        return [evidence_of(e, disclosed=not self.hidden) for e in found]

    @strawberry.field(description="The checks it still waits for: a ministry that has not answered yet.")
    async def waiting_for(self, info: Info[Context, None]) -> list[CheckKind]:  # type: ignore[valid-type]
        found = await info.context.loaders.applications.evidence.load(self.application_id)
        return [e.kind for e in found if e.status.value == "PENDING"]

    @strawberry.field(description="Rule 9: its place in the queue while WAITING (1 is served next).")
    async def queue_position(self, info: Info[Context, None]) -> int | None:
        if self.status is not enums.ApplicationStatus.WAITING:
            return None
        return await info.context.loaders.applications.queue_position.load(self.application_id)

    @strawberry.field(description="Every step, oldest first: moves, escalations, allocations.")
    async def history(self, info: Info[Context, None]) -> list[ApplicationMove]:
        found = await info.context.loaders.applications.history.load(self.application_id)
        return [move_of(m, hidden=self.hidden) for m in found]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list["Application | None"]:
        ctx = info.context
        out: list[Application | None] = []
        for node_id in node_ids:
            record_id = registry_resolvers.record_id_of(ctx, node_id)
            found = (
                None
                if record_id is None
                else await ctx.loaders.applications.application.load(
                    (record_id, tuple(selected_fields(info)))
                )
            )
            out.append(None if found is None else await application_for(ctx, found))
        return out


def deadlines_of(a: ApplicationModel) -> list[ApplicationDeadline]:
    listed = deadlines.listed(
        deadlines.Deadlines(
            assessment=a.assessment_due_at,
            front_office=a.front_office_due_at,
            back_office=a.back_office_due_at,
            service=a.deadline_at,
            decision_posting=a.decision_post_by,
        )
    )
    now = clock.now()
    out = []
    for kind, due in listed:
        done = a.assessed_at if kind is enums.DeadlineKind.ASSESSMENT else a.decided_at
        if kind is enums.DeadlineKind.DECISION_POSTING:
            done = a.decision_posted_at
        if kind is enums.DeadlineKind.ASSESSMENT and done is None and a.decided_at is not None:
            done = a.decided_at  # refused before an assessment
        met = None if done is None and due >= now else (done is not None and done <= due)
        if a.status in (enums.ApplicationStatus.WITHDRAWN,) and done is None:
            met = None
        out.append(ApplicationDeadline(kind=kind, due_at=due, met=met))
    return out


def evidence_of(e: applications.Evidence, *, disclosed: bool) -> ApplicationEvidence:
    fact = e.fact
    return ApplicationEvidence(
        kind=e.kind,
        status=e.status,
        source_system=fact.source_system if fact else None,
        message_id=fact.message_id if fact else None,
        obtained_at=fact.obtained_at if fact else None,
        fact=shown(e.kind, fact.value, disclosed=disclosed) if fact else None,
        pending_since=e.pending_since,
        error=e.error,
    )


def move_of(m: MoveModel, *, hidden: bool) -> ApplicationMove:
    return ApplicationMove(
        action=m.action,
        from_status=m.from_status,
        to_status=m.to_status,
        actor_user=m.actor_user,
        actor_agency_code=m.actor_agency,
        note=None if hidden else m.note,
        at=m.at,
    )


def application_of(a: ApplicationModel, *, shown_id: str, hidden: bool) -> Application:
    representative = None
    if a.representative_name is not None and not hidden:
        representative = Representative(
            name=a.representative_name, relation=a.representative_relation, document=a.representative_document
        )
    return Application(
        id=shown_id,
        status=a.status,
        kind=a.kind,
        applicant_kind=a.applicant_kind,
        representative=representative,
        channel=a.channel,
        submitted_at=a.submitted_at,
        assessment_due_at=a.assessment_due_at,
        deadline_at=a.deadline_at,
        decision_post_by=a.decision_post_by,
        overdue=applications.overdue(a),
        assessed_at=a.assessed_at,
        need=None if hidden else a.need,
        decided_at=a.decided_at,
        refusal_ground=a.refusal_ground,
        decision_note=None if hidden else a.decision_note,
        decision_posted_at=a.decision_posted_at,
        queued_at=a.queued_at,
        allocated_at=a.allocated_at,
        allocated_position=a.allocated_position,
        withdrawn_reason=None if hidden else a.withdrawn_reason,
        escalated_at=a.escalated_at,
        person_id=a.person_id,
        application_id=a.id,
        service_code=a.service_code,
        agency_code=a.agency_code,
        provider_code=a.provider_code,
        enrollment_id=a.enrollment_id,
        hidden=hidden,
        model=a,
    )


async def application_for(ctx: Context, a: ApplicationModel) -> Application | None:
    """An application as the caller sees it: with a pseudonymous id and no free text when its person is
    shown to the caller under a pseudonym; the handling agency keeps the real id (it took it)."""
    # Whether the person is shown under a pseudonym decides the application's id: logged as a read of it.
    person = await registry_resolvers.person_by_id(ctx, a.person_id, fields=("id",))
    hidden = person is not None and person.pseudonymous
    if a.agency_code == ctx.actor.agency_code:
        return application_of(a, shown_id=str(a.id), hidden=hidden)
    if person is None:
        return None
    shown_id = ctx.pseudonyms.public_id(a.id, ctx.actor.agency_code) if hidden else str(a.id)
    return application_of(a, shown_id=shown_id, hidden=hidden)


async def applications_of_person(
    ctx: Context, person_id: uuid.UUID, fields: Sequence[str]
) -> list[Application]:
    found = await ctx.loaders.applications.of_person.load((person_id, tuple(fields)))
    shown_ = [await application_for(ctx, a) for a in found]
    return [a for a in shown_ if a is not None]


@strawberry.type
class ApplicationConnection:
    edges: list[Edge[Application]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many applications match the filter (counted only when asked for).")
    async def total_count(self) -> int:
        return await self.count()
