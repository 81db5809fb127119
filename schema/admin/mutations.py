"""Mutations of policy administration: `grantRole`, `revokeRole`.

One `input`, a payload with `changed` and `errors` (STYLE §3). An unknown role or agency is a payload
error and nothing is written; a refusal (no `policy:grant`, or another agency for an agency admin) is a
FORBIDDEN error, logged as a denial by the endpoint. A change reaches every worker within a second
(LISTEN/NOTIFY): the user's roles change from their next request.
"""

import strawberry
from strawberry.types import Info

from resolvers import admin as resolve
from resolvers.context import Context
from schema.admin.inputs import RoleGrantInput
from schema.errors import RegistryError
from sxvis.errors import DomainError


@strawberry.type
class RoleChangePayload:
    changed: bool | None = strawberry.field(
        default=None, description="False if the user already had (or did not have) the role."
    )
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class AdminMutation:
    @strawberry.mutation(
        description="Give a user a role in an agency (needs policy:grant; an agency admin, their own "
        "agency only). Audited."
    )
    async def grant_role(self, info: Info[Context, None], input: RoleGrantInput) -> RoleChangePayload:
        try:
            changed = await resolve.grant_role(
                info.context, user_id=input.user_id, agency_code=input.agency_code, role=input.role
            )
        except DomainError as err:
            return RoleChangePayload(errors=[RegistryError.of(err)])
        return RoleChangePayload(changed=changed)

    @strawberry.mutation(
        description="Take a role in an agency from a user (needs policy:revoke; an agency admin, their "
        "own agency only). Audited."
    )
    async def revoke_role(self, info: Info[Context, None], input: RoleGrantInput) -> RoleChangePayload:
        try:
            changed = await resolve.revoke_role(
                info.context, user_id=input.user_id, agency_code=input.agency_code, role=input.role
            )
        except DomainError as err:
            return RoleChangePayload(errors=[RegistryError.of(err)])
        return RoleChangePayload(changed=changed)
