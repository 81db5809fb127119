"""The words people read for the API's enum values and error codes, kept in the catalogues.

`label("ReferralStatus", "REQUESTED")` is "Gözləyir" in Azerbaijani; a value missing here is shown as
it is (a test lists every enum the console shows and fails on a missing one). Field errors: the API
answers `errors { field code message }` in English; `field_error` gives the person their language,
keeping the API's message only where no translation says more.
"""

from sxvis.web.console import i18n


def N_(message: str) -> str:
    return message


LABELS: dict[str, dict[str, str]] = {
    "ReferralStatus": {
        "REQUESTED": N_("Requested"),
        "ACCEPTED": N_("Accepted"),
        "REJECTED": N_("Rejected"),
        "CANCELLED": N_("Cancelled"),
        "IN_PROGRESS": N_("In progress"),
        "COMPLETED": N_("Completed"),
        "FAILED": N_("Failed"),
    },
    "Urgency": {"ROUTINE": N_("Routine"), "URGENT": N_("Urgent"), "EMERGENCY": N_("Emergency")},
    "Sex": {"MALE": N_("Male"), "FEMALE": N_("Female")},
    "ResidenceStatus": {
        "CITIZEN": N_("Citizen"),
        "FOREIGNER_PERMANENT_RESIDENT": N_("Foreigner, permanent resident"),
        "STATELESS_PERMANENT_RESIDENT": N_("Stateless, permanent resident"),
        "OTHER": N_("Other"),
    },
    "CircumstanceCategory": {
        "CHILD_WITHOUT_PARENTAL_CARE": N_("Child without parental care"),
        "CARE_LEAVER_WITHOUT_HOME": N_("Care leaver without a home"),
        "CHILD_WITH_DISABILITY": N_("Child with a disability"),
        "ADULT_WITH_DISABILITY": N_("Adult with a disability"),
        "NEGLECTED_CHILD": N_("Neglected child"),
        "UNABLE_TO_SELF_CARE": N_("Unable to care for themselves"),
        "TERMINALLY_ILL": N_("Terminally ill"),
        "TRAFFICKING_VICTIM": N_("Victim of trafficking"),
        "TRAFFICKING_RISK": N_("At risk of trafficking"),
        "DOMESTIC_VIOLENCE_VICTIM": N_("Victim of domestic violence"),
        "HOMELESS": N_("Homeless"),
        "SOCIALLY_EXCLUDED": N_("Socially excluded"),
        "RELEASED_FROM_PRISON": N_("Released from prison"),
        "ELDERLY": N_("Elderly"),
    },
    "EnrollmentStatus": {"ACTIVE": N_("Active"), "ENDED": N_("Ended")},
    "CheckKind": {
        "DISABILITY": N_("Disability"),
        "EMPLOYMENT": N_("Employment"),
        "ADDRESS_RESIDENTS": N_("Residents at the address"),
        "TARGETED_AID": N_("Targeted social assistance"),
        "PENSION": N_("Pension"),
    },
    "CheckStatus": {
        "OK": N_("Found"),
        "NOT_FOUND": N_("No record"),
        "PENDING": N_("Waiting for the ministry"),
        "FAILED": N_("Refused"),
    },
    "CasePhase": {
        "ASSESSMENT": N_("Needs assessment"),
        "SERVICE_PACKAGE": N_("Service package"),
        "COORDINATION": N_("Coordination"),
        "MONITORING": N_("Monitoring"),
        "CLOSED": N_("Closed"),
    },
    "RiskLevel": {"LOW": N_("Low"), "MEDIUM": N_("Medium"), "HIGH": N_("High"), "CRITICAL": N_("Critical")},
    "NeedDomain": {
        "SAFETY": N_("Safety"),
        "HEALTH": N_("Health"),
        "DISABILITY": N_("Disability"),
        "CARE": N_("Care"),
        "HOUSING": N_("Housing"),
        "INCOME": N_("Income"),
        "EMPLOYMENT": N_("Employment"),
        "EDUCATION": N_("Education"),
        "FAMILY": N_("Family"),
        "PSYCHOSOCIAL": N_("Psychosocial"),
        "LEGAL": N_("Legal"),
        "OTHER": N_("Other"),
    },
    "CaseEntryKind": {
        "OPENED": N_("Case opened"),
        "ASSESSMENT": N_("Needs assessment"),
        "SERVICE_PLAN": N_("Service plan"),
        "MONITORING": N_("Monitoring visit"),
        "CLOSED": N_("Case closed"),
        "REOPENED": N_("Case reopened"),
        "REFERRAL": N_("Referral"),
    },
    "Purpose": {
        "SERVICE_DELIVERY": N_("Service delivery"),
        "CASE_MANAGEMENT": N_("Case management"),
        "ELIGIBILITY_CHECK": N_("Eligibility check"),
        "EMERGENCY": N_("Emergency"),
        "AUDIT": N_("Audit"),
        "ADMINISTRATION": N_("Administration"),
        "DATA_EXCHANGE": N_("Data exchange"),
    },
    "ApplicationStatus": {
        "SUBMITTED": N_("Submitted"),
        "ASSESSED": N_("Assessed"),
        "APPROVED": N_("Approved"),
        "WAITING": N_("In the queue"),
        "ALLOCATED": N_("Allocated"),
        "REFUSED": N_("Refused"),
        "WITHDRAWN": N_("Withdrawn"),
    },
    "ApplicantKind": {
        "SELF": N_("The person themselves"),
        "RELATIVE": N_("A relative"),
        "LEGAL_REPRESENTATIVE": N_("Legal representative"),
        "MUNICIPALITY": N_("Municipality"),
        "NGO": N_("NGO"),
        "OTHER_WITH_CONSENT": N_("Someone else, with the person's consent"),
    },
    "ApplicationForm": {
        "IN_PERSON": N_("In person"),
        "REPRESENTATIVE": N_("Through a representative"),
        "CALL_CENTRE": N_("Call centre"),
        "SELF_SERVICE": N_("Self-service (E-sosial)"),
        "POST": N_("By post"),
    },
    "ApplicationDeadlineKind": {
        "ASSESSMENT": N_("Needs assessment"),
        "FRONT_OFFICE": N_("Front office"),
        "BACK_OFFICE": N_("Back office"),
        "DECISION_POSTING": N_("Decision sent to E-sosial"),
        "SERVICE": N_("Service deadline"),
    },
    "ApplicationDecision": {"APPROVE": N_("Approve"), "REFUSE": N_("Refuse")},
    "RefusalGround": {
        "INCOMPLETE_DOCUMENTS": N_("Incomplete documents"),
        "NO_LEGAL_BASIS": N_("No legal basis"),
        "REMOVAL_FROM_SERVICE": N_("Removal from the service"),
    },
    "ConsultationKind": {
        "READ": N_("Record opened"),
        "SEARCH": N_("Found in a search"),
        "CHANGE": N_("Record changed"),
        "AUDIT": N_("Audit of the trail"),
    },
    "AccessOutcome": {"ALLOWED": N_("Allowed"), "DENIED": N_("Denied"), "FAILED": N_("Failed with an error")},
    "CircuitState": {"CLOSED": N_("Working"), "OPEN": N_("Interrupted"), "HALF_OPEN": N_("Being tested")},
    "CalendarDayKind": {"HOLIDAY": N_("Holiday"), "WORKING_DAY": N_("Working day")},
    "CalendarDaySource": {"PUBLIC": N_("Public calendar"), "OPERATOR": N_("Operator")},
    "BreakGlassReasonCode": {
        "IMMEDIATE_DANGER": N_("Immediate danger"),
        "CHILD_PROTECTION": N_("Child protection"),
        "COURT_ORDER": N_("Court order"),
        "MEDICAL_EMERGENCY": N_("Medical emergency"),
        "CASE_CONTINUITY": N_("Continuity of a case"),
    },
    "ReferralDirection": {"INCOMING": N_("Incoming"), "OUTGOING": N_("Outgoing")},
}

ERRORS: dict[str, str] = {
    "INVALID": N_("This value is not valid."),
    "REQUIRED": N_("This field is required."),
    "NOT_FOUND": N_("Not found."),
    "DUPLICATE": N_("This is already registered."),
    "INVALID_TRANSITION": N_("This referral can no longer be moved this way; it has changed meanwhile."),
    "CONFLICT": N_("Someone changed this at the same time; open it again."),
    "NOT_ELIGIBLE": N_("The person is not eligible for this service."),
    "NOT_A_PROVIDER": N_("This agency does not provide this service."),
    "DECEASED": N_("The person is recorded as deceased."),
    "REFUSAL_GROUND_NOT_IN_PASSPORT": N_("This ground of refusal is not in the service passport."),
    "CONSENT_REQUIRED": N_("This agency needs the person's consent: record it first, or choose it."),
    "NO_CAPACITY": N_("This provider has no free place; choose another one below."),
    "PERSON_NOT_REGISTERED": N_("No person with this FIN is registered: register the person first."),
    "CHANNEL_NOT_OFFERED": N_("The service passport does not offer this way of applying."),
    "KIND_REQUIRED": N_("This service has variants: choose one."),
    "KIND_NOT_OFFERED": N_("The service passport has no such variant."),
    "REPRESENTATIVE_REQUIRED": N_("Say who applies for the person."),
    "CHECKS_PENDING": N_("A ministry has not answered yet: the application waits for its check."),
    "NOT_QUEUED": N_("Nothing is waiting in this queue."),
    "DOCUMENTS_COMPLETE": N_("No document is missing, so this ground does not apply."),
}

FIELD_ERRORS: dict[tuple[str, str], str] = {
    ("fin", "INVALID"): N_("A FIN is 7 characters: digits and capital Latin letters."),
    ("fin", "DUPLICATE"): N_("A person with this FIN is already registered."),
    ("birthDate", "INVALID"): N_("Give a birth date in the past, as YYYY-MM-DD."),
    ("email", "INVALID"): N_("This e-mail address is not valid."),
    ("phone", "INVALID"): N_("This phone number is not valid (e.g. +994 50 123 45 67)."),
    ("validUntil", "INVALID"): N_("The last day may not be in the past."),
    ("reason", "INVALID"): N_("Say more: at least 20 characters."),
    ("caseId", "INVALID_TRANSITION"): N_("The case is closed: reopen it before referring from it."),
    ("caseId", "INVALID"): N_("The case is about another person."),
}


def label(value: object, kind: str) -> str:
    """The translated word for an enum value (`{{ status | label("ReferralStatus") }}`)."""
    text = str(value) if value is not None else ""
    message = LABELS.get(kind, {}).get(text)
    return i18n.gettext(message) if message is not None else text


def field_error(error: dict[str, object]) -> str:
    """A payload error (`field`, `code`, `message`) in the person's language."""
    code = str(error.get("code") or "")
    field = str(error.get("field") or "")
    message = FIELD_ERRORS.get((field, code)) or ERRORS.get(code)
    if message is None:
        return str(error.get("message") or "")
    return i18n.gettext(message)


def errors_by_field(errors: list[dict[str, object]], known: set[str]) -> dict[str, str]:
    """Errors keyed by the form field they belong to; those of no known field under `""` (the form's)."""
    shown: dict[str, str] = {}
    for error in errors:
        field = str(error.get("field") or "")
        key = field if field in known else ""
        text = field_error(error)
        shown[key] = f"{shown[key]} {text}" if key in shown else text
    return shown
