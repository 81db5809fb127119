"""What the checks need from the ministry systems, as the core sees them: a kind asked about a FIN.

The core knows no URL, header or adapter: the composition root hands the checks a `FactSources`
(`integrations.hub.Integrations` is the one SXVİS uses), which asks the right subsystem and says where
the answer came from. It signals "not now" with `MinistryUnavailable` (the check goes `PENDING`) and
"not ever, as asked" with any other `IntegrationError` (the check is `FAILED`).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sxvis.checks.enums import CheckKind


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks and what for: sent with the request (X-Road-UserId, X-Road-Issue) and kept with the fact."""

    user_id: str
    issue: str


@dataclass(frozen=True, slots=True)
class Answer:
    """A ministry's answer about one person: a record (`found`), or its word that it has none."""

    found: bool
    value: dict[str, Any] | None
    source_system: str
    message_id: str
    valid_until: datetime | None = None  # the ministry's own limit (a disability's end), if it gives one


class FactSources(Protocol):
    def serves(self, kind: CheckKind) -> bool:
        """Whether a ministry system that answers `kind` is configured."""
        ...

    async def ask(self, kind: CheckKind, *, fin: str, requester: Requester) -> Answer:
        """Ask the subsystem of `kind` about the person with this FIN.

        Raises `MinistryUnavailable` when it cannot answer now, another `IntegrationError` when it
        refused the request or answered unreadably.
        """
        ...


class NoSources:
    """No ministry configured: every check fails at once, saying so."""

    def serves(self, kind: CheckKind) -> bool:
        return False

    async def ask(self, kind: CheckKind, *, fin: str, requester: Requester) -> Answer:
        from sxvis.errors import IntegrationError

        raise IntegrationError(f"no ministry system answering {kind.value} checks is configured")
