"""The public codes of domestic-violence cases."""

from enum import StrEnum


class InterviewKind(StrEnum):
    """Who interviewed the victim (passport 09-03-00-00, step 3: the centre's lawyer and psychologist)."""

    LAWYER = "LAWYER"
    PSYCHOLOGIST = "PSYCHOLOGIST"
