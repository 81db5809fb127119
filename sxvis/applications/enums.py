"""The application's public codes."""

from enum import StrEnum


class ApplicationStatus(StrEnum):
    SUBMITTED = "SUBMITTED"  # received; the need is assessed the same day (rule 3)
    ASSESSED = "ASSESSED"  # the need is assessed; a decision is due by the passport's deadline
    APPROVED = "APPROVED"  # granted; the person is enrolled with the provider
    WAITING = "WAITING"  # granted a rationed service: waiting in its queue (rule 9)
    ALLOCATED = "ALLOCATED"  # the queue reached it: the voucher is given
    REFUSED = "REFUSED"  # refused on a ground the passport lists (rule 6)
    WITHDRAWN = "WITHDRAWN"  # the applicant withdrew


OPEN_STATUSES = frozenset(
    {ApplicationStatus.SUBMITTED, ApplicationStatus.ASSESSED, ApplicationStatus.WAITING}
)
"""While an application is in one of these, its person is in the handling agency's remit, and no
second application of the same person for the same service may be opened."""

UNDECIDED_STATUSES = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.ASSESSED})
"""Waiting for a decision: the passport's deadlines run against these."""


class ApplicantKind(StrEnum):
    """Who applies for the person (rule 2; 000 §16, 002 step 1)."""

    SELF = "SELF"
    RELATIVE = "RELATIVE"
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"  # guardian or trustee, with the document
    MUNICIPALITY = "MUNICIPALITY"
    NGO = "NGO"
    OTHER_WITH_CONSENT = "OTHER_WITH_CONSENT"


CONSENT_FREE_APPLICANTS = frozenset({ApplicantKind.SELF, ApplicantKind.LEGAL_REPRESENTATIVE})
"""The person themselves and their legal representative apply without a recorded consent; everyone
else needs the person's consent (rule 2, as issue 16 item 1 states it)."""


class Decision(StrEnum):
    APPROVE = "APPROVE"
    REFUSE = "REFUSE"


class DeadlineKind(StrEnum):
    """The deadlines an application runs against (rules 3, 4 and 5)."""

    ASSESSMENT = "ASSESSMENT"  # rule 3 (000 §16): the need is assessed the day the application arrives
    FRONT_OFFICE = "FRONT_OFFICE"  # rule 4 (001 §14-15)
    BACK_OFFICE = "BACK_OFFICE"  # rule 4 (001 §16-17), counted from the end of the front office
    DECISION_POSTING = "DECISION_POSTING"  # rule 5 (001 step 10): one working day before the service deadline
    SERVICE = "SERVICE"  # rule 4 (001 §12-13): the passport's total duration


class DayCount(StrEnum):
    """How a passport's "gün" (days) are counted where the source does not say (docs/api.md)."""

    WORKING = "WORKING"
    CALENDAR = "CALENDAR"
