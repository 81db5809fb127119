"""A schema walk: every field that returns personal data must leave an access event (issue 3, tests).

The walk finds, from the schema itself, every field of the root types and of the personal types whose
value is (or contains) a personal type. Each must have an entry in `COVERAGE`: an operation through
that field, run against a small registry, that must write an access event with the named action. A new
field that returns personal data and is not listed here fails the first test, so nobody can add one
without deciding how it is logged.
"""

import importlib
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLInterfaceType, GraphQLList, GraphQLNonNull, GraphQLObjectType
from sqlalchemy import text

from schema import build_schema
from sxvis import clock
from sxvis.config import Settings
from sxvis.database import Database
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

PERSONAL_TYPES = frozenset(
    {
        "Person",
        "Household",
        "HouseholdMember",
        "Circumstance",
        "Enrollment",
        "Consent",
        "BreakGlassEvent",
        "Notice",
        "Check",
        "AccessEvent",
        "DuplicateCandidate",
        "Node",
        "Case",
        "CaseTimelineEntry",
        "DomesticViolenceInterview",
        "Referral",
        "ReferralMove",
        "Application",
        "PersonAccessReport",
    }
)
STRUCTURAL_SUFFIXES = ("Connection", "Edge", "Payload")
REASON = "Police report the person is in immediate danger at an unknown address"


@dataclass(frozen=True)
class Probe:
    document: str
    action: str  # the access event the operation must write
    role: str = "social_worker"
    agency: str = "DOST"


WORKER_DOST = {"role": "social_worker", "agency": "DOST"}
COVERAGE: dict[str, Probe] = {
    "Query.person": Probe("query($p: ID!) { person(id: $p) { fin } }", "person:read"),
    "Query.persons": Probe("{ persons(first: 5) { edges { node { fin } } } }", "person:read"),
    "Query.node": Probe("query($p: ID!) { node(id: $p) { id } }", "person:read"),
    "Query.household": Probe("query($h: ID!) { household(id: $h) { id } }", "household:read"),
    "Query.consents": Probe("query($p: ID!) { consents(personId: $p) { id } }", "consent:read"),
    "Query.breakGlassEvents": Probe(
        "{ breakGlassEvents { edges { node { id } } } }", "break_glass:read", "auditor", "VXSIDA"
    ),
    "Query.notices": Probe("{ notices { edges { node { message } } } }", "notice:read"),
    "Query.accessLog": Probe(
        "{ accessLog(first: 5) { edges { node { action } } } }", "access_log:read", "auditor", "VXSIDA"
    ),
    "Query.personAccessReport": Probe(
        "query($p: ID!, $today: Date!) { personAccessReport(personId: $p, from: $today, to: $today)"
        " { totalConsultations } }",
        "access_report:read",
        "auditor",
        "VXSIDA",
    ),
    "Person.household": Probe("query($p: ID!) { person(id: $p) { household { id } } }", "household:read"),
    "Person.circumstances": Probe(
        "query($p: ID!) { person(id: $p) { circumstances { category } } }", "circumstance:read"
    ),
    "Person.enrollments": Probe(
        "query($p: ID!) { person(id: $p) { enrollments { id } } }", "enrollment:read"
    ),
    "Household.head": Probe("query($h: ID!) { household(id: $h) { head { fin } } }", "person:read"),
    "Household.members": Probe(
        "query($h: ID!) { household(id: $h) { members { relation } } }", "household:read"
    ),
    "HouseholdMember.person": Probe(
        "query($h: ID!) { household(id: $h) { members { person { fin } } } }", "person:read"
    ),
    "Enrollment.person": Probe(
        "query($e: ID!) { node(id: $e) { ... on Enrollment { person { fin } } } }", "person:read"
    ),
    "Consent.person": Probe("query($p: ID!) { consents(personId: $p) { person { fin } } }", "person:read"),
    "BreakGlassEvent.person": Probe(
        "mutation($v: ID!) { breakGlass(input: {personId: $v, reasonCode: IMMEDIATE_DANGER,"
        f' reason: "{REASON}"}}) {{ grant {{ person {{ fin }} }} errors {{ code }} }} }}',
        "person:read",
        "case_manager",
        "SXA",
    ),
    "Notice.person": Probe("{ notices { edges { node { person { id } } } } }", "person:read"),
    "Query.referral": Probe("query($r: ID!) { referral(id: $r) { id } }", "referral:read", agency="DSMF"),
    "Query.referrals": Probe("{ referrals { edges { node { id } } } }", "referral:read"),
    "Referral.history": Probe(
        "query($r: ID!) { referral(id: $r) { history { toStatus note } } }", "referral:read", agency="DSMF"
    ),
    "Case.referrals": Probe("query($k: ID!) { case(id: $k) { referrals { id } } }", "case:read"),
    "Referral.person": Probe(
        "query($r: ID!) { referral(id: $r) { person { fin } } }", "person:read", agency="DSMF"
    ),
    "Mutation.createReferral": Probe(
        'mutation($p: ID!) { createReferral(input: {personId: $p, toAgencyCode: "DMX", reason: "work",'
        ' urgency: ROUTINE, idempotencyKey: "probe"}) { referral { id } errors { code } } }',
        "referral:create",
    ),
    "Mutation.acceptReferral": Probe(
        "mutation($r: ID!) { acceptReferral(input: {id: $r}) { referral { id } } }",
        "referral:accept",
        agency="DSMF",
    ),
    "Mutation.rejectReferral": Probe(
        'mutation($r: ID!) { rejectReferral(input: {id: $r, reason: "no"}) { referral { id } } }',
        "referral:reject",
        agency="DSMF",
    ),
    "Mutation.startReferral": Probe(
        "mutation($ra: ID!) { startReferral(input: {id: $ra}) { referral { id } } }",
        "referral:start",
        agency="DSMF",
    ),
    "Mutation.completeReferral": Probe(
        'mutation($rs: ID!) { completeReferral(input: {id: $rs, outcome: "done"}) { referral { id } } }',
        "referral:complete",
        agency="DSMF",
    ),
    "Mutation.failReferral": Probe(
        'mutation($rs: ID!) { failReferral(input: {id: $rs, reason: "gone"}) { referral { id } } }',
        "referral:fail",
        agency="DSMF",
    ),
    "Mutation.cancelReferral": Probe(
        'mutation($r: ID!) { cancelReferral(input: {id: $r, reason: "moved"}) { referral { id } } }',
        "referral:cancel",
    ),
    "Query.duplicateCandidates": Probe(
        "{ duplicateCandidates { edges { node { score } } } }", "duplicate:read", "agency_admin", "VXSIDA"
    ),
    "DuplicateCandidate.person": Probe(
        "{ duplicateCandidates { edges { node { person { id } } } } }",
        "duplicate:read",
        "agency_admin",
        "VXSIDA",
    ),
    "DuplicateCandidate.other": Probe(
        "{ duplicateCandidates { edges { node { other { id } } } } }",
        "duplicate:read",
        "agency_admin",
        "VXSIDA",
    ),
    "Mutation.mergePersons": Probe(
        "mutation($p: ID!, $q: ID!) { mergePersons(input:"
        ' {keepId: $p, mergeId: $q, reason: "registered twice"}) { person { id } } }',
        "person:merge",
        "agency_admin",
        "VXSIDA",
    ),
    "Person.checks": Probe("query($p: ID!) { person(id: $p) { checks { status } } }", "check:read"),
    "Mutation.runChecks": Probe(
        "mutation($p: ID!) { runChecks(input: {personId: $p, checks: [PENSION]}) { checks { status } } }",
        "check:run",
    ),
    "Mutation.registerPerson": Probe(
        "mutation($i: RegisterPersonInput!) { registerPerson(input: $i) { person { id } } }",
        "person:register",
    ),
    "Mutation.updatePerson": Probe(
        "mutation($p: ID!) { updatePerson(input: {id: $p, phone: null}) { person { id } } }", "person:update"
    ),
    "Mutation.recordCircumstance": Probe(
        "mutation($p: ID!) { recordCircumstance(input:"
        ' {personId: $p, category: ELDERLY, since: "2020-01-01"}) { circumstance { id } } }',
        "circumstance:record",
    ),
    "Mutation.enrollInService": Probe(
        'mutation($q: ID!) { enrollInService(input: {personId: $q, serviceCode: "01-09-15-00",'
        ' providerCode: "DOST-BAKI-1"}) { enrollment { id } errors { code } } }',
        "enrollment:create",
    ),
    "Mutation.endEnrollment": Probe(
        "mutation($e: ID!) { endEnrollment(input: {id: $e, reason: PERSON_WITHDREW}) { enrollment { id } } }",
        "enrollment:end",
    ),
    "Mutation.recordConsent": Probe(
        'mutation($p: ID!) { recordConsent(input: {personId: $p, agencyCode: "DIN", purpose: "referral",'
        ' validUntil: "2099-01-01"}) { consent { id } errors { code } } }',
        "consent:record",
    ),
    "Mutation.revokeConsent": Probe(
        'mutation($c: ID!) { revokeConsent(input: {id: $c, reason: "asked"}) { consent { id } } }',
        "consent:revoke",
    ),
    "Query.case": Probe("query($k: ID!) { case(id: $k) { phase } }", "case:read"),
    "Query.cases": Probe("{ cases { edges { node { phase } } } }", "case:read"),
    "Person.cases": Probe("query($p: ID!) { person(id: $p) { cases { phase } } }", "case:read"),
    "Case.person": Probe("query($k: ID!) { case(id: $k) { person { fin } } }", "person:read"),
    "Case.timeline": Probe("query($k: ID!) { case(id: $k) { timeline { summary } } }", "case:read"),
    "Mutation.openCase": Probe(
        'mutation($p: ID!) { openCase(input: {personId: $p, managerId: "cm"})'
        " { case { id } errors { code } } }",
        "case:open",
        agency="DSMF",
    ),
    "Mutation.recordAssessment": Probe(
        "mutation($k: ID!) { recordAssessment(input: {id: $k, needs: [{domain: CARE}], riskLevel: LOW})"
        " { case { id } errors { code } } }",
        "case:assess",
    ),
    "Mutation.setServicePlan": Probe(
        'mutation($ka: ID!) { setServicePlan(input: {id: $ka, needs: [CARE], goals: ["care"],'
        ' serviceCodes: [], responsibleAgencyCodes: ["DOST"]}) { case { id } errors { code } } }',
        "case:plan",
    ),
    "Mutation.addMonitoringEntry": Probe(
        "mutation($kp: ID!, $today: Date!) { addMonitoringEntry(input: {id: $kp, visitDate: $today,"
        ' note: "visited", outcome: "better"}) { case { id } errors { code } } }',
        "case:monitor",
    ),
    "Mutation.closeCase": Probe(
        'mutation($k: ID!) { closeCase(input: {id: $k, reason: "done"}) { case { id } errors { code } } }',
        "case:close",
    ),
    "Mutation.reopenCase": Probe(
        'mutation($kc: ID!) { reopenCase(input: {id: $kc, reason: "again"})'
        " { case { id } errors { code } } }",
        "case:reopen",
    ),
    "Mutation.registerDomesticViolenceCase": Probe(
        "mutation($i: DomesticViolenceVictimInput!, $today: Date!) { registerDomesticViolenceCase(input: {"
        ' person: $i, lawyerInterview: {interviewer: "L", heldOn: $today, record: "r"},'
        ' psychologistInterview: {interviewer: "P", heldOn: $today, record: "r"}, placementNeeded: true,'
        ' idempotencyKey: "probe"}) { case { id } referral { id } errors { code } } }',
        "dv_case:register",
        agency="DOST-BAKI-1",
    ),
    "Query.domesticViolenceInterviews": Probe(
        "query($dv: ID!) { domesticViolenceInterviews(caseId: $dv) { record } }",
        "dv_case:read_interviews",
        agency="DOST-BAKI-1",
    ),
    "Query.application": Probe("query($ap: ID!) { application(id: $ap) { id } }", "application:read"),
    "Query.applications": Probe("{ applications { edges { node { id } } } }", "application:read"),
    "Person.applications": Probe(
        "query($p: ID!) { person(id: $p) { applications { id } } }", "application:read"
    ),
    "Application.person": Probe("query($ap: ID!) { application(id: $ap) { person { fin } } }", "person:read"),
    "Application.enrollment": Probe(
        "query($apd: ID!) { application(id: $apd) { enrollment { id } } }", "enrollment:read"
    ),
    "Mutation.submitApplication": Probe(
        'mutation($q: ID!) { submitApplication(input: {personId: $q, serviceCode: "01-09-15-00",'
        ' applicantKind: SELF, channel: IN_PERSON, idempotencyKey: "probe"}) { application { id } } }',
        "application:submit",
    ),
    "Mutation.assessApplication": Probe(
        'mutation($ap: ID!) { assessApplication(input: {id: $ap, need: "care"}) { application { id } } }',
        "application:assess",
    ),
    "Mutation.decideApplication": Probe(
        "mutation($ap: ID!) { decideApplication(input: {id: $ap, decision: REFUSE, ground: NO_LEGAL_BASIS})"
        " { application { id } errors { code } } }",
        "application:decide",
    ),
    "Mutation.withdrawApplication": Probe(
        'mutation($ap: ID!) { withdrawApplication(input: {id: $ap, reason: "moved"})'
        " { application { id } } }",
        "application:withdraw",
    ),
    "Mutation.allocateFromQueue": Probe(
        'mutation { allocateFromQueue(input: {serviceCode: "01-09-07-00", kind: "REST", count: 1})'
        " { served { id } errors { code } } }",
        "queue:allocate",
        agency="SXA",
    ),
    "Mutation.breakGlass": Probe(
        "mutation($v: ID!) { breakGlass(input: {personId: $v, reasonCode: IMMEDIATE_DANGER,"
        f' reason: "{REASON}"}}) {{ grant {{ id }} errors {{ code }} }} }}',
        "person:break_glass",
        "case_manager",
        "SXA",
    ),
    "Mutation.reviewBreakGlass": Probe(
        'mutation($g: ID!) { reviewBreakGlass(input: {id: $g, note: "justified"}) { grant { id } } }',
        "break_glass:review",
        "auditor",
        "VXSIDA",
    ),
}

# Subscriptions run over a websocket, which the HTTP probes here cannot open: each is proved by a test
# over a real socket against real servers, named here (and checked to exist).
OVER_WEBSOCKET: dict[str, str] = {
    "Subscription.referralEvents": "test_referral_events"
    "::test_each_delivery_is_logged_with_the_subscriber_as_actor_before_it_is_sent",
}


def _named(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def _carries_personal(t: Any, seen: frozenset[str] = frozenset()) -> bool:
    named = _named(t)
    if named.name in PERSONAL_TYPES:
        return True
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) and named.name.endswith(
        STRUCTURAL_SUFFIXES
    ):
        if named.name in seen:
            return False
        return any(_carries_personal(f.type, seen | {named.name}) for f in named.fields.values())
    return False


def personal_fields() -> Iterator[str]:
    graphql_schema = build_schema(Settings())._schema
    for type_name in ("Query", "Mutation", "Subscription", *sorted(PERSONAL_TYPES)):
        owner = graphql_schema.type_map.get(type_name)
        if not isinstance(owner, GraphQLObjectType):
            continue
        for field_name, field in owner.fields.items():
            if _carries_personal(field.type):
                yield f"{type_name}.{field_name}"


def test_every_field_that_returns_personal_data_has_its_logging_probe() -> None:
    missing = sorted(set(personal_fields()) - COVERAGE.keys() - OVER_WEBSOCKET.keys())
    assert missing == [], f"fields returning personal data without an access-log probe: {missing}"


@pytest.mark.parametrize("field", sorted(OVER_WEBSOCKET))
def test_the_websocket_probe_of_a_subscription_is_a_test_that_exists(field: str) -> None:
    module_name, test_name = OVER_WEBSOCKET[field].split("::")
    module = importlib.import_module(f"tests.{module_name}")
    assert callable(getattr(module, test_name, None)), OVER_WEBSOCKET[field]
    assert field.split(".", 1)[1] in inspect.getsource(module), f"{module_name} never subscribes to {field}"


async def scenario(api: Api) -> dict[str, str]:
    """A small registry: a person heading a household, enrolled, with a consent; a protected person the
    glass was broken on; ids of all of them."""
    dost = api.as_("social_worker", agency="DOST")
    head = await dost.execute(
        REGISTER_PERSON, input=person_input(household={"relation": "HEAD"}, birthDate="1940-01-01")
    )
    person = head.payload("registerPerson")["person"]
    household_id = person["household"]["id"]
    enrolled = await dost.execute(
        'mutation($p: ID!) { enrollInService(input: {personId: $p, serviceCode: "01-09-15-00",'
        ' providerCode: "DOST-BAKI-1"}) { enrollment { id } } }',
        p=person["id"],
    )
    consent = await dost.execute(
        'mutation($p: ID!) { recordConsent(input: {personId: $p, agencyCode: "DSMF", purpose: "aid",'
        ' validUntil: "2099-01-01"}) { consent { id } } }',
        p=person["id"],
    )
    victim = (await dost.execute(REGISTER_PERSON, input=person_input(protected=True))).payload(
        "registerPerson"
    )["person"]
    victim_enrollment = await dost.execute(
        'mutation($p: ID!) { enrollInService(input: {personId: $p, serviceCode: "01-09-15-00",'
        ' providerCode: "DOST-BAKI-1"}) { enrollment { id } } }',
        p=victim["id"],
    )
    sxa_view = await api.as_("case_manager", agency="SXA").execute(
        "query($e: ID!) { node(id: $e) { ... on Enrollment { person { id } } } }",
        e=victim_enrollment.payload("enrollInService")["enrollment"]["id"],
    )
    victim_for_sxa = sxa_view.ok()["node"]["person"]["id"]
    grant = await api.as_("case_manager", agency="SXA", user="glass-breaker").execute(
        "mutation($v: ID!) { breakGlass(input: {personId: $v, reasonCode: IMMEDIATE_DANGER,"
        f' reason: "{REASON}"}}) {{ grant {{ id }} }} }}',
        v=victim_for_sxa,
    )
    other = (await dost.execute(REGISTER_PERSON, input=person_input(birthDate="1941-01-01"))).payload(
        "registerPerson"
    )["person"]
    referral_ids = []
    for key in ("r", "ra", "rs"):
        created = await dost.execute(
            'mutation($p: ID!, $k: String!) { createReferral(input: {personId: $p, toAgencyCode: "DSMF",'
            ' reason: "aid", urgency: ROUTINE, idempotencyKey: $k}) { referral { id } } }',
            p=person["id"],
            k=f"scenario-{key}",
        )
        referral_ids.append(created.payload("createReferral")["referral"]["id"])
    dsmf = api.as_("social_worker", agency="DSMF")
    for referral_id, moves in ((referral_ids[1], ("accept",)), (referral_ids[2], ("accept", "start"))):
        for move in moves:
            moved = await dsmf.execute(
                f"mutation($r: ID!) {{ {move}Referral(input: {{id: $r}}) {{ errors {{ code }} }} }}",
                r=referral_id,
            )
            assert moved.payload(f"{move}Referral")["errors"] == []
    case_ids = await case_scenario(api, {"kc": person["id"], "k": other["id"], "ka": victim["id"]})
    today = clock.today().isoformat()
    domestic_violence = await api.as_("social_worker", agency="DOST-BAKI-1").execute(
        "mutation($i: DomesticViolenceVictimInput!, $today: Date!) { registerDomesticViolenceCase(input: {"
        ' person: $i, lawyerInterview: {interviewer: "L", heldOn: $today, record: "r"},'
        ' psychologistInterview: {interviewer: "P", heldOn: $today, record: "r"}, placementNeeded: false,'
        ' idempotencyKey: "scenario"}) { case { id } } }',
        i=person_input(),
        today=today,
    )
    application_ids = await application_scenario(api, person["id"], other["id"])
    return {
        **case_ids,
        **application_ids,
        "dv": domestic_violence.payload("registerDomesticViolenceCase")["case"]["id"],
        "today": today,
        "r": referral_ids[0],
        "ra": referral_ids[1],
        "rs": referral_ids[2],
        "q": other["id"],
        "p": person["id"],
        "h": household_id,
        "e": enrolled.payload("enrollInService")["enrollment"]["id"],
        "c": consent.payload("recordConsent")["consent"]["id"],
        "v": victim_for_sxa,
        "g": grant.payload("breakGlass")["grant"]["id"],
        "i": person_input(),
    }


async def application_scenario(api: Api, person_id: str, other_id: str) -> dict[str, str]:
    """Applications of DOST: `ap` submitted (home care, `person`), `apd` approved with an enrollment (a
    person of its own); `other` waiting in the rest-voucher queue."""
    dost = api.as_("social_worker", agency="DOST")
    submit = (
        "mutation($p: ID!, $s: String!, $k: String, $key: String!) { submitApplication(input: {personId: $p,"
        " serviceCode: $s, kind: $k, applicantKind: SELF, channel: IN_PERSON, idempotencyKey: $key})"
        " { application { id } errors { code } } }"
    )
    approved = (await dost.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")["person"]
    ids: dict[str, str] = {}
    for key, (owner, service, kind, moves) in {
        "ap": (person_id, "01-09-15-00", None, ()),
        "apd": (approved["id"], "01-09-15-00", None, ("assess", "approve")),
        "apw": (other_id, "01-09-07-00", "REST", ("assess", "approve")),
    }.items():
        made = await dost.execute(submit, p=owner, s=service, k=kind, key=f"scenario-{key}")
        payload = made.payload("submitApplication")
        assert payload["errors"] == [], payload
        ids[key] = payload["application"]["id"]
        for move in moves:
            document = (
                'mutation($a: ID!) { assessApplication(input: {id: $a, need: "care"}) { errors { code } } }'
                if move == "assess"
                else "mutation($a: ID!) { decideApplication(input: {id: $a, decision: APPROVE})"
                " { errors { code } } }"
            )
            result = await dost.execute(document, a=ids[key])
            assert not result.errors, result.errors
    return ids


async def case_scenario(api: Api, persons: dict[str, str]) -> dict[str, str]:
    """Cases of DOST in each phase a probe needs: `k` open (ASSESSMENT), `ka` assessed, `kp` planned,
    `kc` closed."""
    dost = api.as_("case_manager", agency="DOST")
    fourth = (await dost.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")["person"]
    steps = {"k": 0, "ka": 1, "kp": 2, "kc": 3}
    ids: dict[str, str] = {}
    for key, person_id in {**persons, "kp": fourth["id"]}.items():
        opened = await dost.execute(
            'mutation($p: ID!) { openCase(input: {personId: $p, managerId: "cm"}) { case { id } } }',
            p=person_id,
        )
        ids[key] = opened.payload("openCase")["case"]["id"]
        documents = [
            "mutation($k: ID!) { recordAssessment(input: {id: $k, needs: [{domain: CARE}], riskLevel: LOW})"
            " { errors { code } } }",
            'mutation($k: ID!) { setServicePlan(input: {id: $k, needs: [CARE], goals: ["care"],'
            ' serviceCodes: [], responsibleAgencyCodes: ["DOST"]}) { errors { code } } }',
            'mutation($k: ID!) { closeCase(input: {id: $k, reason: "done"}) { errors { code } } }',
        ]
        for document in documents[: steps[key]]:
            result = await dost.execute(document, k=ids[key])
            assert not result.errors, result.errors
    return ids


@pytest.mark.parametrize("field", sorted(COVERAGE))
async def test_the_field_writes_an_access_event(field: str, api: Api, db: Database) -> None:
    probe = COVERAGE[field]
    ids = await scenario(api)
    async with db.transaction() as session:
        before = (await session.execute(text("SELECT coalesce(max(id), 0) FROM access_events"))).scalar_one()
    caller = api.as_(probe.role, agency=probe.agency)
    wanted = {name: value for name, value in ids.items() if f"${name}" in probe.document}
    result = await caller.execute(probe.document, **wanted)
    assert not result.errors, result.errors
    async with db.transaction() as session:
        events = (
            await session.execute(
                text("SELECT action, fields FROM access_events WHERE id > :before AND outcome = 'ALLOWED'"),
                {"before": before},
            )
        ).all()
    assert probe.action in {action for action, _ in events}, f"{field}: no {probe.action} event"
    # Every read says what it showed (issue 13, item 9): an event disclosing data records its fields.
    silent = sorted({action for action, fields in events if discloses(action) and not fields})
    assert silent == [], f"{field}: events without the fields they showed: {silent}"


def discloses(action: str) -> bool:
    """An event of a read, which shows data (a write records the fields it changed, or none)."""
    return action.endswith((":read", ":search"))
