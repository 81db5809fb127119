"""`duplicateCandidates`: for registry administrators (`duplicate:read`)."""

import strawberry
from strawberry.types import Info

from resolvers import duplicates as resolve
from resolvers.context import Context
from schema.duplicates.types import DuplicateCandidateConnection, candidate_of
from schema.errors import answer
from schema.relay import edges_of, selected_fields


@strawberry.type
class DuplicateQuery:
    @strawberry.field(
        description="Pairs of records that are probably one person (similar names across alphabets, the "
        "same birth date, the same address), highest score first, at most 100 a page."
    )
    async def duplicate_candidates(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> DuplicateCandidateConnection:
        async def work() -> DuplicateCandidateConnection:
            page = await resolve.duplicate_candidates(
                info.context, first=first, after=after, fields=selected_fields(info)
            )
            edges, page_info = edges_of(page, candidate_of)
            return DuplicateCandidateConnection(
                edges=edges,
                page_info=page_info,
                count=lambda: resolve.count_duplicate_candidates(info.context),
            )

        return await answer(work)
