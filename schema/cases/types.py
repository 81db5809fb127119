"""Cases as GraphQL types: phase, assessment, service plan, timeline, the person and the referrals.

Another agency than the managing one sees a case while its remit holds the person; when that person is
shown to it under a pseudonym, the case's id is pseudonymous too (of that agency, as for enrollments)
and the free text (need descriptions, goals, notes, outcomes, the closing reason) is left out.
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.catalogue.types import Agency, Service, agency_or_none, service_or_none
from schema.referrals.types import Referral, referral_of
from schema.registry.types import Person, person_or_none
from schema.relay import Counted, Edge, PageInfo, selected_fields
from schema.vocabulary import renamed
from sxvis.cases import enums
from sxvis.cases import service as cases
from sxvis.cases.models import Case as CaseModel
from sxvis.cases.models import CaseEntry as EntryModel

CasePhase = strawberry.enum(
    enums.CasePhase,
    description="Rule 11 (Strategy 6.1.4): needs assessment, service package, coordination, monitoring, "
    "closure, in this order.",
)
RiskLevel = strawberry.enum(enums.RiskLevel, description="The risk the assessment found.")
NeedDomain = strawberry.enum(enums.NeedDomain, description="Where a person needs help.")
CaseEntryKind = strawberry.enum(enums.CaseEntryKind, description="What a timeline entry records.")

_HIDDEN = "Null under a pseudonym: free text may name the person."


@strawberry.type(description="A need found by the assessment.")
class Need:
    domain: NeedDomain  # type: ignore[valid-type]
    description: str | None = strawberry.field(description=_HIDDEN)


@strawberry.type(description="The needs assessment: a need per domain, and the risk level.")
class Assessment:
    needs: list[Need]
    risk_level: RiskLevel  # type: ignore[valid-type]
    note: str | None = strawberry.field(description=_HIDDEN)


@strawberry.type(
    description="The service package: the needs it answers, goals, services, agencies responsible."
)
class ServicePlan:
    needs: list[NeedDomain]  # type: ignore[valid-type]
    goals: list[str] | None = strawberry.field(description=_HIDDEN)
    service_codes: list[str]
    responsible_agency_codes: list[str]

    @strawberry.field
    async def services(self, info: Info[Context, None]) -> list[Service]:
        found = await info.context.loaders.service.load_many(self.service_codes)
        return [s for s in (service_or_none(f) for f in found) if s is not None]

    @strawberry.field
    async def responsible_agencies(self, info: Info[Context, None]) -> list[Agency]:
        found = await info.context.loaders.agency.load_many(self.responsible_agency_codes)
        return [a for a in (agency_or_none(f) for f in found) if a is not None]


@strawberry.type(
    description="One change of a case: who, from which agency, when, what kind, and what it said."
)
class CaseTimelineEntry:
    kind: CaseEntryKind  # type: ignore[valid-type]
    from_phase: CasePhase | None  # type: ignore[valid-type]
    to_phase: CasePhase  # type: ignore[valid-type]
    actor_user: str = strawberry.field(deprecation_reason=renamed("actorUserId"))
    actor_agency_code: str
    at: datetime = strawberry.field(deprecation_reason=renamed("occurredAt"))
    summary: str
    visit_date: date | None = strawberry.field(description="A monitoring visit's date.")
    note: str | None = strawberry.field(description=_HIDDEN)
    outcome: str | None = strawberry.field(description=_HIDDEN)

    @strawberry.field(description="The user who made the entry.")
    def actor_user_id(self) -> str:
        return self.actor_user

    @strawberry.field(description="When the entry was made.")
    def occurred_at(self) -> datetime:
        return self.at


@strawberry.type(
    description="One agency's work with one person, led by a case manager, through the Strategy's phases."
)
class Case(relay.Node):
    id: relay.NodeID[str]
    phase: CasePhase  # type: ignore[valid-type]
    open: bool = strawberry.field(description="Not CLOSED: the person is in the managing agency's remit.")
    manager_id: str = strawberry.field(description="The user id of the case manager.")
    risk_level: RiskLevel | None  # type: ignore[valid-type]
    assessment: Assessment | None
    service_plan: ServicePlan | None
    opened_at: datetime
    closed_at: datetime | None
    close_reason: str | None = strawberry.field(description=_HIDDEN)
    agency_code: strawberry.Private[str]
    person_id: strawberry.Private[uuid.UUID]
    case_id: strawberry.Private[uuid.UUID]
    hidden: strawberry.Private[bool]

    @strawberry.field(description="The managing agency.")
    async def agency(self, info: Info[Context, None]) -> Agency | None:
        return agency_or_none(await info.context.loaders.agency.load(self.agency_code))

    @strawberry.field(
        description="The person, as your agency may see them; null once nothing brings them into your remit."
    )
    async def person(self, info: Info[Context, None]) -> Person | None:
        found = await registry_resolvers.person_by_id(
            info.context, self.person_id, fields=selected_fields(info)
        )
        return person_or_none(found)

    @strawberry.field(description="Referrals made within this case that your agency sent or received.")
    async def referrals(self, info: Info[Context, None]) -> list[Referral]:
        found = await info.context.loaders.case_referrals.load(self.case_id, selected_fields(info))
        return [referral_of(r) for r in found]

    @strawberry.field(description="Every change, oldest first.")
    async def timeline(self, info: Info[Context, None]) -> list[CaseTimelineEntry]:
        found = await info.context.loaders.case_timeline.load(self.case_id, selected_fields(info))
        return [entry_of(e, hidden=self.hidden) for e in found]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list["Case | None"]:
        ctx = info.context
        out: list[Case | None] = []
        for node_id in node_ids:
            case_id = registry_resolvers.record_id_of(ctx, node_id)
            out.append(None if case_id is None else await case_shown(ctx, case_id, selected_fields(info)))
        return out


async def case_shown(ctx: Context, case_id: uuid.UUID, fields: Sequence[str]) -> Case | None:
    found = await ctx.loaders.case.load(case_id, fields)
    return None if found is None else await case_for(ctx, found)


async def case_for(ctx: Context, c: CaseModel) -> Case | None:
    """A case as the caller sees it: whole for the managing agency; for another, with a pseudonymous id
    and no free text when the person is shown to it under a pseudonym, and not at all without the person."""
    if c.agency_code == ctx.actor.agency_code:
        return case_of(c, shown_id=str(c.id), hidden=False)
    shown = await registry_resolvers.shown_id(ctx, c.id, c.person_id)
    if shown is None:
        return None
    return case_of(c, shown_id=shown, hidden=shown != str(c.id))


async def cases_of_person(ctx: Context, person_id: uuid.UUID, fields: Sequence[str]) -> list[Case]:
    found = await ctx.loaders.cases_of_person.load(person_id, fields)
    shown = [await case_for(ctx, c) for c in found]
    return [c for c in shown if c is not None]


def case_of(c: CaseModel, *, shown_id: str, hidden: bool) -> Case:
    return Case(
        id=shown_id,
        phase=c.phase,
        open=cases.is_open(c),
        manager_id=c.manager_id,
        risk_level=c.risk_level,
        assessment=None if c.assessment is None else _assessment(c.assessment, c, hidden=hidden),
        service_plan=None if c.service_plan is None else _plan(c.service_plan, hidden=hidden),
        opened_at=c.created_at,
        closed_at=c.closed_at,
        close_reason=None if hidden else c.close_reason,
        agency_code=c.agency_code,
        person_id=c.person_id,
        case_id=c.id,
        hidden=hidden,
    )


def _assessment(data: dict[str, Any], c: CaseModel, *, hidden: bool) -> Assessment:
    needs = [
        Need(domain=enums.NeedDomain(n["domain"]), description=None if hidden else n.get("description"))
        for n in data.get("needs", [])
    ]
    risk = c.risk_level or enums.RiskLevel.LOW  # always set together with the assessment
    return Assessment(needs=needs, risk_level=risk, note=None if hidden else data.get("note"))


def _plan(data: dict[str, Any], *, hidden: bool) -> ServicePlan:
    return ServicePlan(
        needs=[enums.NeedDomain(n) for n in data.get("needs", [])],
        goals=None if hidden else list(data.get("goals", [])),
        service_codes=list(data.get("services", [])),
        responsible_agency_codes=list(data.get("agencies", [])),
    )


def entry_of(e: EntryModel, *, hidden: bool) -> CaseTimelineEntry:
    return CaseTimelineEntry(
        kind=e.kind,
        from_phase=e.from_phase,
        to_phase=e.to_phase,
        actor_user=e.actor_user,
        actor_agency_code=e.actor_agency,
        at=e.at,
        summary=e.summary,
        visit_date=e.visit_date,
        note=None if hidden else e.note,
        outcome=None if hidden else e.outcome,
    )


@strawberry.type
class CaseConnection(Counted):
    edges: list[Edge[Case]]
    page_info: PageInfo
