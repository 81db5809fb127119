"""What every query adapter shares: one GET per question, a 404 read as "no record", provenance kept."""

from typing import ClassVar, TypeVar
from urllib.parse import quote

from integrations.adapters._base import ClientAdapter
from integrations.errors import NotKnownToMinistry
from integrations.protocol import Obtained
from integrations.signing import Attribution, new_message_id

T = TypeVar("T")


class QueryAdapter(ClientAdapter):
    """A ministry subsystem asked about one FIN at a time, over a `MinistryClient` (STYLE §6)."""

    source_system: ClassVar[str]
    """The system's name as facts record it (`TSERAS`, `VEMTAS` …)."""

    async def _ask(self, path: str, shape: type[T], *, fin: str, on_behalf: Attribution) -> Obtained[T]:
        # The message id is chosen here, not in the client, so that "no record" (a 404, raised as
        # `NotKnownToMinistry`) keeps its provenance too: it is an answer, stored as a fact.
        message_id = new_message_id()
        try:
            answer = await self._client.get(
                path.format(fin=quote(fin, safe="")), on_behalf=on_behalf, message_id=message_id
            )
        except NotKnownToMinistry:
            return Obtained(record=None, source_system=self.source_system, message_id=message_id)
        return Obtained(record=answer.parse(shape), source_system=self.source_system, message_id=message_id)
