"""Messages ministries send to SXVİS: verified at the route, processed once each (by message id).

Today: the Ministry of Justice's release notices (`release_notices`).
"""

from sxvis.inbound.models import InboundMessage
from sxvis.inbound.release_notices import (
    NoticeOutcome,
    Received,
    ReleaseNotice,
    Replayed,
    Sender,
    receive_release_notice,
)

__all__ = [
    "InboundMessage",
    "NoticeOutcome",
    "Received",
    "ReleaseNotice",
    "Replayed",
    "Sender",
    "receive_release_notice",
]
