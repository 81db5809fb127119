"""Resolvers of the catalogue: agencies and service passports."""

from resolvers.context import Context
from sxvis.catalogue import service as catalogue
from sxvis.catalogue.models import Agency, Service
from sxvis.pagination import Page


async def agencies(ctx: Context) -> list[Agency]:
    async with ctx.db.reader() as session:
        return await catalogue.list_agencies(session, ctx.actor)


async def service(ctx: Context, *, code: str) -> Service | None:
    async with ctx.db.reader() as session:
        return await catalogue.get_service(session, ctx.actor, code=code)


async def services(ctx: Context, *, first: int | None, after: str | None) -> Page[Service]:
    async with ctx.db.reader() as session:
        return await catalogue.list_services(session, ctx.actor, first=first, after=after)


async def count_services(ctx: Context) -> int:
    async with ctx.db.reader() as session:
        return await catalogue.count_services(session, ctx.actor)
