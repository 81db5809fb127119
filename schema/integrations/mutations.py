"""`retryDeadLetter`: put a message the outbox gave up on back in it (needs dead_letter:retry; audited)."""

import strawberry
from strawberry.types import Info

from resolvers import integrations as resolve
from resolvers.context import Context
from schema.errors import RegistryError
from schema.integrations.inputs import RetryDeadLetterInput
from schema.relay import parse_uuid
from sxvis.errors import DomainError


@strawberry.type
class RetryDeadLetterPayload:
    message_id: str | None = strawberry.field(
        default=None, description="The message, due again now, under its original X-Road-Id."
    )
    ministry: str | None = None
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class IntegrationMutation:
    @strawberry.mutation(
        description="Move a dead letter back to the outbox, due at once, with its attempts reset and "
        "its message id kept (a ministry that did get it deduplicates it). Needs dead_letter:retry."
    )
    async def retry_dead_letter(
        self, info: Info[Context, None], input: RetryDeadLetterInput
    ) -> RetryDeadLetterPayload:
        try:
            message_id = parse_uuid(input.id, type_name="DeadLetter", field="id")
            queued = await resolve.retry(info.context, message_id=message_id)
        except DomainError as err:
            return RetryDeadLetterPayload(errors=[RegistryError.of(err)])
        return RetryDeadLetterPayload(message_id=str(queued.id), ministry=queued.ministry)
