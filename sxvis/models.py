"""Every SQLAlchemy model, imported in one place so the metadata is complete (Alembic, tests)."""

from sxvis.access.models import BreakGlassGrant, Notice, PersonRemit
from sxvis.audit.models import AccessEvent, AccessEventSeal
from sxvis.catalogue.models import Agency, RequiredDocument, Service, ServiceProvider
from sxvis.referrals.calendar import CalendarDay
from sxvis.referrals.models import Referral, ReferralMove
from sxvis.registry.models import Circumstance, Consent, Enrollment, Household, HouseholdMember, Person

__all__ = [
    "AccessEvent",
    "AccessEventSeal",
    "Agency",
    "BreakGlassGrant",
    "CalendarDay",
    "Circumstance",
    "Consent",
    "Enrollment",
    "Household",
    "HouseholdMember",
    "Notice",
    "Person",
    "PersonRemit",
    "Referral",
    "ReferralMove",
    "RequiredDocument",
    "Service",
    "ServiceProvider",
]
