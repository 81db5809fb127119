"""The role × action matrix, through the API: generated from the policy, so the two cannot drift apart.

For every role and every action, a user holding only that role (in DOST, an agency with no lines of its
own in the policy) runs the GraphQL operation that needs exactly that action; it must be FORBIDDEN
exactly when `authz.enforcer.matrix` says the role may not. `test_policy.py` checks the policy against
the documented table; this checks that the API enforces the policy, operation by operation.

`OPERATIONS` maps each action to its operations; an action without one fails the test. The three
actions that no operation of their own needs (`registry:read`, `person:read_contact`,
`person:read_address`) change what a read shows, so they are checked by that effect (`EFFECTS`).
An operation whose field the schema does not have yet is skipped, not dropped: it runs once it lands.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from strawberry import relay

from authz.actions import Action
from authz.enforcer import Authorizer, matrix
from authz.roles import Role
from authz.store import build_authorizer, read_policy_csv
from schema.schema import build_schema
from sxvis.actors import Actor
from sxvis.config import Settings
from tests.conftest import Api, Result
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

AGENCY = "DOST"  # not registry-wide: what a role may do here is only its `*` lines
ROLES = [role.value for role in Role]
AUTHORIZER: Authorizer = build_authorizer(read_policy_csv())
MATRIX = matrix(AUTHORIZER, ROLES)


def gid(type_name: str, node_id: object = None) -> str:
    return relay.to_base64(type_name, str(node_id or uuid.uuid4()))


class World:
    """What operations need: a person in DOST's remit, one outside it; each made on first use."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self._ours: str | None = None
        self._theirs: str | None = None

    async def _register(self, registrar: Api) -> str:
        result = await registrar.execute(REGISTER_PERSON, input=person_input())
        person_id: str = result.payload("registerPerson")["person"]["id"]
        return person_id

    async def person(self) -> str:
        """Registered by a DOST social worker, so in DOST's remit."""
        if self._ours is None:
            self._ours = await self._register(self.api.as_("social_worker", agency=AGENCY, user="registrar"))
        return self._ours

    async def outsider(self) -> str:
        """Registered by SXA, with no tie to DOST: only a registry-wide reader sees them."""
        if self._theirs is None:
            self._theirs = await self._register(self.api)
        return self._theirs


Variables = Callable[[World], Awaitable[dict[str, Any]]]


async def no_variables(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Operation:
    field: str  # the root field, checked against the schema
    document: str
    variables: Variables = no_variables


def person_input_with(**values: Any) -> Variables:
    async def build(world: World) -> dict[str, Any]:
        return {"input": {"personId": await world.person(), **values}}

    return build


async def register_variables(world: World) -> dict[str, Any]:
    return {"input": person_input()}


async def update_variables(world: World) -> dict[str, Any]:
    return {"input": {"id": await world.person(), "phone": "+994 50 000 00 00"}}


async def merge_variables(world: World) -> dict[str, Any]:
    reason = "Registered twice under two spellings."
    return {"input": {"keepId": await world.person(), "mergeId": gid("Person"), "reason": reason}}


async def person_id_variables(world: World) -> dict[str, Any]:
    return {"id": await world.person()}


def role_change_variables(role: str) -> Variables:
    async def build(world: World) -> dict[str, Any]:
        return {
            "input": {"userId": f"matrix-target-{uuid.uuid4().hex[:8]}", "agencyCode": AGENCY, "role": role}
        }

    return build


async def end_enrollment_variables(world: World) -> dict[str, Any]:
    return {"input": {"id": gid("Enrollment"), "reason": "COMPLETED"}}


async def revoke_consent_variables(world: World) -> dict[str, Any]:
    return {"input": {"id": gid("Consent"), "reason": "The person withdrew consent."}}


async def application_id_variables(world: World) -> dict[str, Any]:
    return {"id": gid("Application")}


def application_input_with(**values: Any) -> Variables:
    async def build(world: World) -> dict[str, Any]:
        return {"input": {"id": gid("Application"), **values}}

    return build


async def allocate_variables(world: World) -> dict[str, Any]:
    return {"input": {"serviceCode": "01-09-07-00", "kind": "REST", "count": 1}}


async def referral_id_variables(world: World) -> dict[str, Any]:
    return {"id": gid("Referral")}


async def create_referral_variables(world: World) -> dict[str, Any]:
    return {
        "input": {
            "personId": await world.person(),
            "toAgencyCode": "DSMF",
            "reason": "Needs assistance",
            "urgency": "ROUTINE",
            "idempotencyKey": uuid.uuid4().hex,
        }
    }


async def move_referral_variables(world: World) -> dict[str, Any]:
    return {"input": {"id": gid("Referral"), "reason": "Not ours to do."}}


async def case_id_variables(world: World) -> dict[str, Any]:
    return {"id": gid("Case")}


def case_input_with(**values: Any) -> Variables:
    async def build(world: World) -> dict[str, Any]:
        return {"input": {"id": gid("Case"), **values}}

    return build


def capacity_variables(agency: str, service: str) -> Variables:
    async def build(world: World) -> dict[str, Any]:
        return {"input": {"agencyCode": agency, "serviceCode": service, "places": 100_000}}

    return build


def calendar_day_variables(**values: Any) -> Variables:
    async def build(world: World) -> dict[str, Any]:  # a day far from any deadline a test computes
        return {"input": {"day": "2099-12-30", **values}}

    return build


async def dv_case_variables(world: World) -> dict[str, Any]:
    today = date.today().isoformat()
    interview = {"interviewer": "matrix", "heldOn": today, "record": "matrix"}
    return {
        "input": {
            "person": person_input(),
            "lawyerInterview": interview,
            "psychologistInterview": interview,
            "placementNeeded": True,
            "idempotencyKey": uuid.uuid4().hex,
        }
    }


async def dv_interviews_variables(world: World) -> dict[str, Any]:
    return {"caseId": gid("Case")}


async def dead_letter_variables(world: World) -> dict[str, Any]:
    return {"input": {"id": gid("DeadLetter")}}


async def review_variables(world: World) -> dict[str, Any]:
    return {"input": {"id": gid("BreakGlassEvent"), "note": "Reviewed: the reason holds."}}


async def access_report_variables(world: World) -> dict[str, Any]:
    today = date.today()
    return {
        "id": await world.person(),
        "from": (today - timedelta(days=1)).isoformat(),
        "to": today.isoformat(),
    }


ERRORS = "errors { field code message }"

OPERATIONS: dict[Action, tuple[Operation, ...]] = {
    Action.PERSON_READ: (
        Operation("person", "query Read($id: ID!) { person(id: $id) { id } }", person_id_variables),
        Operation("persons", "query List { persons(first: 1) { edges { node { id } } } }"),
    ),
    Action.PERSON_SEARCH: (
        Operation(
            "persons",
            'query Search { persons(filter: {text: "Məmmədov"}, first: 1) { edges { node { id } } } }',
        ),
    ),
    Action.PERSON_REGISTER: (
        Operation(
            "registerPerson",
            f"mutation R($input: RegisterPersonInput!) {{ registerPerson(input: $input) {{ {ERRORS} }} }}",
            register_variables,
        ),
    ),
    Action.PERSON_UPDATE: (
        Operation(
            "updatePerson",
            f"mutation U($input: UpdatePersonInput!) {{ updatePerson(input: $input) {{ {ERRORS} }} }}",
            update_variables,
        ),
    ),
    Action.PERSON_BREAK_GLASS: (
        Operation(
            "breakGlass",
            f"mutation B($input: BreakGlassInput!) {{ breakGlass(input: $input) {{ {ERRORS} }} }}",
            person_input_with(reasonCode="IMMEDIATE_DANGER", reason="A risk to life reported by the police."),
        ),
    ),
    Action.PERSON_MERGE: (
        Operation(
            "mergePersons",
            f"mutation M($input: MergePersonsInput!) {{ mergePersons(input: $input) {{ {ERRORS} }} }}",
            merge_variables,
        ),
    ),
    Action.DUPLICATE_READ: (
        Operation("duplicateCandidates", "query D { duplicateCandidates(first: 1) { edges { cursor } } }"),
    ),
    Action.CIRCUMSTANCE_RECORD: (
        Operation(
            "recordCircumstance",
            "mutation C($input: RecordCircumstanceInput!) "
            f"{{ recordCircumstance(input: $input) {{ {ERRORS} }} }}",
            person_input_with(category="CHILD_WITHOUT_PARENTAL_CARE", since="2024-01-01"),
        ),
    ),
    Action.ENROLLMENT_CREATE: (
        Operation(
            "enrollInService",
            f"mutation E($input: EnrollInServiceInput!) {{ enrollInService(input: $input) {{ {ERRORS} }} }}",
            person_input_with(serviceCode="01-09-15-00", providerCode=AGENCY),
        ),
    ),
    Action.ENROLLMENT_END: (
        Operation(
            "endEnrollment",
            f"mutation X($input: EndEnrollmentInput!) {{ endEnrollment(input: $input) {{ {ERRORS} }} }}",
            end_enrollment_variables,
        ),
    ),
    Action.CONSENT_RECORD: (
        Operation(
            "recordConsent",
            f"mutation K($input: RecordConsentInput!) {{ recordConsent(input: $input) {{ {ERRORS} }} }}",
            person_input_with(
                agencyCode="SXA",
                purpose="Arranging home care.",
                validUntil=(date.today() + timedelta(days=90)).isoformat(),
            ),
        ),
    ),
    Action.CONSENT_REVOKE: (
        Operation(
            "revokeConsent",
            f"mutation V($input: RevokeConsentInput!) {{ revokeConsent(input: $input) {{ {ERRORS} }} }}",
            revoke_consent_variables,
        ),
    ),
    Action.NOTICE_READ: (Operation("notices", "query N { notices(first: 1) { edges { cursor } } }"),),
    Action.REFERRAL_CREATE: (
        Operation(
            "createReferral",
            f"mutation R($input: CreateReferralInput!) {{ createReferral(input: $input) {{ {ERRORS} }} }}",
            create_referral_variables,
        ),
    ),
    Action.REFERRAL_READ: (
        Operation("referrals", "query L { referrals(first: 1) { edges { cursor } } }"),
        Operation("referral", "query O($id: ID!) { referral(id: $id) { id } }", referral_id_variables),
    ),
    Action.REFERRAL_RESPOND: (
        Operation(
            "rejectReferral",
            f"mutation J($input: ReasonedMoveInput!) {{ rejectReferral(input: $input) {{ {ERRORS} }} }}",
            move_referral_variables,
        ),
    ),
    Action.REFERRAL_CANCEL: (
        Operation(
            "cancelReferral",
            f"mutation X($input: ReasonedMoveInput!) {{ cancelReferral(input: $input) {{ {ERRORS} }} }}",
            move_referral_variables,
        ),
    ),
    Action.REFERRAL_STATISTICS: (
        Operation("referralStatistics", "query St { referralStatistics { total { value suppressed } } }"),
    ),
    # As many places as allowed: the row stays (capacity is not registry data), and limits nobody.
    Action.CAPACITY_SET: (
        Operation(
            "setServiceCapacity",
            "mutation Cp($input: SetServiceCapacityInput!) "
            f"{{ setServiceCapacity(input: $input) {{ {ERRORS} }} }}",
            capacity_variables(AGENCY, "01-09-15-00"),
        ),
    ),
    Action.CAPACITY_SET_ANY: (
        Operation(
            "setServiceCapacity",
            "mutation Ca($input: SetServiceCapacityInput!) "
            f"{{ setServiceCapacity(input: $input) {{ {ERRORS} }} }}",
            capacity_variables("SXA", "01-09-07-00"),
        ),
    ),
    Action.CALENDAR_MANAGE: (
        Operation(
            "setCalendarDay",
            f"mutation Sd($input: SetCalendarDayInput!) {{ setCalendarDay(input: $input) {{ {ERRORS} }} }}",
            calendar_day_variables(kind="HOLIDAY"),
        ),
        Operation(
            "removeCalendarDay",
            "mutation Rd($input: RemoveCalendarDayInput!) "
            f"{{ removeCalendarDay(input: $input) {{ {ERRORS} }} }}",
            calendar_day_variables(),
        ),
    ),
    Action.CASE_OPEN: (
        Operation(
            "openCase",
            f"mutation Oc($input: OpenCaseInput!) {{ openCase(input: $input) {{ {ERRORS} }} }}",
            person_input_with(managerId="matrix-manager"),
        ),
    ),
    Action.CASE_READ: (
        Operation("cases", "query Cs { cases(first: 1) { edges { cursor } } }"),
        Operation("case", "query Ca($id: ID!) { case(id: $id) { id } }", case_id_variables),
    ),
    Action.CASE_UPDATE: (
        Operation(
            "recordAssessment",
            "mutation As($input: RecordAssessmentInput!) "
            f"{{ recordAssessment(input: $input) {{ {ERRORS} }} }}",
            case_input_with(needs=[{"domain": "HEALTH"}], riskLevel="LOW"),
        ),
        Operation(
            "setServicePlan",
            f"mutation Pl($input: SetServicePlanInput!) {{ setServicePlan(input: $input) {{ {ERRORS} }} }}",
            case_input_with(needs=["HEALTH"], goals=["g"], serviceCodes=[], responsibleAgencyCodes=["DOST"]),
        ),
        Operation(
            "addMonitoringEntry",
            "mutation Mo($input: AddMonitoringEntryInput!) "
            f"{{ addMonitoringEntry(input: $input) {{ {ERRORS} }} }}",
            case_input_with(visitDate="2024-01-01", note="n", outcome="o"),
        ),
    ),
    Action.CASE_CLOSE: (
        Operation(
            "closeCase",
            f"mutation Cl($input: CloseCaseInput!) {{ closeCase(input: $input) {{ {ERRORS} }} }}",
            case_input_with(reason="Done."),
        ),
        Operation(
            "reopenCase",
            f"mutation Ro($input: ReopenCaseInput!) {{ reopenCase(input: $input) {{ {ERRORS} }} }}",
            case_input_with(reason="Again."),
        ),
    ),
    # Held at the DOST centres only (domain-specific lines), so in DOST every role is refused;
    # tests/test_domestic_violence.py checks the centres.
    Action.DV_CASE_REGISTER: (
        Operation(
            "registerDomesticViolenceCase",
            "mutation Dv($input: RegisterDomesticViolenceCaseInput!) "
            f"{{ registerDomesticViolenceCase(input: $input) {{ {ERRORS} }} }}",
            dv_case_variables,
        ),
    ),
    Action.DV_CASE_READ_INTERVIEWS: (
        Operation(
            "domesticViolenceInterviews",
            "query Di($caseId: ID!) { domesticViolenceInterviews(caseId: $caseId) { record } }",
            dv_interviews_variables,
        ),
    ),
    Action.CHECK_RUN: (
        Operation(
            "runChecks",
            f"mutation Ck($input: RunChecksInput!) {{ runChecks(input: $input) {{ {ERRORS} }} }}",
            person_input_with(checks=["PENSION"]),
        ),
    ),
    Action.CHECK_READ: (
        Operation(
            "person", "query Cr($id: ID!) { person(id: $id) { checks { status } } }", person_id_variables
        ),
    ),
    Action.APPLICATION_SUBMIT: (
        Operation(
            "submitApplication",
            "mutation Sa($input: SubmitApplicationInput!) "
            f"{{ submitApplication(input: $input) {{ {ERRORS} }} }}",
            person_input_with(
                serviceCode="01-09-15-00",
                applicantKind="SELF",
                channel="IN_PERSON",
                idempotencyKey="matrix-application",
            ),
        ),
    ),
    Action.APPLICATION_READ: (
        Operation("applications", "query Ap { applications(first: 1) { edges { cursor } } }"),
        Operation(
            "application", "query Ao($id: ID!) { application(id: $id) { id } }", application_id_variables
        ),
    ),
    Action.APPLICATION_ASSESS: (
        Operation(
            "assessApplication",
            "mutation Aa($input: AssessApplicationInput!) "
            f"{{ assessApplication(input: $input) {{ {ERRORS} }} }}",
            application_input_with(need="daily help"),
        ),
    ),
    Action.APPLICATION_DECIDE: (
        Operation(
            "decideApplication",
            "mutation Ad($input: DecideApplicationInput!) "
            f"{{ decideApplication(input: $input) {{ {ERRORS} }} }}",
            application_input_with(decision="APPROVE"),
        ),
    ),
    Action.APPLICATION_WITHDRAW: (
        Operation(
            "withdrawApplication",
            "mutation Aw($input: WithdrawApplicationInput!) "
            f"{{ withdrawApplication(input: $input) {{ {ERRORS} }} }}",
            application_input_with(reason="No longer needed."),
        ),
    ),
    Action.APPLICATION_STATISTICS: (
        Operation(
            "serviceStatistics", "query Ss { serviceStatistics { applications { value suppressed } } }"
        ),
    ),
    Action.QUEUE_ALLOCATE: (
        Operation(
            "allocateFromQueue",
            "mutation Aq($input: AllocateFromQueueInput!) "
            f"{{ allocateFromQueue(input: $input) {{ {ERRORS} }} }}",
            allocate_variables,
        ),
    ),
    Action.CATALOGUE_READ: (
        Operation("agencies", "query A { agencies { code } }"),
        Operation("service", 'query C { service(code: "01-09-15-00") { code } }'),
        Operation("services", "query S { services(first: 1) { edges { cursor } } }"),
        Operation("calendarDays", 'query Cd { calendarDays(from: "2099-01-01", to: "2099-01-31") { day } }'),
    ),
    Action.ACCESS_LOG_READ: (
        Operation("accessLog", "query L { accessLog(first: 1) { edges { cursor } } }"),
        Operation(
            "accessLogStatistics",
            'query S { accessLogStatistics(from: "2026-01-01", to: "2026-01-02") { day denied } }',
        ),
        Operation("auditChainStatus", "query C { auditChainStatus { intact headEventId } }"),
    ),
    Action.ACCESS_REPORT_READ: (
        Operation(
            "personAccessReport",
            "query R($id: ID!, $from: Date!, $to: Date!) "
            "{ personAccessReport(personId: $id, from: $from, to: $to) { totalConsultations } }",
            access_report_variables,
        ),
    ),
    Action.BREAK_GLASS_REVIEW: (
        Operation(
            "reviewBreakGlass",
            "mutation W($input: ReviewBreakGlassInput!) "
            f"{{ reviewBreakGlass(input: $input) {{ {ERRORS} }} }}",
            review_variables,
        ),
        Operation("breakGlassEvents", "query G { breakGlassEvents(first: 1) { edges { cursor } } }"),
    ),
    Action.POLICY_READ: (Operation("policies", "query P { policies { kind values } }"),),
    Action.POLICY_GRANT: (
        Operation(
            "grantRole",
            f"mutation Gr($input: RoleGrantInput!) {{ grantRole(input: $input) {{ changed {ERRORS} }} }}",
            role_change_variables("social_worker"),
        ),
    ),
    Action.POLICY_REVOKE: (
        Operation(
            "revokeRole",
            f"mutation Rv($input: RoleGrantInput!) {{ revokeRole(input: $input) {{ changed {ERRORS} }} }}",
            role_change_variables("social_worker"),
        ),
    ),
    Action.INTEGRATION_STATUS: (
        Operation("integrationStatus", "query I { integrationStatus { name outboxDepth } }"),
    ),
    Action.DEAD_LETTER_RETRY: (
        Operation(
            "retryDeadLetter",
            f"mutation D($input: RetryDeadLetterInput!) {{ retryDeadLetter(input: $input) {{ {ERRORS} }} }}",
            dead_letter_variables,
        ),
    ),
}


CONTACT_READ = "query Contact($id: ID!) { person(id: $id) { id phone email addressLine } }"


@dataclass(frozen=True)
class Effect:
    """An action no operation needs by itself: what a read shows with it, and without it."""

    why: str
    shown: Callable[[dict[str, Any]], bool]  # given the person read (or None), did the action take effect?
    subject: Callable[[World], Awaitable[str]] = World.person


EFFECTS: dict[Action, Effect] = {
    Action.REGISTRY_READ: Effect(
        "the registry-wide grant widens the remit of every read: a person outside it becomes visible",
        shown=lambda person: person is not None,
        subject=World.outsider,
    ),
    Action.PERSON_READ_CONTACT: Effect(
        "field minimisation: phone and e-mail are null without it",
        shown=lambda person: (
            person is not None and person["phone"] is not None and person["email"] is not None
        ),
    ),
    Action.PERSON_READ_ADDRESS: Effect(
        "field minimisation: the address line is null without it",
        shown=lambda person: person is not None and person["addressLine"] is not None,
    ),
}


def schema_fields() -> set[str]:
    introspected = build_schema(Settings(mode="development")).introspect()
    fields: set[str] = set()
    for kind in introspected["__schema"]["types"]:
        if kind["name"] in ("Query", "Mutation"):
            fields.update(f["name"] for f in kind["fields"] or ())
    return fields


FIELDS = schema_fields()


def forbidden(result: Result) -> bool:
    return any(e.get("extensions", {}).get("code") == "FORBIDDEN" for e in result.errors)


def cases() -> list[Any]:
    out = []
    for action in Action:
        for role in ROLES:
            marks = []
            for operation in OPERATIONS.get(action, ()):
                if operation.field not in FIELDS:
                    marks.append(pytest.mark.skip(reason=f"`{operation.field}` is not in the schema yet"))
                    break
            out.append(pytest.param(role, action, marks=marks, id=f"{role}-{action.value}"))
    return out


def test_every_action_has_an_operation_or_an_effect() -> None:
    covered = set(OPERATIONS) | set(EFFECTS)
    assert not set(OPERATIONS) & set(EFFECTS)
    missing = [action.value for action in Action if action not in covered]
    assert not missing, f"add these actions to OPERATIONS (or EFFECTS) in {__name__}: {missing}"


def test_dost_has_no_agency_specific_lines() -> None:
    """`matrix` asks in an agency with no lines of its own; DOST must be one for this test to hold."""
    for role in ROLES:
        actor = Actor(user_id="u", agency_code=AGENCY, roles=frozenset({role}))
        assert {a.value: AUTHORIZER.allows(actor, a) for a in Action} == MATRIX[role]


@pytest.mark.parametrize(("role", "action"), cases())
async def test_the_api_forbids_exactly_what_the_policy_denies(api: Api, role: str, action: Action) -> None:
    world = World(api)
    caller = api.as_(role, agency=AGENCY, user=f"matrix-{role}")
    allowed = MATRIX[role][action.value]
    if action in EFFECTS:
        await check_effect(world, caller, role, action, allowed)
        return
    assert action in OPERATIONS, f"no operation for {action.value}: add one to OPERATIONS"
    for operation in OPERATIONS[action]:
        result = await caller.execute(operation.document, **await operation.variables(world))
        # A document the schema rejects has errors without a path: the table is out of date.
        assert all("path" in e for e in result.errors), (operation.field, result.errors)
        assert forbidden(result) is (not allowed), (role, action.value, operation.field, result.errors)


async def check_effect(world: World, caller: Api, role: str, action: Action, allowed: bool) -> None:
    effect = EFFECTS[action]
    result = await caller.execute(CONTACT_READ, id=await effect.subject(world))
    if not MATRIX[role][Action.PERSON_READ.value]:
        assert forbidden(result)  # no read at all: the effect cannot show
        return
    person = result.ok()["person"]
    assert effect.shown(person) is allowed, (role, action.value, effect.why, person)


REGISTRY_WIDE_AGENCIES = ("VXSIDA", "EESMN", "SXA", "DOST")


@pytest.mark.parametrize("agency", REGISTRY_WIDE_AGENCIES)
@pytest.mark.parametrize("role", ROLES)
async def test_the_registry_wide_grant_shows_persons_outside_the_remit(
    api: Api, role: str, agency: str
) -> None:
    """`registry:read` is held per agency (domain-specific `p` lines), so it is checked where it is."""
    world = World(api)
    caller = api.as_(role, agency=agency, user=f"matrix-{role}")
    actor = Actor(user_id="u", agency_code=agency, roles=frozenset({role}))
    result = await caller.execute(CONTACT_READ, id=await world.person())  # registered by DOST
    if not AUTHORIZER.allows(actor, Action.PERSON_READ):
        assert forbidden(result)
        return
    seen = result.ok()["person"] is not None
    assert seen is (agency == AGENCY or AUTHORIZER.allows(actor, Action.REGISTRY_READ))
