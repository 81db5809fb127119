"""Every SQLAlchemy model, imported in one place so the metadata is complete (Alembic, tests)."""

from sxvis.audit.models import AccessEvent, AccessEventSeal
from sxvis.catalogue.models import Agency, RequiredDocument, Service, ServiceProvider
from sxvis.registry.models import Circumstance, Enrollment, Household, HouseholdMember, Person

__all__ = [
    "AccessEvent",
    "AccessEventSeal",
    "Agency",
    "Circumstance",
    "Enrollment",
    "Household",
    "HouseholdMember",
    "Person",
    "RequiredDocument",
    "Service",
    "ServiceProvider",
]
