"""Resolvers of case management: one scoped transaction each, one service call."""

import uuid
from collections.abc import Sequence
from datetime import date

from resolvers.context import Context
from resolvers.registry import changing_person, in_transaction
from sxvis.cases import service
from sxvis.cases.enums import RiskLevel
from sxvis.cases.models import Case
from sxvis.pagination import Page


async def open_case(ctx: Context, *, person_id: uuid.UUID, manager_id: str) -> Case:
    return await changing_person(
        ctx,
        lambda s: service.open_case(s, ctx.actor, person_id=person_id, manager_id=manager_id),
        person_id=person_id,
        action=service.OPEN,
    )


async def record_assessment(
    ctx: Context,
    *,
    case_id: uuid.UUID,
    needs: list[service.Need],
    risk_level: RiskLevel,
    note: str | None,
) -> Case:
    return await in_transaction(
        ctx,
        lambda s: service.record_assessment(
            s, ctx.actor, case_id=case_id, needs=needs, risk_level=risk_level, note=note
        ),
    )


async def set_service_plan(ctx: Context, *, case_id: uuid.UUID, plan: service.ServicePlan) -> Case:
    return await in_transaction(
        ctx, lambda s: service.set_service_plan(s, ctx.actor, case_id=case_id, plan=plan)
    )


async def add_monitoring_entry(
    ctx: Context, *, case_id: uuid.UUID, visit_date: date, note: str, outcome: str
) -> Case:
    return await in_transaction(
        ctx,
        lambda s: service.add_monitoring_entry(
            s, ctx.actor, case_id=case_id, visit_date=visit_date, note=note, outcome=outcome
        ),
    )


async def close_case(ctx: Context, *, case_id: uuid.UUID, reason: str) -> Case:
    return await in_transaction(
        ctx, lambda s: service.close_case(s, ctx.actor, case_id=case_id, reason=reason)
    )


async def reopen_case(ctx: Context, *, case_id: uuid.UUID, reason: str) -> Case:
    return await in_transaction(
        ctx, lambda s: service.reopen_case(s, ctx.actor, case_id=case_id, reason=reason)
    )


async def find_cases(
    ctx: Context,
    *,
    filter: service.CaseFilter,
    first: int | None,
    after: str | None,
    fields: Sequence[str] = (),
) -> Page[Case]:
    async with ctx.db.scoped_session(ctx.scope) as session:
        return await service.find_cases(
            session, ctx.actor, filter=filter, first=first, after=after, fields=fields
        )


async def case(ctx: Context, *, case_id: uuid.UUID, fields: Sequence[str]) -> Case | None:
    return await ctx.loaders.case.load(case_id, fields)


async def count_cases(ctx: Context, *, filter: service.CaseFilter) -> int:
    async with ctx.db.scoped_session(ctx.scope) as session:
        return await service.count_cases(session, ctx.actor, filter=filter)
