"""Every SQLAlchemy model, imported in one place so the metadata is complete (Alembic, tests)."""

from sxvis.access.models import BreakGlassGrant, Notice, PersonRemit
from sxvis.applications.models import Application, ApplicationDocument, ApplicationEvidence, ApplicationMove
from sxvis.audit.models import AccessEvent, AccessEventSeal
from sxvis.cases.models import Case, CaseEntry
from sxvis.catalogue.capacity import ServiceCapacity
from sxvis.catalogue.models import Agency, RequiredDocument, Service, ServiceProvider
from sxvis.checks.models import CheckRequest, Fact
from sxvis.duplicates.models import PersonMerge
from sxvis.imports.models import PersonImport
from sxvis.inbound.models import InboundMessage
from sxvis.outbox.models import DeadLetter, OutboxMessage
from sxvis.protection.models import DomesticViolenceRegistration, Interview
from sxvis.referrals.calendar import CalendarDay
from sxvis.referrals.models import Referral, ReferralMove
from sxvis.registry.models import Circumstance, Consent, Enrollment, Household, HouseholdMember, Person

__all__ = [
    "AccessEvent",
    "AccessEventSeal",
    "Agency",
    "Application",
    "ApplicationDocument",
    "ApplicationEvidence",
    "ApplicationMove",
    "BreakGlassGrant",
    "CalendarDay",
    "Case",
    "CaseEntry",
    "CheckRequest",
    "Circumstance",
    "Consent",
    "DeadLetter",
    "DomesticViolenceRegistration",
    "Enrollment",
    "Fact",
    "Household",
    "HouseholdMember",
    "InboundMessage",
    "Interview",
    "Notice",
    "OutboxMessage",
    "Person",
    "PersonImport",
    "PersonMerge",
    "PersonRemit",
    "Referral",
    "ReferralMove",
    "RequiredDocument",
    "Service",
    "ServiceCapacity",
    "ServiceProvider",
]
