"""The pension subsystem: whether the person receives a pension, of which kind, how much a month (AZN)."""

from integrations.adapters._query import QueryAdapter
from integrations.protocol import Obtained, PensionRecord
from integrations.signing import Attribution


class PensionAdapter(QueryAdapter):  # a PensionRegistry
    source_system = "PENSION"

    async def pension_of(self, fin: str, *, on_behalf: Attribution) -> Obtained[PensionRecord]:
        return await self._ask("persons/{fin}/pension", PensionRecord, fin=fin, on_behalf=on_behalf)
