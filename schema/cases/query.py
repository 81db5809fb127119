"""Case queries: one by id, and a page of the cases the caller's agency sees."""

import strawberry
from strawberry.types import Info

from resolvers import cases as resolve
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.cases.inputs import CaseFilter
from schema.cases.types import Case, CaseConnection, case_for
from schema.errors import answer
from schema.relay import Edge, PageInfo, parse_id, selected_fields
from sxvis.cases import service


@strawberry.type
class CaseQuery:
    @strawberry.field(description="A case your agency manages, or about a person in your remit.")
    async def case(self, info: Info[Context, None], id: strawberry.ID) -> Case | None:
        async def work() -> Case | None:
            ctx = info.context
            case_id = registry_resolvers.record_id_of(ctx, parse_id(id, type_name="Case", field="id"))
            if case_id is None:
                return None
            found = await resolve.case(ctx, case_id=case_id, fields=selected_fields(info))
            return None if found is None else await case_for(ctx, found)

        return await answer(work)

    @strawberry.field(description="Cases your agency manages or whose person is in your remit, newest first.")
    async def cases(
        self,
        info: Info[Context, None],
        filter: CaseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CaseConnection:
        given = filter or CaseFilter()

        async def work() -> CaseConnection:
            ctx = info.context
            person_id = None
            if given.person_id is not None:
                public_id = parse_id(given.person_id, type_name="Person", field="person_id")
                person_id = registry_resolvers.require_person_id(ctx, public_id, field="person_id")
            domain = service.CaseFilter(
                person_id=person_id, phase=given.phase, open=given.open, manager_id=given.manager_id
            )
            page = await resolve.find_cases(
                ctx, filter=domain, first=first, after=after, fields=selected_fields(info, "edges", "node")
            )
            edges: list[Edge[Case]] = []
            for item, cursor in zip(page.items, page.cursors, strict=True):
                shown = await case_for(ctx, item)
                if shown is not None:
                    edges.append(Edge(cursor=cursor, node=shown))
            page_info = PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            )
            return CaseConnection(
                edges=edges, page_info=page_info, count=lambda: resolve.count_cases(ctx, filter=domain)
            )

        return await answer(work)
