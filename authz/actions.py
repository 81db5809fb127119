"""Every action SXVİS authorizes, named `object:action` (STYLE §5). The Casbin policy is the only table
of who may do which; authentication gives the actor its permissions, services ask
`actor.require(Action.X)`, resolvers never check roles."""

from enum import StrEnum


class Action(StrEnum):
    REGISTRY_READ = "registry:read"  # the registry-wide grant: every person, not only the remit
    PERSON_READ = "person:read"
    PERSON_READ_CONTACT = "person:read_contact"  # phone and e-mail
    PERSON_READ_ADDRESS = "person:read_address"  # the address line (region and district are not minimised)
    PERSON_SEARCH = "person:search"
    PERSON_REGISTER = "person:register"
    PERSON_UPDATE = "person:update"
    PERSON_BREAK_GLASS = "person:break_glass"
    PERSON_MERGE = "person:merge"  # merge two records of one person (registry administrators)
    DUPLICATE_READ = "duplicate:read"  # the pairs of records that are probably one person
    CIRCUMSTANCE_RECORD = "circumstance:record"
    ENROLLMENT_CREATE = "enrollment:create"
    ENROLLMENT_END = "enrollment:end"
    CONSENT_RECORD = "consent:record"
    CONSENT_REVOKE = "consent:revoke"
    NOTICE_READ = "notice:read"
    REFERRAL_CREATE = "referral:create"
    REFERRAL_READ = "referral:read"
    REFERRAL_RESPOND = "referral:respond"  # the receiver's moves: accept, reject, start, complete, fail
    REFERRAL_CANCEL = "referral:cancel"  # the sender's move
    REFERRAL_STATISTICS = "referral:statistics"  # aggregate figures, small counts suppressed
    CAPACITY_SET = "capacity:set"  # declare the places of one's own agency per service
    CAPACITY_SET_ANY = "capacity:set_any"  # declare the places of any agency
    CALENDAR_MANAGE = "calendar:manage"  # the operator's holidays and transferred working days
    CASE_OPEN = "case:open"
    CASE_READ = "case:read"
    CASE_UPDATE = "case:update"  # assessment, service plan, monitoring entries
    CASE_CLOSE = "case:close"  # close and reopen
    DV_CASE_REGISTER = "dv_case:register"  # rule 10: protect, open a case, tell the police, ask SXA
    DV_CASE_READ_INTERVIEWS = "dv_case:read_interviews"  # the lawyer's and psychologist's records
    CHECK_RUN = "check:run"  # ask the ministry systems about a person (or reuse a fresh fact)
    CHECK_READ = "check:read"  # the checks run on a person: facts, provenance, status
    CATALOGUE_READ = "catalogue:read"
    APPLICATION_SUBMIT = "application:submit"  # also by FIN, for a person outside the remit
    APPLICATION_READ = "application:read"
    APPLICATION_ASSESS = "application:assess"  # the need, the day the application arrives (rule 3)
    APPLICATION_DECIDE = "application:decide"  # approve or refuse on the passport's grounds (rule 6)
    APPLICATION_WITHDRAW = "application:withdraw"
    APPLICATION_STATISTICS = "application:statistics"  # aggregate figures, small counts suppressed
    QUEUE_ALLOCATE = "queue:allocate"  # serve a rationed service's queue in order (rule 9)
    ACCESS_LOG_READ = "access_log:read"
    ACCESS_REPORT_READ = "access_report:read"  # a person's access report (subject-access request)
    BREAK_GLASS_REVIEW = "break_glass:review"
    POLICY_READ = "policy:read"
    POLICY_GRANT = "policy:grant"
    POLICY_REVOKE = "policy:revoke"
    INTEGRATION_STATUS = "integration:status"  # the operator view of the ministry adapters, and /metrics
    DEAD_LETTER_RETRY = "dead_letter:retry"  # put a message the outbox gave up on back in the outbox

    @property
    def obj(self) -> str:
        return self.value.split(":", 1)[0]

    @property
    def act(self) -> str:
        return self.value.split(":", 1)[1]
