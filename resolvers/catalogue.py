"""Resolvers of the catalogue: agencies and service passports."""

from resolvers.context import Context
from sxvis.catalogue import service as catalogue
from sxvis.catalogue.models import Agency, Service
from sxvis.pagination import Page


async def agencies(ctx: Context) -> list[Agency]:
    async with ctx.db.reader() as session:
        return await catalogue.list_agencies(session)


async def service(ctx: Context, *, code: str) -> Service | None:
    return await ctx.loaders.service.load(code.strip())


async def services(ctx: Context, *, first: int | None, after: str | None) -> Page[Service]:
    async with ctx.db.reader() as session:
        return await catalogue.list_services(session, first=first, after=after)
