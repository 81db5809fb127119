"""`integrationStatus`: the operator's view of the ministry integrations (needs integration:status)."""

import strawberry
from strawberry.types import Info

from resolvers import integrations as resolve
from resolvers.context import Context
from schema.errors import answer
from schema.integrations.types import IntegrationStatus, integration_status_of


@strawberry.type
class IntegrationQuery:
    @strawberry.field(
        description="Per ministry adapter: circuit state, last success, recent error rate, p95 latency, "
        "outbox depth and dead letters (needs integration:status). Shows no personal data."
    )
    async def integration_status(self, info: Info[Context, None]) -> list[IntegrationStatus]:
        async def work() -> list[IntegrationStatus]:
            return [
                integration_status_of(status) for status in await resolve.integration_status(info.context)
            ]

        return await answer(work)
