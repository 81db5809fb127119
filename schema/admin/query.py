"""Queries of policy administration and audit: `me`, `policies`, `accessLog`."""

from typing import TypeVar

import strawberry
from strawberry.types import Info

from resolvers import admin as resolve
from resolvers.context import Context
from resolvers.registry import require_person_id
from schema.admin.inputs import AccessLogFilter
from schema.admin.types import (
    AccessEventConnection,
    Me,
    PolicyRule,
    access_event_of,
    me_of,
    policy_rule_of,
)
from schema.errors import answer
from schema.relay import edges_of, parse_id, selected_fields
from sxvis.audit import queries

T = TypeVar("T")


@strawberry.type
class AdminQuery:
    @strawberry.field(description="The caller: user, agency, effective roles and permissions, purpose.")
    def me(self, info: Info[Context, None]) -> Me:
        return me_of(resolve.me(info.context))

    @strawberry.field(
        description="The access policy's lines (needs policy:read). An agency admin sees the grants of "
        "their own agency only; with `agencyCode`, only the lines that hold in that agency."
    )
    async def policies(self, info: Info[Context, None], agency_code: str | None = None) -> list[PolicyRule]:
        async def work() -> list[PolicyRule]:
            rules = await resolve.policies(info.context, agency_code=agency_code)
            return [policy_rule_of(rule) for rule in rules]

        return await answer(work)

    @strawberry.field(
        description="The access log, newest first, at most 100 a page (needs access_log:read). "
        "Reading it is itself logged."
    )
    async def access_log(
        self,
        info: Info[Context, None],
        filter: AccessLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AccessEventConnection:
        given = filter or AccessLogFilter()

        async def work() -> AccessEventConnection:
            person_id = None
            if given.person_id is not None:
                public_id = parse_id(given.person_id, type_name="Person", field="person_id")
                person_id = require_person_id(info.context, public_id, field="person_id")
            domain_filter = queries.AccessLogFilter(
                person_id=person_id,
                actor_id=given.actor_user_id if given.actor_user_id is not None else given.actor_id,
                agency_code=given.agency_code,
                action=given.action,
                outcome=given.outcome,
                occurred_from=given.from_,
                occurred_to=given.to,
            )
            page = await resolve.access_log(
                info.context,
                filter=domain_filter,
                first=first,
                after=after,
                fields=selected_fields(info, "edges", "node"),
            )
            edges, page_info = edges_of(page, access_event_of)
            return AccessEventConnection(
                edges=edges,
                page_info=page_info,
                count=lambda: resolve.count_access_log(info.context, filter=domain_filter),
            )

        return await answer(work)
