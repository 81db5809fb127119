"""Resolvers of duplicates: the candidate pairs and the merge, one scoped transaction each."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from resolvers.context import Context
from resolvers.registry import in_transaction, view
from sxvis.access.disclosure import PersonView
from sxvis.duplicates import candidates, merges
from sxvis.pagination import Page


@dataclass(frozen=True, slots=True)
class CandidateView:
    person: PersonView
    other: PersonView
    score: float
    reasons: tuple[candidates.MatchReason, ...]


async def duplicate_candidates(
    ctx: Context, *, first: int | None, after: str | None, fields: Sequence[str] = ()
) -> Page[CandidateView]:
    async with ctx.db.scoped(ctx.scope) as connection:
        page = await candidates.duplicate_candidates(
            connection, ctx.actor, first=first, after=after, fields=fields
        )
    shown = [CandidateView(view(ctx, c.person), view(ctx, c.other), c.score, c.reasons) for c in page.items]
    return Page(shown, page.cursors, page.has_next_page, page.has_previous_page)


async def merge_persons(
    ctx: Context, *, keep_id: uuid.UUID, merge_id: uuid.UUID, reason: str
) -> tuple[PersonView, uuid.UUID]:
    result = await in_transaction(
        ctx, lambda s: merges.merge_persons(s, ctx.actor, keep_id=keep_id, merge_id=merge_id, reason=reason)
    )
    return view(ctx, result.kept), result.merge_id


async def count_duplicate_candidates(ctx: Context) -> int:
    async with ctx.db.scoped(ctx.scope) as connection:
        return await candidates.count_candidates(connection, ctx.actor)
