"""Mutations of the access domain: consent, break-the-glass and its review."""

import strawberry


@strawberry.type
class AccessMutation:
    pass
