"""Enumerations of the service catalogue, named after the fields of service passport 01-09-15-00.

The passport form (001 §1-27) is the fullest form of the four source passports; each enum here is one
of its closed lists, so a passport is stored in structured columns rather than free text.
"""

from enum import StrEnum


class AgencyKind(StrEnum):
    MINISTRY = "MINISTRY"
    AGENCY = "AGENCY"
    CENTRE = "CENTRE"
    LOCAL_BODY = "LOCAL_BODY"
    MUNICIPALITY = "MUNICIPALITY"
    NGO = "NGO"


class DurationUnit(StrEnum):
    """Units in which a passport states its durations (001 §12-14)."""

    MONTH = "MONTH"
    DAY = "DAY"
    HOUR = "HOUR"
    MINUTE = "MINUTE"


class ApplicationForm(StrEnum):
    """How an application may arrive (001 §6)."""

    IN_PERSON = "IN_PERSON"
    REPRESENTATIVE = "REPRESENTATIVE"  # power of attorney or guardianship document
    CALL_CENTRE = "CALL_CENTRE"
    SELF_SERVICE = "SELF_SERVICE"  # online, electronic systems
    POST = "POST"


class ResponseForm(StrEnum):
    """How the answer reaches the applicant (001 §8)."""

    IN_PERSON = "IN_PERSON"
    REPRESENTATIVE = "REPRESENTATIVE"
    CALL_CENTRE = "CALL_CENTRE"
    PROACTIVE = "PROACTIVE"
    SELF_SERVICE = "SELF_SERVICE"
    POST = "POST"


class RefusalGround(StrEnum):
    """The only grounds on which a passport lets a service be refused or ended (rule 6)."""

    INCOMPLETE_DOCUMENTS = "INCOMPLETE_DOCUMENTS"
    NO_LEGAL_BASIS = "NO_LEGAL_BASIS"
    REMOVAL_FROM_SERVICE = "REMOVAL_FROM_SERVICE"


class EligibleUser(StrEnum):
    """Who may use a service (001 §10, rule 1)."""

    CITIZEN = "CITIZEN"
    FOREIGNER_PERMANENT_RESIDENT = "FOREIGNER_PERMANENT_RESIDENT"
    STATELESS_PERMANENT_RESIDENT = "STATELESS_PERMANENT_RESIDENT"
    INDIVIDUAL_ENTREPRENEUR = "INDIVIDUAL_ENTREPRENEUR"
    LEGAL_ENTITY = "LEGAL_ENTITY"
    FAMILY_FARM = "FAMILY_FARM"


class Fee(StrEnum):
    FREE = "FREE"
    PAID = "PAID"


class DocumentForm(StrEnum):
    """The form in which a required document is accepted (001 §22)."""

    ORIGINAL = "ORIGINAL"
    COPY = "COPY"
    NOTARISED_COPY = "NOTARISED_COPY"
    ELECTRONIC_COPY = "ELECTRONIC_COPY"
