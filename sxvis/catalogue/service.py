"""Reading agencies and the service catalogue, and installing the catalogue from its seed."""

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis.actors import Actor
from sxvis.catalogue.models import Agency, RequiredDocument, Service, ServiceProvider
from sxvis.catalogue.seed_types import PassportSeed
from sxvis.pagination import Page, count_rows, decode_cursor, encode_cursor, page_size

READ = "catalogue:read"
"""Browsing the catalogue. The agencies and services named by a record the caller may read come with it."""


async def list_agencies(session: AsyncSession, actor: Actor) -> list[Agency]:
    actor.require(READ)
    return list((await session.execute(select(Agency).order_by(Agency.code))).scalars())


async def agency_codes(session: AsyncSession) -> frozenset[str]:
    """Every agency code in the catalogue (reference data, no person in it: no actor needed)."""
    return frozenset((await session.execute(select(Agency.code))).scalars())


async def get_agencies(session: AsyncSession, *, codes: Sequence[str]) -> list[Agency]:
    return list((await session.execute(select(Agency).where(Agency.code.in_(codes)))).scalars())


async def all_services(session: AsyncSession) -> list[Service]:
    """Every passport (a few dozen): for the process's copy (`sxvis.catalogue.cache`)."""
    return list((await session.execute(select(Service))).scalars())


async def get_services(session: AsyncSession, *, codes: Sequence[str]) -> list[Service]:
    return list((await session.execute(select(Service).where(Service.code.in_(codes)))).scalars())


async def get_service(session: AsyncSession, actor: Actor, *, code: str) -> Service | None:
    actor.require(READ)
    return await session.get(Service, code.strip())


async def count_services(session: AsyncSession, actor: Actor) -> int:
    actor.require(READ)
    return await count_rows(session, select(Service))


async def list_services(
    session: AsyncSession, actor: Actor, *, first: int | None, after: str | None
) -> Page[Service]:
    actor.require(READ)
    limit = page_size(first)
    query = select(Service).order_by(Service.code).limit(limit + 1)
    if after:
        (code,) = decode_cursor(after, arity=1)
        query = query.where(Service.code > str(code))
    rows = list((await session.execute(query)).scalars())
    items = rows[:limit]
    return Page(items, [encode_cursor(s.code) for s in items], len(rows) > limit, after is not None)


async def providers_of(session: AsyncSession, *, service_codes: Sequence[str]) -> list[tuple[str, Agency]]:
    query = (
        select(ServiceProvider.service_code, Agency)
        .join(Agency, Agency.code == ServiceProvider.agency_code)
        .where(ServiceProvider.service_code.in_(service_codes))
        .order_by(ServiceProvider.service_code, Agency.code)
    )
    return [(code, agency) for code, agency in (await session.execute(query)).all()]


async def required_documents_of(
    session: AsyncSession, *, service_codes: Sequence[str]
) -> list[RequiredDocument]:
    query = (
        select(RequiredDocument)
        .where(RequiredDocument.service_code.in_(service_codes))
        .order_by(RequiredDocument.service_code, RequiredDocument.position)
    )
    return list((await session.execute(query)).scalars())


async def install_passports(session: AsyncSession, passports: Sequence[PassportSeed]) -> None:
    """Write the catalogue from its seed; re-running updates each passport in place."""
    for p in passports:
        values = {
            "code": p.code,
            "name_az": p.name_az,
            "name_en": p.name_en,
            "source_document": p.source_document,
            "classification": list(p.classification),
            "performing_units": list(p.performing_units),
            "legal_basis": list(p.legal_basis),
            "application_forms": list(p.application_forms),
            "communication_channels": list(p.communication_channels),
            "response_forms": list(p.response_forms),
            "refusal_grounds": list(p.refusal_grounds),
            "eligible_users": list(p.eligible_users),
            "back_office": list(p.back_office),
            "total_duration_value": p.total_duration.value if p.total_duration else None,
            "total_duration_unit": p.total_duration.unit if p.total_duration else None,
            "front_office_duration_value": p.front_office_duration.value if p.front_office_duration else None,
            "front_office_duration_unit": p.front_office_duration.unit if p.front_office_duration else None,
            "back_office_duration_value": p.back_office_duration.value if p.back_office_duration else None,
            "back_office_duration_unit": p.back_office_duration.unit if p.back_office_duration else None,
            "duration_note": p.duration_note,
            "operator_standard_minutes": p.operator_standard_minutes,
            "fee": p.fee,
            "fee_note": p.fee_note,
            "places_of_service": list(p.places_of_service),
            "procedure": list(p.procedure),
            "information_systems": list(p.information_systems),
            "electronisation_degree": p.electronisation_degree,
            "automation_degree": p.automation_degree,
            "requires_irp": p.requires_irp,
            "variants": list(p.variants),
            "rationed": p.rationed,
            "notes": list(p.notes),
        }
        statement = insert(Service).values(values)
        await session.execute(
            statement.on_conflict_do_update(index_elements=[Service.code], set_=statement.excluded)
        )
        await session.execute(delete(RequiredDocument).where(RequiredDocument.service_code == p.code))
        for position, document in enumerate(p.required_documents, start=1):
            session.add(
                RequiredDocument(
                    service_code=p.code,
                    position=position,
                    name_az=document.name_az,
                    name_en=document.name_en,
                    forms=list(document.forms),
                    note=document.note,
                )
            )
    await session.flush()


async def install_providers(session: AsyncSession, pairs: Sequence[tuple[str, str]]) -> None:
    """Declare (service code, agency code) providers; existing pairs are kept."""
    if pairs:
        rows = [{"service_code": s, "agency_code": a} for s, a in pairs]
        await session.execute(insert(ServiceProvider).values(rows).on_conflict_do_nothing())
