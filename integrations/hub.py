"""`Integrations`: every ministry client and adapter SXVİS holds, built once from `IntegrationSettings`.

The composition root builds one (`sxvis.web.app`, `sxvis.cli`), hands it to the resolvers through their
context, and closes it when the server stops. It holds:

- `clients`: one `MinistryClient` per configured ministry, keyed by its settings name (`tseras`,
  `employment`, `vemtas`, `address`, `pension`, `esosial`, `police`); the outbox and the operator view
  use these directly;
- the query adapters, each None when its ministry is not configured;
- `ask`, which makes it the `FactSources` the checks need (`sxvis.checks`): the check kind picks the
  adapter, and the adapter's record becomes a fact's value (camelCase JSON, as the API shows it).
"""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx

from integrations.adapters import (
    AddressRegistryAdapter,
    EmploymentContractsAdapter,
    PensionAdapter,
    TserasAdapter,
    VemtasAdapter,
)
from integrations.client import MinistryClient
from integrations.protocol import (
    Adapter,
    AddressRecord,
    AddressRegistry,
    AidRecord,
    DisabilityRecord,
    DisabilityRegistry,
    EmploymentContracts,
    EmploymentRecord,
    Obtained,
    PensionRecord,
    PensionRegistry,
    TargetedAid,
)
from integrations.settings import IntegrationSettings
from integrations.signing import Attribution
from sxvis.checks import Answer, CheckKind, Requester
from sxvis.clock import BAKU
from sxvis.errors import IntegrationError

QUERY_MINISTRIES: Mapping[CheckKind, str] = {
    CheckKind.DISABILITY: "tseras",
    CheckKind.EMPLOYMENT: "employment",
    CheckKind.TARGETED_AID: "vemtas",
    CheckKind.ADDRESS_RESIDENTS: "address",
    CheckKind.PENSION: "pension",
}
"""Which ministry (settings key) answers which check."""

MINISTRIES = ("tseras", "employment", "vemtas", "address", "pension", "esosial", "police")
"""Every ministry SXVİS talks to, by settings key (the simulators serve each under this prefix)."""

WORKING_AGE = (18, 65)
"""Ages (from, before) at which a relative counts as able-bodied for rule 8: the age of majority to the
pension age. By age only; a relative's own disability would need a TSERAS check of its own."""


class Integrations:
    def __init__(
        self, settings: IntegrationSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.clients: dict[str, MinistryClient] = {
            name: MinistryClient(name, endpoint, transport=transport)
            for name, endpoint in sorted(settings.ministry.items())
        }
        self.disability: DisabilityRegistry | None = self._adapter("tseras", TserasAdapter)
        self.employment: EmploymentContracts | None = self._adapter("employment", EmploymentContractsAdapter)
        self.targeted_aid: TargetedAid | None = self._adapter("vemtas", VemtasAdapter)
        self.address: AddressRegistry | None = self._adapter("address", AddressRegistryAdapter)
        self.pension: PensionRegistry | None = self._adapter("pension", PensionAdapter)

    @classmethod
    def from_environment(cls) -> "Integrations":
        return cls(IntegrationSettings())

    def _adapter(self, name: str, kind: Any) -> Any:
        client = self.clients.get(name)
        return None if client is None else kind(client)

    @property
    def adapters(self) -> list[Adapter]:
        found = (self.disability, self.employment, self.targeted_aid, self.address, self.pension)
        return [adapter for adapter in found if adapter is not None]

    async def __aenter__(self) -> "Integrations":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    # FactSources (sxvis.checks.sources)

    def serves(self, kind: CheckKind) -> bool:
        return QUERY_MINISTRIES[kind] in self.clients

    async def ask(self, kind: CheckKind, *, fin: str, requester: Requester) -> Answer:
        on_behalf = Attribution(user_id=requester.user_id, issue=requester.issue)
        if kind is CheckKind.DISABILITY and self.disability is not None:
            tseras = await self.disability.disability_of(fin, on_behalf=on_behalf)
            until = _end_of(tseras.record.valid_until) if tseras.record else None
            return _answer(tseras, _disability, until=until)
        if kind is CheckKind.EMPLOYMENT and self.employment is not None:
            return _answer(await self.employment.employment_of(fin, on_behalf=on_behalf), _employment)
        if kind is CheckKind.TARGETED_AID and self.targeted_aid is not None:
            aid = await self.targeted_aid.aid_of(fin, on_behalf=on_behalf)
            return _answer(aid, _aid, until=_end_of(aid.record.until) if aid.record else None)
        if kind is CheckKind.ADDRESS_RESIDENTS and self.address is not None:
            return _answer(await self.address.residents_of(fin, on_behalf=on_behalf), _residents)
        if kind is CheckKind.PENSION and self.pension is not None:
            return _answer(await self.pension.pension_of(fin, on_behalf=on_behalf), _pension)
        raise IntegrationError(f"no ministry system answering {kind.value} checks is configured")


def _answer(obtained: Obtained[Any], value_of: Any, *, until: datetime | None = None) -> Answer:
    record = obtained.record
    return Answer(
        found=record is not None,
        value=None if record is None else value_of(record),
        source_system=obtained.source_system,
        message_id=obtained.message_id,
        valid_until=until,
    )


def _end_of(day: date | None) -> datetime | None:
    """The end of a Baku day a ministry names as the last of a period."""
    return None if day is None else datetime.combine(day + timedelta(days=1), time(0), BAKU)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _disability(r: DisabilityRecord) -> dict[str, Any]:
    return {"group": r.group, "cause": r.cause, "validUntil": _iso(r.valid_until)}


def _employment(r: EmploymentRecord) -> dict[str, Any]:
    return {"employed": r.employed, "employer": r.employer, "since": _iso(r.since)}


def _aid(r: AidRecord) -> dict[str, Any]:
    return {"receives": r.receives, "amountAzn": _money(r.amount), "until": _iso(r.until)}


def _pension(r: PensionRecord) -> dict[str, Any]:
    return {"receives": r.receives, "kind": r.kind, "amountAzn": _money(r.amount)}


def _residents(r: AddressRecord) -> dict[str, Any]:
    residents = []
    for resident in r.residents:
        relative = resident.relation not in ("NON_RELATIVE", "GUARDIAN")
        working_age = WORKING_AGE[0] <= resident.age < WORKING_AGE[1]
        residents.append(
            {
                "fin": resident.fin,
                "name": resident.name,
                "birthDate": resident.birth_date.isoformat(),
                "age": resident.age,
                "relation": resident.relation,
                "relative": relative,
                "ableBodied": relative and working_age,
            }
        )
    return {
        "address": r.address,
        "residents": residents,
        "ableBodiedRelatives": sum(1 for resident in residents if resident["ableBodied"]),
    }
