"""Address registration: who is registered at the person's address, with ages and relations."""

from integrations.adapters._query import QueryAdapter
from integrations.protocol import AddressRecord, Obtained
from integrations.signing import Attribution


class AddressRegistryAdapter(QueryAdapter):  # an AddressRegistry
    source_system = "ADDRESS_REGISTRATION"

    async def residents_of(self, fin: str, *, on_behalf: Attribution) -> Obtained[AddressRecord]:
        return await self._ask("persons/{fin}/residents", AddressRecord, fin=fin, on_behalf=on_behalf)
