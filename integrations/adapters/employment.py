"""The employment-contract notification subsystem: whether the person works under a contract now."""

from integrations.adapters._query import QueryAdapter
from integrations.protocol import EmploymentRecord, Obtained
from integrations.signing import Attribution


class EmploymentContractsAdapter(QueryAdapter):  # an EmploymentContracts
    source_system = "EMPLOYMENT_CONTRACTS"

    async def employment_of(self, fin: str, *, on_behalf: Attribution) -> Obtained[EmploymentRecord]:
        return await self._ask("persons/{fin}/contracts", EmploymentRecord, fin=fin, on_behalf=on_behalf)
