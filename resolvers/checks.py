"""Resolvers of checks: the person by the id the caller was shown, one scoped transaction, one service."""

import uuid
from collections.abc import Sequence

from resolvers.context import Context
from resolvers.registry import changing_person, require_person_id
from sxvis.checks import CheckKind, CheckResult, FactSources, NoSources
from sxvis.checks import service as checks


def sources(ctx: Context) -> FactSources:
    return ctx.integrations if ctx.integrations is not None else NoSources()


async def run_checks(ctx: Context, *, public_id: str, kinds: Sequence[CheckKind]) -> list[CheckResult]:
    person_id = require_person_id(ctx, public_id, field="person_id")
    return await changing_person(
        ctx,
        lambda s: checks.run_checks(
            s, ctx.actor, person_id=person_id, kinds=kinds, sources=sources(ctx), freshness=ctx.freshness
        ),
        person_id=person_id,
        action=checks.RUN,
    )


async def checks_of(ctx: Context, person_id: uuid.UUID, *, fields: Sequence[str]) -> list[CheckResult]:
    return await ctx.loaders.checks.load(person_id, fields)
