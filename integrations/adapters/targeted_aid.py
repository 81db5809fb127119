"""VEMTAS, targeted state social assistance: whether the person's family receives it, how much, until when."""

from integrations.adapters._query import QueryAdapter
from integrations.protocol import AidRecord, Obtained
from integrations.signing import Attribution


class VemtasAdapter(QueryAdapter):  # a TargetedAid
    source_system = "VEMTAS"

    async def aid_of(self, fin: str, *, on_behalf: Attribution) -> Obtained[AidRecord]:
        return await self._ask("persons/{fin}/assistance", AidRecord, fin=fin, on_behalf=on_behalf)
