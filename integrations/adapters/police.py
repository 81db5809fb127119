"""The police (Ministry of Internal Affairs): domestic-violence reports (outbound, urgent, pseudonymous).

`POST reports` with the report `sxvis.outbox.messages.report_domestic_violence` builds: no name, FIN,
address or contact of the victim. Urgent messages are claimed first by the outbox worker.
"""

from typing import ClassVar

from integrations.adapters._outbound import OutboundAdapter
from sxvis.outbox.messages import DOMESTIC_VIOLENCE_REPORT


class PoliceAdapter(OutboundAdapter):
    paths: ClassVar[dict[str, str]] = {DOMESTIC_VIOLENCE_REPORT: "reports"}
