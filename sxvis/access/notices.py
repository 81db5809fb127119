"""Notices to an agency: what it must know about the persons it protects (someone broke the glass,
someone tried to register a protected person's FIN). Read with `notice:read`, own agency only."""

import uuid
from collections.abc import Mapping, Sequence
from enum import StrEnum

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit
from sxvis.access.models import Notice
from sxvis.actors import Actor
from sxvis.pagination import Page, count_rows, decode_cursor, encode_cursor, page_size

READ = "notice:read"

_POST = text(
    "INSERT INTO notices (agency_code, kind, person_id, message, details)"
    " VALUES (:agency, :kind, :person, :message, CAST(:details AS jsonb))"
)


class NoticeKind(StrEnum):
    BREAK_GLASS = "BREAK_GLASS"
    DUPLICATE_FIN = "DUPLICATE_FIN"
    REFERRAL_OVERDUE = "REFERRAL_OVERDUE"
    DOMESTIC_VIOLENCE_CASE = (
        "DOMESTIC_VIOLENCE_CASE"  # another agency registered one about a person it protects
    )
    PROTECTED_INTAKE = "PROTECTED_INTAKE"  # another agency opened an application for a person you protect
    APPLICATION_AT_RISK = "APPLICATION_AT_RISK"  # rule 5: a decision may miss its E-sosial posting deadline


async def post(
    session: AsyncSession,
    *,
    agency_code: str,
    kind: NoticeKind,
    person_id: uuid.UUID | None,
    message: str,
    details: Mapping[str, object] | None = None,
) -> None:
    # Plain SQL, no RETURNING: the notice is for another agency, whose rows the writer may not read
    # back (row-level security checks RETURNING rows against the writer's policy, and the ORM's insert
    # asks for the new id).
    await session.execute(
        _POST,
        {
            "agency": agency_code,
            "kind": kind.value,
            "person": person_id,
            "message": message,
            "details": orjson.dumps(dict(details)).decode() if details else None,
        },
    )


async def count_notices(session: AsyncSession, actor: Actor) -> int:
    """How many notices `notices_for` lists, all pages together."""
    actor.require(READ)
    return await count_rows(session, select(Notice).where(Notice.agency_code == actor.agency_code))


async def notices_for(
    session: AsyncSession,
    actor: Actor,
    *,
    first: int | None = None,
    after: str | None = None,
    fields: Sequence[str] = (),
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
    if items:
        # Notices name persons (a protected person's pseudonymous record, at least): a read like any other.
        await audit.record(
            session,
            actor,
            action=READ,
            entity_type="notice",
            person_ids=sorted({n.person_id for n in items if n.person_id is not None}),
            fields=fields,
            details={"notices": [n.id for n in items]},
        )
    return Page(
        items,
        [encode_cursor(n.id) for n in items],
        has_next_page=len(rows) > limit,
        has_previous_page=after is not None,
    )
