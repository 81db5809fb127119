"""Agencies and service passports as GraphQL types."""

from typing import TYPE_CHECKING

import strawberry
from strawberry import relay
from strawberry.types import Info

from resolvers.context import Context
from schema.enums import (
    AgencyKind,
    ApplicationForm,
    DocumentForm,
    DurationUnit,
    EligibleUser,
    Fee,
    RefusalGround,
    ResponseForm,
)
from schema.relay import Counted, Edge, PageInfo
from sxvis.catalogue import capacity, models

if TYPE_CHECKING:
    from collections.abc import Iterable


@strawberry.type(description="A state body, centre, municipality or NGO sharing SXVİS.")
class Agency(relay.Node):
    key: relay.NodeID[str]  # the global id's node part: the code
    code: str
    name_az: str
    name_en: str
    kind: AgencyKind  # type: ignore[valid-type]
    region_code: str | None
    is_state_body: bool
    parent_code: strawberry.Private[str | None]

    @strawberry.field
    async def parent(self, info: Info[Context, None]) -> "Agency | None":
        if self.parent_code is None:
            return None
        return agency_or_none(await info.context.loaders.agency.load(self.parent_code))

    @strawberry.field(description="The places this agency declared per service, and how many are taken.")
    async def capacities(self, info: Info[Context, None]) -> list["ServiceCapacity"]:
        return [capacity_of(c) for c in await info.context.loaders.capacities_of_agency.load(self.code)]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: "Iterable[str]", required: bool = False
    ) -> list["Agency | None"]:
        found = await info.context.loaders.agency.load_many(list(node_ids))
        return [agency_or_none(a) for a in found]


def agency_of(model: models.Agency) -> Agency:
    return Agency(
        key=model.code,
        code=model.code,
        name_az=model.name_az,
        name_en=model.name_en,
        kind=model.kind,
        region_code=model.region_code,
        is_state_body=model.is_state_body,
        parent_code=model.parent_code,
    )


def agency_or_none(model: models.Agency | None) -> Agency | None:
    return None if model is None else agency_of(model)


@strawberry.type(description="A duration of a passport: a number and its unit (001 §12-18).")
class Duration:
    value: int
    unit: DurationUnit  # type: ignore[valid-type]


def _duration(value: int | None, unit: object) -> Duration | None:
    return None if value is None or unit is None else Duration(value=value, unit=unit)


@strawberry.type(description="A document the passport asks for, and the forms in which it is accepted.")
class RequiredDocument:
    position: int = strawberry.field(
        description="Its number in the passport's list: how an application names it (`documents`)."
    )
    name_az: str
    name_en: str
    forms: list[DocumentForm]  # type: ignore[valid-type]
    note: str | None


@strawberry.type(description="A service passport (ASAN/DOST form): every field of passport 01-09-15-00.")
class Service(relay.Node):
    key: relay.NodeID[str]  # the global id's node part: the code
    code: str = strawberry.field(description="The passport's ID, NN-NN-NN-NN (001 §2).")
    name_az: str
    name_en: str
    source_document: str
    classification: list[str]
    performing_units: list[str]
    legal_basis: list[str]
    application_forms: list[ApplicationForm]  # type: ignore[valid-type]
    communication_channels: list[str]
    response_forms: list[ResponseForm]  # type: ignore[valid-type]
    refusal_grounds: list[RefusalGround]  # type: ignore[valid-type]
    eligible_users: list[EligibleUser]  # type: ignore[valid-type]
    back_office: list[str]
    total_duration: Duration | None
    front_office_duration: Duration | None
    back_office_duration: Duration | None
    duration_note: str | None
    operator_standard_minutes: int | None
    fee: Fee  # type: ignore[valid-type]
    fee_note: str | None
    places_of_service: list[str]
    procedure: list[str]
    information_systems: list[str]
    electronisation_degree: str | None
    automation_degree: str | None
    requires_irp: bool = strawberry.field(
        description="The service follows the person's Individual Rehabilitation Program (rule 14)."
    )
    notes: list[str]

    @strawberry.field
    async def providers(self, info: Info[Context, None]) -> list[Agency]:
        return [agency_of(a) for a in await info.context.loaders.providers.load(self.code)]

    @strawberry.field(
        description="The places each provider declared for this service, and how many are free. A provider"
        " that declared none is not listed (it has no limit)."
    )
    async def capacities(self, info: Info[Context, None]) -> list["ServiceCapacity"]:
        return [capacity_of(c) for c in await info.context.loaders.capacities_of_service.load(self.code)]

    @strawberry.field
    async def required_documents(self, info: Info[Context, None]) -> list[RequiredDocument]:
        documents = await info.context.loaders.required_documents.load(self.code)
        return [
            RequiredDocument(
                position=d.position, name_az=d.name_az, name_en=d.name_en, forms=d.forms, note=d.note
            )
            for d in documents
        ]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: "Iterable[str]", required: bool = False
    ) -> list["Service | None"]:
        found = await info.context.loaders.service.load_many(list(node_ids))
        return [service_or_none(s) for s in found]


def service_of(m: models.Service) -> Service:
    return Service(
        key=m.code,
        code=m.code,
        name_az=m.name_az,
        name_en=m.name_en,
        source_document=m.source_document,
        classification=m.classification,
        performing_units=m.performing_units,
        legal_basis=m.legal_basis,
        application_forms=m.application_forms,
        communication_channels=m.communication_channels,
        response_forms=m.response_forms,
        refusal_grounds=m.refusal_grounds,
        eligible_users=m.eligible_users,
        back_office=m.back_office,
        total_duration=_duration(m.total_duration_value, m.total_duration_unit),
        front_office_duration=_duration(m.front_office_duration_value, m.front_office_duration_unit),
        back_office_duration=_duration(m.back_office_duration_value, m.back_office_duration_unit),
        duration_note=m.duration_note,
        operator_standard_minutes=m.operator_standard_minutes,
        fee=m.fee,
        fee_note=m.fee_note,
        places_of_service=m.places_of_service,
        procedure=m.procedure,
        information_systems=m.information_systems,
        electronisation_degree=m.electronisation_degree,
        automation_degree=m.automation_degree,
        requires_irp=m.requires_irp,
        notes=m.notes,
    )


def service_or_none(model: models.Service | None) -> Service | None:
    return None if model is None else service_of(model)


@strawberry.type(
    description="A provider's places for a service: declared, taken (its active enrollments in the service)"
    " and free. Counts only, no person."
)
class ServiceCapacity:
    agency_code: str
    service_code: str
    places: int
    taken: int
    free_places: int = strawberry.field(description="Places minus taken, never below zero.")

    @strawberry.field
    async def agency(self, info: Info[Context, None]) -> Agency | None:
        return agency_or_none(await info.context.loaders.agency.load(self.agency_code))

    @strawberry.field
    async def service(self, info: Info[Context, None]) -> Service | None:
        return service_or_none(await info.context.loaders.service.load(self.service_code))


def capacity_of(c: capacity.Capacity) -> ServiceCapacity:
    return ServiceCapacity(
        agency_code=c.agency_code,
        service_code=c.service_code,
        places=c.places,
        taken=c.taken,
        free_places=c.free,
    )


@strawberry.type
class ServiceConnection(Counted):
    edges: list[Edge[Service]]
    page_info: PageInfo
