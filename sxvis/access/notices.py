"""Notices to an agency: what it must know about the persons it protects (someone broke the glass,
someone tried to register a protected person's FIN). Read with `notice:read`, own agency only."""

import uuid
from collections.abc import Mapping
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis.access.models import Notice
from sxvis.actors import Actor
from sxvis.pagination import Page, decode_cursor, encode_cursor, page_size

READ = "notice:read"


class NoticeKind(StrEnum):
    BREAK_GLASS = "BREAK_GLASS"
    DUPLICATE_FIN = "DUPLICATE_FIN"


async def post(
    session: AsyncSession,
    *,
    agency_code: str,
    kind: NoticeKind,
    person_id: uuid.UUID | None,
    message: str,
    details: Mapping[str, object] | None = None,
) -> None:
    session.add(
        Notice(
            agency_code=agency_code,
            kind=kind.value,
            person_id=person_id,
            message=message,
            details=dict(details) if details else None,
        )
    )
    await session.flush()


async def notices_for(
    session: AsyncSession, actor: Actor, *, first: int | None = None, after: str | None = None
) -> Page[Notice]:
    """The actor's agency's notices, newest first."""
    actor.require(READ)
    limit = page_size(first)
    query = select(Notice).where(Notice.agency_code == actor.agency_code)
    if after:
        (last_id,) = decode_cursor(after, arity=1)
        query = query.where(Notice.id < int(last_id))
    rows = list((await session.scalars(query.order_by(Notice.id.desc()).limit(limit + 1))).all())
    items = rows[:limit]
    return Page(
        items,
        [encode_cursor(n.id) for n in items],
        has_next_page=len(rows) > limit,
        has_previous_page=after is not None,
    )
