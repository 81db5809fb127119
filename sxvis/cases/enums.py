"""The case's public codes."""

from enum import StrEnum


class CasePhase(StrEnum):
    """Rule 11 (Strategy 6.1.4): the phases, in the order a case goes through them."""

    ASSESSMENT = "ASSESSMENT"  # needs assessment
    SERVICE_PACKAGE = "SERVICE_PACKAGE"  # assessed: the service package (plan) is being put together
    COORDINATION = "COORDINATION"  # planned: referrals and enrollments
    MONITORING = "MONITORING"  # visits and notes
    CLOSED = "CLOSED"


OPEN_PHASES = frozenset(phase for phase in CasePhase if phase is not CasePhase.CLOSED)
"""While a case is in one of these, the person is in the managing agency's remit."""


class RiskLevel(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"  # rule 12: violence, cruelty, neglect call for an immediate response


class NeedDomain(StrEnum):
    """Where a person needs help; an assessment names one need per domain."""

    SAFETY = "SAFETY"
    HEALTH = "HEALTH"
    DISABILITY = "DISABILITY"
    CARE = "CARE"
    HOUSING = "HOUSING"
    INCOME = "INCOME"
    EMPLOYMENT = "EMPLOYMENT"
    EDUCATION = "EDUCATION"
    FAMILY = "FAMILY"
    PSYCHOSOCIAL = "PSYCHOSOCIAL"
    LEGAL = "LEGAL"
    OTHER = "OTHER"


class CaseEntryKind(StrEnum):
    """What a timeline entry records."""

    OPENED = "OPENED"
    ASSESSMENT = "ASSESSMENT"
    SERVICE_PLAN = "SERVICE_PLAN"
    MONITORING = "MONITORING"
    CLOSED = "CLOSED"
    REOPENED = "REOPENED"
    REFERRAL = "REFERRAL"  # a referral made within the case (coordination); its moves are its own history
