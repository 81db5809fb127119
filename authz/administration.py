"""Granting and revoking roles: audited, all-or-nothing, and limited to the granter's remit.

An agency admin grants and revokes roles in their own agency only; a system admin everywhere. Each
change is one transaction: the rule, its access event, and the NOTIFY that makes every worker reload.

A refusal raises `AccessDenied` and writes nothing here: the caller's transaction rolls back, so the
denial's own access event must be written by the caller in a transaction of its own.
"""

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from authz.actions import Action
from authz.enforcer import Authorizer
from authz.models import PolicyRule
from authz.roles import Role
from authz.store import notify_change
from sxvis import audit
from sxvis.actors import Actor
from sxvis.catalogue.models import Agency
from sxvis.errors import AccessDenied, NotFound, ValidationFailed


async def grant_role(
    session: AsyncSession, actor: Actor, authorizer: Authorizer, *, user_id: str, agency_code: str, role: str
) -> bool:
    """Give `user_id` the `role` in `agency_code`; False if they already had it (nothing changes)."""
    checked_role = await _checked(session, actor, authorizer, Action.POLICY_GRANT, user_id, agency_code, role)
    statement = (
        insert(PolicyRule)
        .values(ptype="g", v0=user_id, v1=checked_role, v2=agency_code, created_by=actor.label)
        .on_conflict_do_nothing(constraint="uq_policy_rules_line")
        .returning(PolicyRule.id)
    )
    added = (await session.execute(statement)).scalar_one_or_none() is not None
    await _log(session, actor, Action.POLICY_GRANT, user_id, agency_code, checked_role, changed=added)
    if added:
        await notify_change(session)
    return added


async def revoke_role(
    session: AsyncSession, actor: Actor, authorizer: Authorizer, *, user_id: str, agency_code: str, role: str
) -> bool:
    """Take `role` in `agency_code` from `user_id`; False if they did not have it."""
    checked_role = await _checked(
        session, actor, authorizer, Action.POLICY_REVOKE, user_id, agency_code, role
    )
    statement = (
        delete(PolicyRule)
        .where(
            PolicyRule.ptype == "g",
            PolicyRule.v0 == user_id,
            PolicyRule.v1 == checked_role,
            PolicyRule.v2 == agency_code,
        )
        .returning(PolicyRule.id)
    )
    removed = (await session.execute(statement)).first() is not None
    await _log(session, actor, Action.POLICY_REVOKE, user_id, agency_code, checked_role, changed=removed)
    if removed:
        await notify_change(session)
    return removed


async def _checked(
    session: AsyncSession,
    actor: Actor,
    authorizer: Authorizer,
    action: Action,
    user_id: str,
    agency_code: str,
    role: str,
) -> str:
    authorizer.require(actor, action)
    if agency_code != actor.agency_code and not _everywhere(actor, authorizer):
        raise AccessDenied(
            f"An agency admin of {actor.agency_code} manages roles in {actor.agency_code} only, "
            f"not in {agency_code}.",
            action=action.value,
        )
    if not user_id.strip():
        raise ValidationFailed("Name the user.", field="user_id")
    try:
        checked = Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValidationFailed(f"No role is called {role!r}; the roles are {known}.", field="role") from None
    if not await session.scalar(select(exists().where(Agency.code == agency_code))):
        raise NotFound(f"No agency has the code {agency_code!r}.", field="agency_code")
    return checked.value


def _everywhere(actor: Actor, authorizer: Authorizer) -> bool:
    return "system_admin" in authorizer.effective_roles(actor)


async def _log(
    session: AsyncSession,
    actor: Actor,
    action: Action,
    user_id: str,
    agency_code: str,
    role: str,
    *,
    changed: bool,
) -> None:
    await audit.record(
        session,
        actor,
        action=action.value,
        entity_type="role_grant",
        entity_id=f"{user_id}@{agency_code}:{role}",
        details={"user": user_id, "agency": agency_code, "role": role, "changed": changed},
    )
