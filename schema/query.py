"""The root query. Each field checks its arguments, asks a resolver, and converts models to types."""

from typing import TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from resolvers import catalogue as catalogue_resolvers
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.access.query import AccessQuery
from schema.admin.query import AdminQuery
from schema.admin.report import AccessReportQuery
from schema.applications.query import ApplicationQuery
from schema.calendar.query import CalendarQuery
from schema.cases.query import CaseQuery
from schema.catalogue.types import Agency, Service, ServiceConnection, agency_of, service_of, service_or_none
from schema.duplicates.query import DuplicateQuery
from schema.errors import answer
from schema.integrations.query import IntegrationQuery
from schema.protection.query import ProtectionQuery
from schema.referrals.query import ReferralQuery
from schema.referrals.statistics import StatisticsQuery
from schema.registry.inputs import PersonFilter
from schema.registry.types import (
    Household,
    Person,
    PersonConnection,
    household_or_none,
    page_relations,
    person_of,
    person_or_none,
)
from schema.relay import edges_of, parse_id, parse_uuid, selected_fields
from sxvis.errors import ValidationFailed
from sxvis.registry import persons

T = TypeVar("T")

NODE_TYPE_NAMES = frozenset(
    {
        "Person",
        "Household",
        "Circumstance",
        "Enrollment",
        "Agency",
        "Service",
        "Referral",
        "Case",
        "Application",
    }
)


@strawberry.type
class Query(
    ReferralQuery,
    StatisticsQuery,
    CalendarQuery,
    CaseQuery,
    AccessQuery,
    AdminQuery,
    AccessReportQuery,
    IntegrationQuery,
    DuplicateQuery,
    ProtectionQuery,
    ApplicationQuery,
):
    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> relay.Node | None:
        # Written out rather than relay.node(): that helper mutates its field, so a process could
        # build only one schema (tests build a development and a production one).
        async def work() -> relay.Node | None:
            try:
                gid = relay.GlobalID.from_id(id)
            except (ValueError, TypeError):
                raise ValidationFailed("This is not an id this API gave out.", field="id") from None
            if gid.type_name not in NODE_TYPE_NAMES:
                return None
            if not gid.node_id.isprintable():  # a forged id hiding a NUL or a control character
                raise ValidationFailed("This is not an id this API gave out.", field="id")
            found: relay.Node | None = await gid.resolve_node(info, required=False)
            return found

        return await answer(work)

    @strawberry.field(description="One person, by global id or by FIN.")
    async def person(
        self, info: Info[Context, None], id: strawberry.ID | None = None, fin: str | None = None
    ) -> Person | None:
        async def work() -> Person | None:
            public_id = None if id is None else parse_id(id, type_name="Person", field="id")
            found = await registry_resolvers.person(
                info.context, public_id=public_id, fin=fin, fields=selected_fields(info)
            )
            return person_or_none(found)

        return await answer(work)

    @strawberry.field(description="Persons matching a filter, at most 100 a page.")
    async def persons(
        self,
        info: Info[Context, None],
        filter: PersonFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> PersonConnection:
        given = filter or PersonFilter()
        domain_filter = persons.PersonFilter(
            text=given.text,
            category=given.category,
            region_code=given.region_given(),
            district_code=given.district_given(),
            service_code=given.service_code,
            agency_code=given.agency_code,
            min_age=given.min_age,
            max_age=given.max_age,
        )

        async def work() -> PersonConnection:
            page, count, known = await registry_resolvers.find_persons(
                info.context,
                filter=domain_filter,
                first=first,
                after=after,
                fields=selected_fields(info, "edges", "node"),
                relations=page_relations(info),
            )
            edges, page_info = edges_of(page, person_of)
            if known is not None:
                services = {code: service_of(s) for code, s in known.services.items()} or None
                for edge in edges:
                    node = edge.node
                    node.known_enrollments = known.enrollments.get(node.person_id, [])
                    node.known_services = services
                    node.shown_enrollments = node._enrollments_shown(info, node.known_enrollments, None)
            return PersonConnection(edges=edges, page_info=page_info, count=count)

        return await answer(work)

    @strawberry.field
    async def household(self, info: Info[Context, None], id: strawberry.ID) -> Household | None:
        async def work() -> Household | None:
            household_id = parse_uuid(id, type_name="Household", field="id")
            return household_or_none(
                await registry_resolvers.household(
                    info.context, household_id=household_id, fields=selected_fields(info)
                )
            )

        return await answer(work)

    @strawberry.field(description="Every agency sharing SXVİS.")
    async def agencies(self, info: Info[Context, None]) -> list[Agency]:
        return [agency_of(a) for a in await catalogue_resolvers.agencies(info.context)]

    @strawberry.field(description="A service passport by its code, e.g. 01-09-15-00.")
    async def service(self, info: Info[Context, None], code: str) -> Service | None:
        return service_or_none(await catalogue_resolvers.service(info.context, code=code))

    @strawberry.field(description="The service catalogue, in code order.")
    async def services(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> ServiceConnection:
        async def work() -> ServiceConnection:
            page = await catalogue_resolvers.services(info.context, first=first, after=after)
            edges, page_info = edges_of(page, service_of)
            return ServiceConnection(
                edges=edges,
                page_info=page_info,
                count=lambda: catalogue_resolvers.count_services(info.context),
            )

        return await answer(work)
