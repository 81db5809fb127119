"""Application queries: one by id, and a page of those the caller's agency handles or sees."""

import strawberry
from strawberry.types import Info

from resolvers import applications as resolve
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.applications.inputs import ApplicationFilter
from schema.applications.statistics import ServiceStatisticsQuery
from schema.applications.types import Application, ApplicationConnection, application_for
from schema.errors import answer
from schema.relay import Edge, PageInfo, parse_id, selected_fields
from sxvis.applications import service


@strawberry.type
class ApplicationQuery(ServiceStatisticsQuery):
    @strawberry.field(description="An application your agency handles, or of a person in your remit.")
    async def application(self, info: Info[Context, None], id: strawberry.ID) -> Application | None:
        async def work() -> Application | None:
            ctx = info.context
            record_id = registry_resolvers.record_id_of(
                ctx, parse_id(id, type_name="Application", field="id")
            )
            if record_id is None:
                return None
            found = await resolve.application(ctx, application_id=record_id, fields=selected_fields(info))
            return None if found is None else await application_for(ctx, found)

        return await answer(work)

    @strawberry.field(
        description="Applications your agency handles or whose person is in your remit, newest first."
    )
    async def applications(
        self,
        info: Info[Context, None],
        filter: ApplicationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ApplicationConnection:
        given = filter or ApplicationFilter()

        async def work() -> ApplicationConnection:
            ctx = info.context
            domain = service.ApplicationFilter(
                status=given.status,
                service_code=given.service_code,
                overdue=given.overdue,
                queue=given.queue,
                start=given.from_,
                end=given.to,
            )
            page, count = await resolve.find_applications(
                ctx, filter=domain, first=first, after=after, fields=selected_fields(info, "edges", "node")
            )
            edges: list[Edge[Application]] = []
            for item, cursor in zip(page.items, page.cursors, strict=True):
                shown = await application_for(ctx, item)
                if shown is not None:
                    edges.append(Edge(cursor=cursor, node=shown))
            page_info = PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            )
            return ApplicationConnection(edges=edges, page_info=page_info, count=count)

        return await answer(work)
