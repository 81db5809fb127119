"""Persons, households, circumstances and enrollments as GraphQL types.

Each type is built from its model by a plain function (`person_of` …); nested fields go through the
request's DataLoaders, so a page costs one statement per relation, never one per row.
"""

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from resolvers import checks as check_resolvers
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.catalogue.types import Agency, Service, agency_or_none, service_or_none
from schema.checks.types import Check, check_of
from schema.enums import (
    CircumstanceCategory,
    EnrollmentEndReason,
    EnrollmentStatus,
    HouseholdRelation,
    ResidenceStatus,
    Sex,
)
from schema.execution import NOT_KNOWN, answers_when_known
from schema.relay import Edge, PageInfo, only_selection_fields, selected_fields
from schema.vocabulary import renamed
from sxvis import clock
from sxvis.access.disclosure import PersonView
from sxvis.registry import models
from sxvis.registry.records import EnrollmentRecord

EnrollmentLike = models.Enrollment | EnrollmentRecord

if TYPE_CHECKING:
    from schema.applications.types import Application
    from schema.cases.types import Case


def _uuids(node_ids: Iterable[str]) -> list[uuid.UUID | None]:
    out: list[uuid.UUID | None] = []
    for node_id in node_ids:
        try:
            out.append(uuid.UUID(node_id))
        except ValueError:
            out.append(None)
    return out


@strawberry.type(
    description="A person in difficult life circumstances, or a member of their household. Fields the "
    "caller's role may not see are null; a protected person whose identity is not disclosed to the "
    "caller's agency has a pseudonymous id and `pseudonym` instead of names, FIN, birth date and address."
)
class Person(relay.Node):
    id: relay.NodeID[str]
    pseudonym: str | None = strawberry.field(
        description="Set for a protected person whose identity is not disclosed to the caller's agency: "
        "a label stable for this agency, different in every other."
    )
    fin: str | None = strawberry.field(
        description="Personal identification number: 7 digits and capital letters."
    )
    last_name: str | None
    first_name: str | None
    patronymic: str | None
    birth_date: date | None
    sex: Sex  # type: ignore[valid-type]
    residence_status: ResidenceStatus  # type: ignore[valid-type]
    region_code: str | None
    district_code: str | None
    address_line: str | None = strawberry.field(description="Null when the caller's role may not see it.")
    phone: str | None = strawberry.field(description="Null when the caller's role may not see contacts.")
    email: str | None = strawberry.field(description="Null when the caller's role may not see contacts.")
    protected: bool = strawberry.field(
        description="A protected person (e.g. a domestic-violence victim, passport 09-03-00-00 step 5)."
    )
    date_of_death: date | None
    registered_by_code: strawberry.Private[str]
    household_id: strawberry.Private[uuid.UUID | None]
    person_id: strawberry.Private[uuid.UUID]
    known_enrollments: strawberry.Private[list[EnrollmentLike] | None] = None
    """Set by a page that read its persons' enrollments ahead (`resolvers.registry.PageRelations`)."""
    known_services: strawberry.Private[Mapping[str, Service] | None] = None
    """Set with `known_enrollments` when the page read their services too."""
    shown_enrollments: strawberry.Private[list["Enrollment"] | None] = None
    """`known_enrollments` as `enrollments` (no `status`) answers them, built by the page with them."""

    @strawberry.field(description="Age in whole years today (or at death); null when the birth date is.")
    def age(self) -> int | None:
        born = self.birth_date
        if born is None:
            return None
        until = self.date_of_death or clock.today()
        return until.year - born.year - ((until.month, until.day) < (born.month, born.day))

    @strawberry.field(description="The agency that registered the person.")
    async def registered_by_agency(self, info: Info[Context, None]) -> Agency | None:
        return agency_or_none(await info.context.loaders.agency.load(self.registered_by_code))

    @strawberry.field(deprecation_reason=renamed("registeredByAgency"))
    async def registered_by(self, info: Info[Context, None]) -> Agency | None:
        return await self.registered_by_agency(info)

    @strawberry.field
    async def household(self, info: Info[Context, None]) -> "Household | None":
        if self.household_id is None:
            return None
        found = await info.context.loaders.household.load(self.household_id, selected_fields(info))
        return household_or_none(found)

    @strawberry.field
    async def circumstances(self, info: Info[Context, None]) -> list["Circumstance"]:
        found = await info.context.loaders.circumstances.load(self.person_id, selected_fields(info))
        return [circumstance_of(c, shown_id=self._child_id(info, c.id)) for c in found]

    @strawberry.field
    async def enrollments(
        self,
        info: Info[Context, None],
        status: EnrollmentStatus | None = None,  # type: ignore[valid-type]
    ) -> list["Enrollment"]:
        # A page that read the enrollments ahead answers without `status` before this resolver runs
        # (`serve_known_relations`); with a `status`, it filters what it read.
        found = self.known_enrollments
        if found is None:
            found = await info.context.loaders.enrollments.load(self.person_id, selected_fields(info))
        return self._enrollments_shown(info, found, status)

    def _enrollments_shown(
        self,
        info: Info[Context, None],
        found: Sequence[EnrollmentLike],
        status: EnrollmentStatus | None,  # type: ignore[valid-type]
    ) -> list["Enrollment"]:
        services = self.known_services
        return [
            enrollment_of(e, shown_id=self._child_id(info, e.id), services=services)
            for e in found
            if status is None or e.status == status
        ]

    @strawberry.field(description="The person's cases that your agency may see, newest first (rule 11).")
    async def cases(
        self, info: Info[Context, None]
    ) -> list[Annotated["Case", strawberry.lazy("schema.cases.types")]]:
        from schema.cases.types import cases_of_person  # here: the cases module imports this one

        return await cases_of_person(info.context, self.person_id, selected_fields(info))

    @strawberry.field(description="The person's applications that your agency may see, newest first.")
    async def applications(
        self, info: Info[Context, None]
    ) -> list[Annotated["Application", strawberry.lazy("schema.applications.types")]]:
        from schema.applications.types import applications_of_person  # here: that module imports this one

        return await applications_of_person(info.context, self.person_id, selected_fields(info))

    @strawberry.field(
        description="The checks run on this person against ministry systems, latest state of each kind."
    )
    async def checks(self, info: Info[Context, None]) -> list[Check]:
        found = await check_resolvers.checks_of(info.context, self.person_id, fields=selected_fields(info))
        return [check_of(c, disclosed=self.pseudonym is None) for c in found]

    def _child_id(self, info: Info[Context, None], record_id: uuid.UUID) -> str:
        """A record about this person has a pseudonymous id when the person has one."""
        if self.pseudonym is None:
            return str(record_id)
        return info.context.pseudonyms.public_id(record_id, info.context.actor.agency_code)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list["Person | None"]:
        # By the id the caller was shown (real or pseudonymous), under the same rules as `person(id)`.
        return [
            person_or_none(
                await registry_resolvers.person(
                    info.context, public_id=node_id, fin=None, fields=selected_fields(info)
                )
            )
            for node_id in node_ids
        ]


def person_of(p: PersonView) -> Person:
    return Person(
        id=p.public_id,
        pseudonym=p.pseudonym,
        fin=p.fin,
        last_name=p.last_name,
        first_name=p.first_name,
        patronymic=p.patronymic,
        birth_date=p.birth_date,
        sex=p.sex,
        residence_status=p.residence_status,
        region_code=p.region_code,
        district_code=p.district_code,
        address_line=p.address_line,
        phone=p.phone,
        email=p.email,
        protected=p.protected,
        date_of_death=p.date_of_death,
        registered_by_code=p.registered_by,
        household_id=p.household_id,
        person_id=p.id,
    )


def person_or_none(p: PersonView | None) -> Person | None:
    return None if p is None else person_of(p)


@strawberry.type(description="A person's place in a household, with the relation to its head.")
class HouseholdMember:
    relation: HouseholdRelation  # type: ignore[valid-type]
    person_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def person(self, info: Info[Context, None]) -> Person | None:
        found = await registry_resolvers.person_by_id(
            info.context, self.person_id, fields=selected_fields(info)
        )
        return person_or_none(found)


@strawberry.type(description="A family registered together.")
class Household(relay.Node):
    id: relay.NodeID[str]
    region_code: str | None
    district_code: str | None
    address_line: str | None
    head_person_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def head(self, info: Info[Context, None]) -> Person | None:
        if self.head_person_id is None:
            return None
        head = await registry_resolvers.person_by_id(
            info.context, self.head_person_id, fields=selected_fields(info)
        )
        # A pseudonym at the head of a household would tell where a protected person lives.
        return None if head is None or head.pseudonymous else person_of(head)

    @strawberry.field
    async def members(self, info: Info[Context, None]) -> list[HouseholdMember]:
        found = await info.context.loaders.members.load(uuid.UUID(self.id), selected_fields(info))
        return [HouseholdMember(relation=m.relation, person_id=m.person_id) for m in found]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list["Household | None"]:
        loader, fields = info.context.loaders.household, selected_fields(info)
        found = [None if key is None else await loader.load(key, fields) for key in _uuids(node_ids)]
        return [None if h is None else household_of(h) for h in found]


def household_of(h: models.Household) -> Household:
    return Household(
        id=str(h.id),
        region_code=h.region_code,
        district_code=h.district_code,
        address_line=h.address_line,
        head_person_id=h.head_person_id,
    )


def household_or_none(h: models.Household | None) -> Household | None:
    return None if h is None else household_of(h)


@strawberry.type(
    description="A difficult life circumstance (Strategy §3): since when, until when, who says so."
)
class Circumstance(relay.Node):
    id: relay.NodeID[str]
    category: CircumstanceCategory  # type: ignore[valid-type]
    since: date
    until: date | None
    note: str | None = strawberry.field(description="Null under a pseudonym: free text may name the person.")
    recorded_by: str | None = strawberry.field(description="Who recorded it; null under a pseudonym.")
    source_agency_code: strawberry.Private[str]

    @strawberry.field
    def active(self) -> bool:
        return self.until is None or self.until >= clock.today()

    @strawberry.field
    async def source_agency(self, info: Info[Context, None]) -> Agency | None:
        return agency_or_none(await info.context.loaders.agency.load(self.source_agency_code))

    @classmethod
    def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list["Circumstance | None"]:
        return [None for _ in node_ids]  # reached through Person.circumstances


def circumstance_of(c: models.Circumstance, *, shown_id: str | None = None) -> Circumstance:
    """`shown_id` other than the real id marks a record about a person shown under a pseudonym: its
    free text and author are left out too."""
    hidden = shown_id is not None and shown_id != str(c.id)
    return Circumstance(
        id=shown_id or str(c.id),
        category=c.category,
        since=c.since,
        until=c.until,
        note=None if hidden else c.note,
        recorded_by=None if hidden else c.recorded_by,
        source_agency_code=c.source_agency,
    )


@strawberry.type(description="A person's enrollment in a service at a provider agency.")
class Enrollment(relay.Node):
    id: relay.NodeID[str]
    status: EnrollmentStatus  # type: ignore[valid-type]
    started_on: date
    ended_on: date | None
    end_reason: EnrollmentEndReason | None  # type: ignore[valid-type]
    irp_reference: str | None = strawberry.field(
        description="Individual Rehabilitation Program reference; null under a pseudonym."
    )
    note: str | None = strawberry.field(description="Null under a pseudonym: free text may name the person.")
    service_code: str
    provider_code: str
    person_id: strawberry.Private[uuid.UUID]
    known_services: strawberry.Private[Mapping[str, Service] | None] = None
    """The services a page read with its enrollments, by code (the DataLoader is not needed then)."""

    @strawberry.field
    async def service(self, info: Info[Context, None]) -> Service | None:
        # What a page read ahead is answered before this resolver runs (`serve_known_relations`).
        return service_or_none(await info.context.loaders.service.load(self.service_code))

    @strawberry.field
    async def provider(self, info: Info[Context, None]) -> Agency | None:
        return agency_or_none(await info.context.loaders.agency.load(self.provider_code))

    @strawberry.field
    async def person(self, info: Info[Context, None]) -> Person | None:
        found = await registry_resolvers.person_by_id(
            info.context, self.person_id, fields=selected_fields(info)
        )
        return person_or_none(found)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list["Enrollment | None"]:
        ctx = info.context
        ids = [registry_resolvers.record_id_of(ctx, node_id) for node_id in node_ids]
        fields = selected_fields(info)
        return [
            None if record_id is None else await enrollment_shown(ctx, record_id, fields) for record_id in ids
        ]


async def enrollment_shown(
    ctx: Context, enrollment_id: uuid.UUID, fields: Sequence[str]
) -> "Enrollment | None":
    found = await ctx.loaders.enrollment.load(enrollment_id, fields)
    return None if found is None else await enrollment_for(ctx, found)


async def enrollment_for(ctx: Context, e: models.Enrollment) -> "Enrollment | None":
    """An enrollment as the caller sees it (its id pseudonymous when its person's is)."""
    shown = await registry_resolvers.shown_id(ctx, e.id, e.person_id)
    return None if shown is None else enrollment_of(e, shown_id=shown)


async def circumstance_for(ctx: Context, c: models.Circumstance) -> "Circumstance | None":
    shown = await registry_resolvers.shown_id(ctx, c.id, c.person_id)
    return None if shown is None else circumstance_of(c, shown_id=shown)


def enrollment_of(
    e: EnrollmentLike,
    *,
    shown_id: str | None = None,
    services: Mapping[str, Service] | None = None,
) -> Enrollment:
    """`shown_id` other than the real id marks an enrollment of a person shown under a pseudonym: its
    free text and IRP reference are left out too. `services`, when a page read them ahead, answer the
    enrollment's `service` without a DataLoader."""
    hidden = shown_id is not None and shown_id != str(e.id)
    return Enrollment(
        id=shown_id or str(e.id),
        status=e.status,
        started_on=e.started_on,
        ended_on=e.ended_on,
        end_reason=e.end_reason,
        irp_reference=None if hidden else e.irp_reference,
        note=None if hidden else e.note,
        service_code=e.service_code,
        provider_code=e.provider_code,
        person_id=e.person_id,
        known_services=services,
    )


def page_relations(info: Info[Context, None]) -> registry_resolvers.PageRelations | None:
    """What a page of persons can read ahead for all its rows: their enrollments, when the query asks
    for them once and unconditionally (`schema.relay.only_selection_fields`), and their services."""
    fields = only_selection_fields(info, "edges", "node", "enrollments")
    if fields is None:
        return None
    return registry_resolvers.PageRelations(enrollment_fields=fields, services="service" in fields)


def serve_known_relations(schema: Any) -> None:
    """Answer `Person.enrollments` (without a `status`) and `Enrollment.service` straight from what a
    page read ahead (`page_relations`), past strawberry's resolver wrapper (an `Info`, argument
    conversion and the extension chain per call: 80 calls on a page of 50 persons). Anything the page
    did not read, or an `enrollments(status:)`, goes to the field's own resolver as before, checks
    of its arguments (`schema.edges.guard_inputs`) included. Called after `guard_inputs`.

    The same answers, read without a call (`answers_when_known`), let the executor complete these
    fields without graphql-core's field execution (`schema.execution.PlainObject`)."""
    types = schema._schema.type_map
    person_enrollments = types["Person"].fields["enrollments"]
    person_enrollments.resolve = answers_when_known(_shown_enrollments)(
        _known_first(person_enrollments.resolve, _known_enrollments)
    )
    enrollment_service = types["Enrollment"].fields["service"]
    enrollment_service.resolve = answers_when_known(_known_service_of)(
        _known_first(enrollment_service.resolve, _known_service)
    )


_UNKNOWN = object()


def _shown_enrollments(root: Person) -> Any:
    return NOT_KNOWN if root.shown_enrollments is None else root.shown_enrollments


def _known_service_of(root: "Enrollment") -> Any:
    return NOT_KNOWN if root.known_services is None else root.known_services.get(root.service_code)


def _known_first(
    resolve: Callable[..., Any], known: Callable[[Any, Any, dict[str, Any]], Any]
) -> Callable[..., Any]:
    def resolve_known_first(root: Any, info: Any, **kwargs: Any) -> Any:
        found = known(root, info, kwargs)
        return resolve(root, info, **kwargs) if found is _UNKNOWN else found

    return resolve_known_first


def _known_enrollments(root: Person, info: Any, kwargs: dict[str, Any]) -> Any:
    if kwargs.get("status") is not None or root.shown_enrollments is None:
        return _UNKNOWN
    return root.shown_enrollments


def _known_service(root: "Enrollment", info: Any, kwargs: dict[str, Any]) -> Any:
    if root.known_services is None:
        return _UNKNOWN
    return root.known_services.get(root.service_code)


@strawberry.type
class PersonConnection:
    edges: list[Edge[Person]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many persons match the filter (counted only when asked for).")
    async def total_count(self) -> int:
        return await self.count()
