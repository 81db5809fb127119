"""TSERAS, the disability subsystem: a person's disability group, its cause, and until when it holds."""

from integrations.adapters._query import QueryAdapter
from integrations.protocol import DisabilityRecord, Obtained
from integrations.signing import Attribution


class TserasAdapter(QueryAdapter):  # a DisabilityRegistry
    source_system = "TSERAS"

    async def disability_of(self, fin: str, *, on_behalf: Attribution) -> Obtained[DisabilityRecord]:
        return await self._ask("persons/{fin}/disability", DisabilityRecord, fin=fin, on_behalf=on_behalf)
