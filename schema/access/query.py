"""Queries of the access domain: consents, break-the-glass review, notices.

A domain failure becomes a public GraphQL error (`BAD_USER_INPUT`, `FORBIDDEN`) as in the root query;
the wrapper is repeated here because the root query imports this module.
"""

from typing import TypeVar

import strawberry
from strawberry.types import Info

from resolvers import access as resolve
from resolvers.context import Context
from schema.access.types import (
    BreakGlassEventConnection,
    Consent,
    NoticeConnection,
    break_glass_event_of,
    consent_for,
    notice_of,
)
from schema.errors import answer
from schema.relay import edges_of, parse_id, selected_fields

T = TypeVar("T")


@strawberry.type
class AccessQuery:
    @strawberry.field(description="A person's consents, in force or not, newest first.")
    async def consents(self, info: Info[Context, None], person_id: strawberry.ID) -> list[Consent]:
        async def work() -> list[Consent]:
            public_id = parse_id(person_id, type_name="Person", field="person_id")
            found = await resolve.consents(
                info.context, public_person_id=public_id, fields=selected_fields(info)
            )
            shown = [await consent_for(info.context, c) for c in found]
            return [c for c in shown if c is not None]

        return await answer(work)

    @strawberry.field(description="Break-the-glass events for review, newest first (auditors).")
    async def break_glass_events(
        self,
        info: Info[Context, None],
        reviewed: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> BreakGlassEventConnection:
        async def work() -> BreakGlassEventConnection:
            page = await resolve.break_glass_events(
                info.context,
                reviewed=reviewed,
                first=first,
                after=after,
                fields=selected_fields(info, "edges", "node"),
            )
            edges, page_info = edges_of(page, break_glass_event_of)
            return BreakGlassEventConnection(
                edges=edges,
                page_info=page_info,
                count=lambda: resolve.count_break_glass_events(info.context, reviewed=reviewed),
            )

        return await answer(work)

    @strawberry.field(description="Notices to the caller's agency, newest first.")
    async def notices(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> NoticeConnection:
        async def work() -> NoticeConnection:
            page = await resolve.notices(
                info.context, first=first, after=after, fields=selected_fields(info, "edges", "node")
            )
            edges, page_info = edges_of(page, notice_of)
            return NoticeConnection(
                edges=edges, page_info=page_info, count=lambda: resolve.count_notices(info.context)
            )

        return await answer(work)
