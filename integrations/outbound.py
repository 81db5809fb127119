"""The outbound adapters the outbox worker delivers through, one per ministry SXVİS sends messages to."""

from collections.abc import Mapping

from integrations.adapters._outbound import OutboundAdapter
from integrations.adapters.esosial import EsosialAdapter
from integrations.adapters.police import PoliceAdapter
from integrations.client import MinistryClient
from sxvis.outbox.messages import ESOSIAL, POLICE

OUTBOUND: Mapping[str, type[OutboundAdapter]] = {ESOSIAL: EsosialAdapter, POLICE: PoliceAdapter}
"""Settings key → adapter: `SXVIS_MINISTRY__ESOSIAL__*`, `SXVIS_MINISTRY__POLICE__*`."""


def outbound_adapters(clients: Mapping[str, MinistryClient]) -> dict[str, OutboundAdapter]:
    """An adapter for each outbound ministry that is configured; messages to others wait in the outbox."""
    return {name: adapter(clients[name]) for name, adapter in OUTBOUND.items() if name in clients}
