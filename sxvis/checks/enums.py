"""The checks SXVİS runs against ministry systems, and how each one stands."""

from enum import StrEnum


class CheckKind(StrEnum):
    """What is asked, and of which MEİS subsystem (domain README, "MEİS subsystems"; rule 8)."""

    DISABILITY = "DISABILITY"  # TSERAS: group, cause, valid until
    EMPLOYMENT = "EMPLOYMENT"  # employment-contract notification: is the person employed
    ADDRESS_RESIDENTS = "ADDRESS_RESIDENTS"  # address registration: who lives at the person's address
    TARGETED_AID = "TARGETED_AID"  # VEMTAS: targeted social assistance
    PENSION = "PENSION"  # pension subsystem


class CheckStatus(StrEnum):
    OK = "OK"  # the ministry answered with a record
    NOT_FOUND = "NOT_FOUND"  # the ministry answered that it has no record: an answer, kept as a fact
    PENDING = "PENDING"  # the ministry could not answer now; asked again in the background
    FAILED = "FAILED"  # the ministry refused the request or answered unreadably; asking again won't help


class RequestStatus(StrEnum):
    """A check that could not be answered at once: waiting, answered later, or given up."""

    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"
