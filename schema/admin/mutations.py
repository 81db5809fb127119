"""Mutations of policy administration: `grantRole`, `revokeRole`."""

import strawberry


@strawberry.type
class AdminMutation:
    pass
