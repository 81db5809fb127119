"""Resolvers of the access domain: consent, break-the-glass and its review, notices.

Each opens its own scoped transaction (`resolvers.registry.in_transaction`), turns the person ids the
caller was shown (real or pseudonymous) into real ones, and calls one service of `sxvis.registry.consents`,
`sxvis.access.break_glass` or `sxvis.access.notices`. The rules live there.
"""

import uuid
from collections.abc import Sequence
from datetime import date

from resolvers.context import Context
from resolvers.registry import changing_person, in_transaction, person_id_of, require_person_id
from sxvis.access import break_glass as glass
from sxvis.access import notices as notices_service
from sxvis.access.models import BreakGlassGrant, Notice
from sxvis.pagination import Page
from sxvis.registry import consents as consent_service
from sxvis.registry.models import Consent


async def record_consent(
    ctx: Context, *, public_person_id: str, agency_code: str, purpose: str, valid_until: date
) -> Consent:
    person_id = require_person_id(ctx, public_person_id, field="person_id")
    return await changing_person(
        ctx,
        lambda s: consent_service.record_consent(
            s,
            ctx.actor,
            person_id=person_id,
            agency_code=agency_code,
            purpose=purpose,
            valid_until=valid_until,
        ),
        person_id=person_id,
        action=consent_service.RECORD,
    )


async def revoke_consent(ctx: Context, *, consent_id: uuid.UUID, reason: str) -> Consent:
    return await in_transaction(
        ctx, lambda s: consent_service.revoke_consent(s, ctx.actor, consent_id=consent_id, reason=reason)
    )


async def consents(ctx: Context, *, public_person_id: str, fields: Sequence[str] = ()) -> list[Consent]:
    person_id, _ = person_id_of(ctx, public_person_id)
    if person_id is None:
        return []
    return await in_transaction(
        ctx, lambda s: consent_service.consents_of(s, ctx.actor, person_ids=[person_id], fields=fields)
    )


async def break_glass(
    ctx: Context, *, public_person_id: str, reason_code: str, reason: str
) -> BreakGlassGrant:
    person_id = require_person_id(ctx, public_person_id, field="person_id")
    minutes = ctx.settings.break_glass_minutes
    return await changing_person(
        ctx,
        lambda s: glass.break_glass(
            s, ctx.actor, person_id=person_id, reason_code=reason_code, reason=reason, minutes=minutes
        ),
        person_id=person_id,
        action=glass.OPEN,
    )


async def break_glass_events(
    ctx: Context, *, reviewed: bool | None, first: int | None, after: str | None, fields: Sequence[str] = ()
) -> Page[BreakGlassGrant]:
    return await in_transaction(
        ctx,
        lambda s: glass.list_break_glass(
            s, ctx.actor, reviewed=reviewed, first=first, after=after, fields=fields
        ),
    )


async def review_break_glass(ctx: Context, *, grant_id: uuid.UUID, note: str) -> BreakGlassGrant:
    return await in_transaction(
        ctx, lambda s: glass.review_break_glass(s, ctx.actor, grant_id=grant_id, note=note)
    )


async def notices(
    ctx: Context, *, first: int | None, after: str | None, fields: Sequence[str] = ()
) -> Page[Notice]:
    return await in_transaction(
        ctx, lambda s: notices_service.notices_for(s, ctx.actor, first=first, after=after, fields=fields)
    )


async def count_break_glass_events(ctx: Context, *, reviewed: bool | None) -> int:
    async with ctx.db.scoped_session(ctx.scope) as session:
        return await glass.count_break_glass(session, ctx.actor, reviewed=reviewed)


async def count_notices(ctx: Context) -> int:
    async with ctx.db.scoped_session(ctx.scope) as session:
        return await notices_service.count_notices(session, ctx.actor)
