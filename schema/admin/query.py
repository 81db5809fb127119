"""Queries of policy administration and audit: `me`, `policies`, `accessLog`."""

import strawberry


@strawberry.type
class AdminQuery:
    pass
