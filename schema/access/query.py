"""Queries of the access domain: consents, break-the-glass review, notices."""

import strawberry


@strawberry.type
class AccessQuery:
    pass
