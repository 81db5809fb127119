"""Error codes of applications. The schema exposes them as the `ApplicationErrorCode` enum.

The codes of the registry are included, because an approval enrolls the person through the registry
(`NO_CAPACITY`, `NOT_A_PROVIDER` …) and its errors reach the applicant's payload unchanged.
"""

from enum import StrEnum

from sxvis.errors import DomainError


class ApplicationErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"  # a second open application of the person for the service; names the open one
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT = "CONFLICT"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"  # rule 1
    NOT_A_PROVIDER = "NOT_A_PROVIDER"
    DECEASED = "DECEASED"
    REFUSAL_GROUND_NOT_IN_PASSPORT = "REFUSAL_GROUND_NOT_IN_PASSPORT"  # rule 6
    CONSENT_REQUIRED = "CONSENT_REQUIRED"  # rule 2
    NO_CAPACITY = "NO_CAPACITY"
    PERSON_NOT_REGISTERED = "PERSON_NOT_REGISTERED"  # intake by FIN of a FIN nobody has: register first
    CHANNEL_NOT_OFFERED = "CHANNEL_NOT_OFFERED"  # the passport does not list this application form
    KIND_REQUIRED = "KIND_REQUIRED"  # the passport offers variants (TREATMENT, REST): name one
    KIND_NOT_OFFERED = "KIND_NOT_OFFERED"  # a variant the passport does not offer
    REPRESENTATIVE_REQUIRED = "REPRESENTATIVE_REQUIRED"  # someone applies for the person: who
    DOCUMENT_NOT_REQUIRED = "DOCUMENT_NOT_REQUIRED"  # not one of the passport's required documents
    DOCUMENT_FORM_NOT_ACCEPTED = "DOCUMENT_FORM_NOT_ACCEPTED"  # a form the passport does not accept
    DOCUMENTS_COMPLETE = "DOCUMENTS_COMPLETE"  # INCOMPLETE_DOCUMENTS while nothing is missing (rule 6)
    CHECKS_PENDING = "CHECKS_PENDING"  # a ministry has not answered yet: the application waits (rule 8)
    NOT_QUEUED = "NOT_QUEUED"  # allocateFromQueue on a service that is not given in queue order
    INVALID_CHARACTERS = "INVALID_CHARACTERS"  # a control character in a string input (schema/edges.py)
    INVALID_DATE = "INVALID_DATE"  # a date not written YYYY-MM-DD (or a date-time not ISO 8601); edges too


class ApplicationError(DomainError):
    """An application input or move the passport's rules do not allow."""

    code = ApplicationErrorCode.INVALID
