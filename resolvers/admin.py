"""Resolvers of policy administration and the access log: each opens its own transaction, calls one
service (`authz.administration`, `sxvis.audit.queries`), and hands back what it returned.

`policies` is the one read with a rule of its own here (which grants an agency admin may see); it is a
plain filter over the committed `policy_rules` table, which is the policy every worker runs.
"""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from authz import administration
from authz.actions import Action
from authz.models import PolicyRule
from resolvers.context import Context
from sxvis.actors import Actor
from sxvis.audit import queries, reports, statistics
from sxvis.errors import AccessDenied
from sxvis.pagination import Page

SEES_EVERY_GRANT = Action.ACCESS_LOG_READ.value
"""Whoever may read the whole access log (auditors, system admins) sees every agency's grants: the log
records each grant anyway. Everyone else with `policy:read` (agency admins) sees their own agency's."""


def me(ctx: Context) -> Actor:
    return ctx.actor


async def policies(ctx: Context, *, agency_code: str | None) -> list[PolicyRule]:
    """The policy's lines: every `p` and `g2` line (for `agency_code`: those that hold there), and the
    `g` grants the actor may see (of `agency_code` only, if given)."""
    actor = ctx.actor
    actor.require(Action.POLICY_READ.value)
    everywhere = actor.may(SEES_EVERY_GRANT)
    if agency_code is not None and agency_code != actor.agency_code and not everywhere:
        raise AccessDenied(
            f"An agency admin of {actor.agency_code} sees the grants of {actor.agency_code} only, "
            f"not of {agency_code}.",
            action=Action.POLICY_READ.value,
        )
    grants_of = agency_code if agency_code is not None else (None if everywhere else actor.agency_code)
    async with ctx.db.reader() as session:
        rows: Sequence[PolicyRule] = (
            (await session.execute(select(PolicyRule).order_by(PolicyRule.id))).scalars().all()
        )
    return [rule for rule in rows if _shown(rule, agency_code, grants_of)]


def _shown(rule: PolicyRule, agency_code: str | None, grants_of: str | None) -> bool:
    if rule.ptype == "g":
        return grants_of is None or rule.v2 == grants_of
    if rule.ptype == "p" and agency_code is not None:
        return rule.v1 in ("*", agency_code)
    return True


async def access_log(
    ctx: Context,
    *,
    filter: queries.AccessLogFilter,
    first: int | None,
    after: str | None,
    fields: Sequence[str] = (),
) -> Page[queries.LoggedEvent]:
    async with ctx.db.scoped(ctx.scope) as connection:
        return await queries.find_events(
            connection, ctx.actor, filter=filter, first=first, after=after, fields=fields
        )


async def person_access_report(
    ctx: Context,
    *,
    person_id: uuid.UUID,
    occurred_from: date,
    occurred_to: date,
    via_pseudonym: bool,
    fields: Sequence[str] = (),
) -> reports.PersonAccessReport:
    async with ctx.db.scoped(ctx.scope) as connection:
        return await reports.person_access_report(
            connection,
            ctx.actor,
            person_id=person_id,
            occurred_from=occurred_from,
            occurred_to=occurred_to,
            via_pseudonym=via_pseudonym,
            fields=fields,
        )


async def grant_role(ctx: Context, *, user_id: str, agency_code: str, role: str) -> bool:
    """True if the role was granted now; it counts from the user's next request (after the reload)."""
    async with ctx.db.scoped_session(ctx.scope) as session:
        return await administration.grant_role(
            session, ctx.actor, ctx.policy.current, user_id=user_id, agency_code=agency_code, role=role
        )


async def revoke_role(ctx: Context, *, user_id: str, agency_code: str, role: str) -> bool:
    async with ctx.db.scoped_session(ctx.scope) as session:
        return await administration.revoke_role(
            session, ctx.actor, ctx.policy.current, user_id=user_id, agency_code=agency_code, role=role
        )


async def count_access_log(ctx: Context, *, filter: queries.AccessLogFilter) -> int:
    async with ctx.db.scoped(ctx.scope) as connection:
        return await queries.count_events(connection, ctx.actor, filter=filter)


async def access_log_statistics(ctx: Context, *, first: date, last: date) -> list[statistics.DayCount]:
    async with ctx.db.scoped(ctx.scope) as connection:
        return await statistics.daily_counts(connection, ctx.actor, first=first, last=last)


async def audit_chain_status(ctx: Context) -> statistics.ChainStatus:
    async with ctx.db.scoped(ctx.scope) as connection:
        return await statistics.chain_status(ctx.db, connection, ctx.actor)
