"""Inputs of the operator view."""

import strawberry


@strawberry.input(description="A dead letter to put back in the outbox.")
class RetryDeadLetterInput:
    id: strawberry.ID = strawberry.field(description="A DeadLetter id, from integrationStatus.")
