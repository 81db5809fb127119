"""Queries of policy administration and audit: `me`, `policies`, `accessLog`."""

from datetime import date
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info

from resolvers import admin as resolve
from resolvers.context import Context
from resolvers.registry import require_person_id
from schema.admin.inputs import AccessLogFilter
from schema.admin.types import (
    AccessEventConnection,
    AccessLogDay,
    AuditChainStatus,
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
                purpose=given.purpose,
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

    @strawberry.field(
        description="Accesses by day (Baku time) and outcome, `from` to `to` inclusive, at most 366 days "
        "(needs access_log:read). Counts only, aggregated in the database; asking is logged."
    )
    async def access_log_statistics(
        self, info: Info[Context, None], from_: Annotated[date, strawberry.argument(name="from")], to: date
    ) -> list[AccessLogDay]:
        async def work() -> list[AccessLogDay]:
            days = await resolve.access_log_statistics(info.context, first=from_, last=to)
            return [
                AccessLogDay(day=d.day, allowed=d.allowed, denied=d.denied, failed=d.failed) for d in days
            ]

        return await answer(work)

    @strawberry.field(
        description="Whether the access log's hash chain is intact, and its head (needs access_log:read). "
        "Asking is logged."
    )
    async def audit_chain_status(self, info: Info[Context, None]) -> AuditChainStatus:
        async def work() -> AuditChainStatus:
            status = await resolve.audit_chain_status(info.context)
            result = status.result
            return AuditChainStatus(
                intact=result.intact,
                events_checked=result.events,
                head_event_id=result.head_id,
                head_hash=result.head_hash.hex(),
                waiting=result.waiting,
                broken_at=result.broken_at,
                problem=None if result.intact else result.describe(),
                checked_at=status.checked_at,
            )

        return await answer(work)
