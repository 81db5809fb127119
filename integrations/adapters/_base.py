"""What every adapter over a `MinistryClient` shares: its name and its endpoint's health (the `Adapter`
protocol the operator view reads)."""

from integrations.breaker import BreakerStatus
from integrations.client import MinistryClient


class ClientAdapter:
    """An adapter that talks to one ministry through the client the composition root built (STYLE §6)."""

    def __init__(self, client: MinistryClient) -> None:
        self._client = client

    @property
    def name(self) -> str:
        return self._client.name

    def status(self) -> BreakerStatus:
        return self._client.breaker.status()
