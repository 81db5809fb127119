"""Closed lists of the registry: sex, residence status, household relations, circumstances, enrollments."""

from enum import StrEnum


class Sex(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"


class ResidenceStatus(StrEnum):
    """Eligibility follows it (rule 1: citizens; foreigners and stateless persons with permanent
    residence)."""

    CITIZEN = "CITIZEN"
    FOREIGNER_PERMANENT_RESIDENT = "FOREIGNER_PERMANENT_RESIDENT"
    STATELESS_PERMANENT_RESIDENT = "STATELESS_PERMANENT_RESIDENT"
    OTHER = "OTHER"


class HouseholdRelation(StrEnum):
    """A member's relation to the head of the household."""

    HEAD = "HEAD"
    SPOUSE = "SPOUSE"
    CHILD = "CHILD"
    PARENT = "PARENT"
    SIBLING = "SIBLING"
    GRANDPARENT = "GRANDPARENT"
    GRANDCHILD = "GRANDCHILD"
    OTHER_RELATIVE = "OTHER_RELATIVE"
    GUARDIAN = "GUARDIAN"
    NON_RELATIVE = "NON_RELATIVE"


class CircumstanceCategory(StrEnum):
    """The difficult life circumstances of the Strategy's section 3 (who is in the registry)."""

    CHILD_WITHOUT_PARENTAL_CARE = "CHILD_WITHOUT_PARENTAL_CARE"
    CARE_LEAVER_WITHOUT_HOME = "CARE_LEAVER_WITHOUT_HOME"
    CHILD_WITH_DISABILITY = "CHILD_WITH_DISABILITY"
    ADULT_WITH_DISABILITY = "ADULT_WITH_DISABILITY"
    NEGLECTED_CHILD = "NEGLECTED_CHILD"
    UNABLE_TO_SELF_CARE = "UNABLE_TO_SELF_CARE"
    TERMINALLY_ILL = "TERMINALLY_ILL"
    TRAFFICKING_VICTIM = "TRAFFICKING_VICTIM"
    TRAFFICKING_RISK = "TRAFFICKING_RISK"
    DOMESTIC_VIOLENCE_VICTIM = "DOMESTIC_VIOLENCE_VICTIM"
    HOMELESS = "HOMELESS"
    SOCIALLY_EXCLUDED = "SOCIALLY_EXCLUDED"
    RELEASED_FROM_PRISON = "RELEASED_FROM_PRISON"
    ELDERLY = "ELDERLY"


class EnrollmentStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


class EnrollmentEndReason(StrEnum):
    """Why an enrollment ended. The last three are passport refusal grounds (rule 6): a service may be
    ended on them only if its passport lists them."""

    COMPLETED = "COMPLETED"
    REFERRAL_FAILED = "REFERRAL_FAILED"  # the referral that enrolled the person failed (set by the move)
    PERSON_WITHDREW = "PERSON_WITHDREW"
    PERSON_DIED = "PERSON_DIED"
    INCOMPLETE_DOCUMENTS = "INCOMPLETE_DOCUMENTS"
    NO_LEGAL_BASIS = "NO_LEGAL_BASIS"
    REMOVAL_FROM_SERVICE = "REMOVAL_FROM_SERVICE"
