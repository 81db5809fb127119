"""Referral queries: one by id, and the agency's incoming and outgoing lists."""

import uuid

import strawberry
from strawberry.types import Info

from resolvers import referrals as resolve
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.errors import answer
from schema.referrals.inputs import ReferralFilter
from schema.referrals.types import Referral, ReferralConnection, referral_of
from schema.relay import edges_of, parse_id, parse_uuid, selected_fields
from sxvis.referrals import service

_NOBODY = uuid.UUID(int=0)
"""A person id that names no one: what an id the caller was never shown stands for in a filter."""


@strawberry.type
class ReferralQuery:
    @strawberry.field(description="A referral your agency sent or received.")
    async def referral(self, info: Info[Context, None], id: strawberry.ID) -> Referral | None:
        async def work() -> Referral | None:
            found = await resolve.referral(
                info.context,
                referral_id=parse_uuid(id, type_name="Referral", field="id"),
                fields=selected_fields(info),
            )
            return None if found is None else referral_of(found)

        return await answer(work)

    @strawberry.field(description="Your agency's referrals, newest first.")
    async def referrals(
        self,
        info: Info[Context, None],
        filter: ReferralFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ReferralConnection:
        given = filter or ReferralFilter()

        async def work() -> ReferralConnection:
            person_id = None
            if given.person_id is not None:
                public_id = parse_id(given.person_id, type_name="Person", field="person_id")
                person_id = registry_resolvers.record_id_of(info.context, public_id) or _NOBODY
            domain = service.ReferralFilter(
                direction=None if given.direction is None else given.direction.value,
                status=given.status,
                urgency=given.urgency,
                overdue=given.overdue,
                case_id=None
                if given.case_id is None
                else parse_uuid(given.case_id, type_name="Case", field="case_id"),
                person_id=person_id,
            )
            page = await resolve.find_referrals(
                info.context,
                filter=domain,
                first=first,
                after=after,
                fields=selected_fields(info, "edges", "node"),
            )
            edges, page_info = edges_of(page, referral_of)
            return ReferralConnection(
                edges=edges,
                page_info=page_info,
                count=lambda: resolve.count_referrals(info.context, filter=domain),
            )

        return await answer(work)
