"""The query adapters, one module per MEİS subsystem, each implementing its protocol in
`integrations.protocol` on top of a `MinistryClient`. A 404 is the ministry saying it has no record
(`Obtained.record` is None); every other failure is the client's `IntegrationError`."""

from integrations.adapters.address import AddressRegistryAdapter
from integrations.adapters.disability import TserasAdapter
from integrations.adapters.employment import EmploymentContractsAdapter
from integrations.adapters.pension import PensionAdapter
from integrations.adapters.targeted_aid import VemtasAdapter

__all__ = [
    "AddressRegistryAdapter",
    "EmploymentContractsAdapter",
    "PensionAdapter",
    "TserasAdapter",
    "VemtasAdapter",
]
