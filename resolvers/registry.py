"""Resolvers of the registry: each opens its own scoped transaction, calls one domain service, and
hands back models, persons as the caller may see them (`sxvis.access.disclosure`). They translate;
the rules live in `sxvis.registry` and `sxvis.access`."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from resolvers.context import Context
from sxvis.access.denials import log_hidden_person
from sxvis.access.disclosure import PersonView, disclose
from sxvis.access.pseudonyms import PREFIX as PSEUDONYM_PREFIX
from sxvis.access.pseudonyms import PseudonymousId
from sxvis.catalogue import service as catalogue
from sxvis.catalogue.models import Service
from sxvis.errors import Duplicate, NotFound
from sxvis.pagination import Page
from sxvis.registry import circumstances, enrollments, persons
from sxvis.registry.enums import CircumstanceCategory, EnrollmentEndReason
from sxvis.registry.models import Circumstance, Enrollment, Household
from sxvis.registry.records import EnrollmentRecord, PersonLike

T = TypeVar("T")


async def in_transaction(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one scoped transaction: all of it lands, or (on any exception) none of it."""
    async with ctx.db.scoped_session(ctx.scope) as session:
        return await work(session)


async def changing_person(
    ctx: Context, work: Callable[[AsyncSession], Awaitable[T]], *, person_id: uuid.UUID | None, action: str
) -> T:
    """`in_transaction` for a change that names a person by the id the caller gave (None: by other
    means, a FIN or a new registration). Answered NOT_FOUND where the person is hidden from the caller,
    exactly as for an id that names nobody; the attempt is then logged as a denial, after the rollback
    (`sxvis.access.denials.log_hidden_person`)."""
    try:
        return await in_transaction(ctx, work)
    except NotFound:
        if person_id is not None:
            await log_hidden_person(ctx.db, ctx.actor, person_id=person_id, action=action)
        raise


def person_id_of(ctx: Context, public_id: str) -> tuple[uuid.UUID | None, bool]:
    """The person behind an id the caller was shown: (id, whether it was a pseudonymous one)."""
    return record_id_of(ctx, public_id), public_id.startswith(PSEUDONYM_PREFIX)


def record_id_of(ctx: Context, public_id: str) -> uuid.UUID | None:
    """The record behind an id the caller was shown: a pseudonymous one (of a record about a person
    shown under a pseudonym; returned as a `PseudonymousId`, so the services apply the rule for ids
    reached that way), or a real one; None if it is neither."""
    hidden = ctx.pseudonyms.resolve(public_id, ctx.actor.agency_code)
    if hidden is not None:
        return PseudonymousId.of(hidden)
    try:
        return uuid.UUID(public_id)
    except ValueError:
        return None


def require_record_id(ctx: Context, public_id: str, *, kind: str, field: str = "id") -> uuid.UUID:
    record_id = record_id_of(ctx, public_id)
    if record_id is None:
        raise NotFound(f"No {kind} has this id.", field=field)
    return record_id


async def shown_id(ctx: Context, record_id: uuid.UUID, person_id: uuid.UUID) -> str | None:
    """How the caller sees the id of a record about a person: pseudonymous, of the caller's agency,
    when the person is shown to the caller under a pseudonym (so that two agencies cannot match their
    pseudonyms of one protected person through a shared enrollment or consent id); None when the
    person is not shown at all."""
    # What this read shows of the person is their id (real or pseudonymous), no more.
    person = await person_by_id(ctx, person_id, fields=("id",))
    if person is None:
        return None
    if person.pseudonymous:
        return ctx.pseudonyms.public_id(record_id, ctx.actor.agency_code)
    return str(record_id)


def require_person_id(ctx: Context, public_id: str, *, field: str) -> uuid.UUID:
    return require_record_id(ctx, public_id, kind="person", field=field)


def view(ctx: Context, record: PersonLike) -> PersonView:
    return disclose(
        ctx.actor, record, disclosed=getattr(record, "disclosed", True), pseudonyms=ctx.pseudonyms
    )


async def person(
    ctx: Context, *, public_id: str | None, fin: str | None, fields: Sequence[str] = ()
) -> PersonView | None:
    person_id, via_pseudonym = (None, False) if public_id is None else person_id_of(ctx, public_id)
    if public_id is not None and person_id is None:
        return None
    found = await persons.read_person(
        ctx.db, ctx.actor, person_id=person_id, fin=fin, via_pseudonym=via_pseudonym, fields=fields
    )
    return None if found is None else view(ctx, found)


async def person_by_id(ctx: Context, person_id: uuid.UUID, *, fields: Sequence[str]) -> PersonView | None:
    """A person reached through a relation (an enrollment, a household): shown under a pseudonym when
    protected from the caller. `fields` are those the query asks of the person there, for the access
    event (`schema.relay.selected_fields`)."""
    found = await ctx.loaders.person.load((person_id, tuple(fields)))
    return None if found is None else view(ctx, found)


async def household(ctx: Context, *, household_id: uuid.UUID, fields: Sequence[str]) -> Household | None:
    return await ctx.loaders.household.load(household_id, fields)


@dataclass(frozen=True, slots=True)
class PageRelations:
    """What a page of persons asks of each person that the page's own transaction reads for all of
    them at once: their enrollments (with the fields the query asks of an enrollment, for the access
    event) and, if asked, those enrollments' services."""

    enrollment_fields: Sequence[str]
    services: bool = False


@dataclass(frozen=True, slots=True)
class KnownRelations:
    """The relations read with a page: enrollments by person, services by code."""

    enrollments: dict[uuid.UUID, list[EnrollmentRecord]] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)


async def find_persons(
    ctx: Context,
    *,
    filter: persons.PersonFilter,
    first: int | None,
    after: str | None,
    fields: Sequence[str] = (),
    relations: PageRelations | None = None,
) -> tuple[Page[PersonView], Callable[[], Awaitable[int]], KnownRelations | None]:
    """A page of persons and, with `relations`, their enrollments (and services) read in the same
    scoped transaction: one transaction per page instead of one per relation, and the nested fields
    answered without a DataLoader round. Each read is logged as the DataLoader's would be."""
    known: KnownRelations | None = None
    async with ctx.db.scoped(ctx.scope, generic_plans=persons.lists_on_generic_plans(filter)) as connection:
        page = await persons.find_persons(
            connection, ctx.actor, filter=filter, first=first, after=after, fields=fields
        )
        if relations is not None and page.items:
            known = await _page_relations(connection, ctx, [p.id for p in page.items], relations)
    if known is not None and relations is not None and relations.services:
        known = await _with_services(ctx, known)

    async def count() -> int:
        async with ctx.db.scoped_session(ctx.scope) as session:
            return await persons.count_persons(session, ctx.actor, filter=filter)

    shown = Page([view(ctx, p) for p in page.items], page.cursors, page.has_next_page, page.has_previous_page)
    return shown, count, known


async def _page_relations(
    connection: AsyncConnection, ctx: Context, person_ids: list[uuid.UUID], relations: PageRelations
) -> KnownRelations:
    found = await enrollments.enrollments_of(
        connection, ctx.actor, person_ids=person_ids, fields=relations.enrollment_fields
    )
    by_person: dict[uuid.UUID, list[EnrollmentRecord]] = {person_id: [] for person_id in person_ids}
    for enrollment in found:
        by_person[enrollment.person_id].append(enrollment)
    return KnownRelations(enrollments=by_person)


async def _with_services(ctx: Context, known: KnownRelations) -> KnownRelations:
    """The services of a page's enrollments: catalogue data (no person, no row-level security, nothing
    to log), from the process's copy of the passports, or else read after the page's transaction in one
    autocommit statement, as the DataLoader does."""
    codes = sorted({e.service_code for found in known.enrollments.values() for e in found})
    if not codes:
        return known
    if ctx.services is not None:
        services = await ctx.services.get_many(codes)
    else:
        async with ctx.db.reader() as session:
            services = {s.code: s for s in await catalogue.get_services(session, codes=codes)}
    return KnownRelations(enrollments=known.enrollments, services=services)


async def register_person(ctx: Context, data: persons.NewPerson) -> PersonView:
    try:
        person = await in_transaction(ctx, lambda s: persons.register_person(s, ctx.actor, data=data))
    except Duplicate as err:
        if err.field == "fin":
            await in_transaction(ctx, lambda s: persons.report_taken_fin(s, ctx.actor, fin=data.fin))
        raise
    return view(ctx, person)


async def update_person(
    ctx: Context, public_id: str, changes: persons.PersonChanges, *, fields: Sequence[str] = ()
) -> PersonView:
    person_id = require_person_id(ctx, public_id, field="id")
    try:
        person = await changing_person(
            ctx,
            lambda s: persons.update_person(s, ctx.actor, person_id=person_id, changes=changes),
            person_id=person_id,
            action=persons.UPDATE,
        )
    except Duplicate as err:
        if err.field == "fin" and isinstance(changes.fin, str):
            fin = changes.fin
            await in_transaction(ctx, lambda s: persons.report_taken_fin(s, ctx.actor, fin=fin))
        raise
    async with ctx.db.scoped(ctx.scope) as connection:
        seen = await persons.get_persons(connection, ctx.actor, ids=[person.id], fields=fields)
    return view(ctx, seen[0]) if seen else view(ctx, person)


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
    return await changing_person(
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
        person_id=person_id,
        action=circumstances.RECORD,
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
    return await changing_person(
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
        person_id=person_id,
        action=enrollments.CREATE,
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
