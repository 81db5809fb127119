"""E-sosial: decisions posted to the person's personal cabinet (outbound, through the outbox).

`POST decisions` with the decision (`sxvis.outbox.messages.post_decision` builds it); the portal answers
`received`, or `duplicate` for a message id it already has.
"""

from typing import ClassVar

from integrations.adapters._outbound import OutboundAdapter
from sxvis.outbox.messages import DECISION


class EsosialAdapter(OutboundAdapter):
    paths: ClassVar[dict[str, str]] = {DECISION: "decisions"}
