"""What the outbound adapters share: one idempotent POST per outbox message, under its own message id."""

from typing import ClassVar, Literal

import pydantic

from integrations.adapters._base import ClientAdapter
from integrations.errors import MinistryRejected
from integrations.signing import Attribution
from sxvis.outbox.delivery import Outgoing, Receipt


class Acknowledgement(pydantic.BaseModel):
    """A receiving ministry's answer: it stored the message, or already had this message id."""

    model_config = pydantic.ConfigDict(extra="ignore")

    status: Literal["received", "duplicate"]
    message_id: str | None = pydantic.Field(default=None, alias="messageId")


class OutboundAdapter(ClientAdapter):
    """A ministry SXVİS sends messages to (STYLE §6): `deliver` is what the outbox worker calls."""

    paths: ClassVar[dict[str, str]]
    """Message kind → path under the ministry's base URL."""

    async def deliver(self, message: Outgoing) -> Receipt:
        path = self.paths.get(message.kind)
        if path is None:
            raise MinistryRejected(
                f"{self.name} takes no message of kind {message.kind!r}", status_code=0, detail=message.kind
            )
        # Idempotent: the receiver deduplicates the message id, so the client may retry within the call,
        # and the worker may send it again after a crash.
        answer = await self._client.post(
            path,
            on_behalf=Attribution(user_id=message.user, issue=message.issue),
            payload=dict(message.payload),
            message_id=str(message.id),
            idempotent=True,
        )
        ack = answer.parse(Acknowledgement)
        return Receipt(status=ack.status, reference=ack.message_id)
