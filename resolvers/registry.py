"""Resolvers of the registry: each opens its own session (or transaction, for a mutation), calls one
domain service, and hands back models. They translate; the rules live in `sxvis.registry`."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.context import Context
from sxvis.pagination import Page
from sxvis.registry import circumstances, enrollments, persons
from sxvis.registry.enums import CircumstanceCategory, EnrollmentEndReason
from sxvis.registry.models import Circumstance, Enrollment, Household, Person
from sxvis.registry.records import PersonRecord

T = TypeVar("T")


async def in_transaction(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction: all of it lands, or (on any exception) none of it."""
    async with ctx.db.transaction() as session:
        return await work(session)


async def person(ctx: Context, *, person_id: uuid.UUID | None, fin: str | None) -> PersonRecord | None:
    async with ctx.db.connect() as connection:
        return await persons.get_person(connection, ctx.actor, person_id=person_id, fin=fin)


async def household(ctx: Context, *, household_id: uuid.UUID) -> Household | None:
    return await ctx.loaders.household.load(household_id)


async def find_persons(
    ctx: Context, *, filter: persons.PersonFilter, first: int | None, after: str | None
) -> tuple[Page[PersonRecord], Callable[[], Awaitable[int]]]:
    async with ctx.db.reader() as session:
        page = await persons.find_persons(session, ctx.actor, filter=filter, first=first, after=after)

    async def count() -> int:
        async with ctx.db.reader() as session:
            return await persons.count_persons(session, ctx.actor, filter=filter)

    return page, count


async def register_person(ctx: Context, data: persons.NewPerson) -> Person:
    return await in_transaction(ctx, lambda s: persons.register_person(s, ctx.actor, data=data))


async def update_person(ctx: Context, person_id: uuid.UUID, changes: persons.PersonChanges) -> Person:
    return await in_transaction(
        ctx, lambda s: persons.update_person(s, ctx.actor, person_id=person_id, changes=changes)
    )


async def record_circumstance(
    ctx: Context,
    *,
    person_id: uuid.UUID,
    category: CircumstanceCategory,
    since: date,
    until: date | None,
    source_agency: str | None,
    note: str | None,
) -> Circumstance:
    return await in_transaction(
        ctx,
        lambda s: circumstances.record_circumstance(
            s,
            ctx.actor,
            person_id=person_id,
            category=category,
            since=since,
            until=until,
            source_agency=source_agency,
            note=note,
        ),
    )


async def enroll_in_service(
    ctx: Context,
    *,
    person_id: uuid.UUID,
    service_code: str,
    provider_code: str,
    started_on: date | None,
    irp_reference: str | None,
    note: str | None,
) -> Enrollment:
    return await in_transaction(
        ctx,
        lambda s: enrollments.enroll_in_service(
            s,
            ctx.actor,
            person_id=person_id,
            service_code=service_code,
            provider_code=provider_code,
            started_on=started_on,
            irp_reference=irp_reference,
            note=note,
        ),
    )


async def end_enrollment(
    ctx: Context,
    *,
    enrollment_id: uuid.UUID,
    reason: EnrollmentEndReason,
    ended_on: date | None,
    note: str | None,
) -> Enrollment:
    return await in_transaction(
        ctx,
        lambda s: enrollments.end_enrollment(
            s, ctx.actor, enrollment_id=enrollment_id, reason=reason, ended_on=ended_on, note=note
        ),
    )
