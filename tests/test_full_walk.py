"""The full walk of issue 6, as a new user would take it, all through the GraphQL API.

A case manager of DOST registers a person, opens a case, assesses the needs, sets the service plan,
records the person's consent for an NGO (rule 2: a non-state body receives a person only with their
consent, 000 §16), and refers the person to it within the case; the NGO accepts, starts and completes
the referral with an outcome; the case manager records a monitoring visit and closes the case (rule 11:
assessment, service package, coordination, monitoring, closure, Strategy 6.1.4). Then an auditor reads
the whole trail from the access log, by person.
"""

import uuid
from typing import Any

from sxvis import clock
from tests.conftest import Api, Result
from tests.factories import person_input

ERRORS = "errors { field code message }"
REGISTER = f"""
mutation Register($input: RegisterPersonInput!) {{
  registerPerson(input: $input) {{ person {{ id fin }} {ERRORS} }}
}}
"""
CASE = "case { id phase referrals { id status outcome } timeline { kind toPhase actorAgencyCode } }"
OPEN_CASE = f"mutation Open($input: OpenCaseInput!) {{ openCase(input: $input) {{ {CASE} {ERRORS} }} }}"
ASSESS = f"""
mutation Assess($input: RecordAssessmentInput!) {{ recordAssessment(input: $input) {{ {CASE} {ERRORS} }}
}}
"""
PLAN = (
    f"mutation Plan($input: SetServicePlanInput!) {{ setServicePlan(input: $input) {{ {CASE} {ERRORS} }} }}"
)
CONSENT = f"""
mutation Consent($input: RecordConsentInput!) {{
  recordConsent(input: $input) {{ consent {{ id }} {ERRORS} }}
}}
"""
REFER = f"""
mutation Refer($input: CreateReferralInput!) {{
  createReferral(input: $input) {{ referral {{ id status person {{ fin }} }} {ERRORS} }}
}}
"""
INBOX = (
    "query Inbox { referrals(filter: {direction: INCOMING}) { edges { node { id status person { fin } } } } }"
)
ACCEPT = f"""
mutation Accept($input: MoveReferralInput!) {{
  acceptReferral(input: $input) {{ referral {{ status }} {ERRORS} }}
}}
"""
START = f"""
mutation Start($input: MoveReferralInput!) {{
  startReferral(input: $input) {{ referral {{ status }} {ERRORS} }}
}}
"""
COMPLETE = f"""
mutation Complete($input: CompleteReferralInput!) {{
  completeReferral(input: $input) {{ referral {{ status outcome }} {ERRORS} }}
}}
"""
MONITOR = f"""
mutation Visit($input: AddMonitoringEntryInput!) {{ addMonitoringEntry(input: $input) {{ {CASE} {ERRORS} }}
}}
"""
CLOSE = f"mutation Close($input: CloseCaseInput!) {{ closeCase(input: $input) {{ {CASE} {ERRORS} }} }}"
TRAIL = """
query Trail($person: ID!, $after: String) {
  accessLog(filter: {personId: $person}, first: 100, after: $after) {
    edges { node { occurredAt action entityType outcome actor { user agency } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def ok(result: Result, name: str) -> dict[str, Any]:
    payload = result.payload(name)
    assert payload["errors"] == [], (name, payload["errors"])
    return payload  # type: ignore[no-any-return]


async def test_rule_11_the_full_walk_from_registration_to_closure_is_in_the_auditors_trail(api: Api) -> None:
    leyla = api.as_("case_manager", agency="DOST", user="leyla")
    ngo = api.as_("partner_agency", agency="NGO-QADIN", user="nigar")
    auditor = api.as_("auditor", agency="VXSIDA", user="aydin")

    person = ok(await leyla.execute(REGISTER, input=person_input(sex="FEMALE")), "registerPerson")["person"]
    case = ok(
        await leyla.execute(OPEN_CASE, input={"personId": person["id"], "managerId": "leyla"}), "openCase"
    )["case"]
    assert case["phase"] == "ASSESSMENT"
    needs = [{"domain": "SAFETY", "description": "Violence at home"}, {"domain": "HOUSING"}]
    assessed = await leyla.execute(ASSESS, input={"id": case["id"], "needs": needs, "riskLevel": "HIGH"})
    assert ok(assessed, "recordAssessment")["case"]["phase"] == "SERVICE_PACKAGE"
    plan = {
        "id": case["id"],
        "needs": ["SAFETY", "HOUSING"],
        "goals": ["A safe place to live"],
        "serviceCodes": ["09-03-00-00"],
        "responsibleAgencyCodes": ["DOST", "NGO-QADIN"],
    }
    assert ok(await leyla.execute(PLAN, input=plan), "setServicePlan")["case"]["phase"] == "COORDINATION"
    consent = ok(
        await leyla.execute(
            CONSENT,
            input={
                "personId": person["id"],
                "agencyCode": "NGO-QADIN",
                "purpose": "Shelter and counselling",
                "validUntil": "2099-12-31",
            },
        ),
        "recordConsent",
    )["consent"]
    referral = ok(
        await leyla.execute(
            REFER,
            input={
                "personId": person["id"],
                "toAgencyCode": "NGO-QADIN",
                "reason": "Needs a shelter place and counselling",
                "urgency": "URGENT",
                "idempotencyKey": uuid.uuid4().hex,
                "caseId": case["id"],
                "consentId": consent["id"],
            },
        ),
        "createReferral",
    )["referral"]

    inbox = (await ngo.execute(INBOX)).ok()["referrals"]["edges"]
    assert [(e["node"]["id"], e["node"]["person"]["fin"]) for e in inbox] == [(referral["id"], person["fin"])]
    assert ok(await ngo.execute(ACCEPT, input={"id": referral["id"]}), "acceptReferral")["referral"][
        "status"
    ] == ("ACCEPTED")
    assert ok(await ngo.execute(START, input={"id": referral["id"]}), "startReferral")["referral"][
        "status"
    ] == ("IN_PROGRESS")
    done = ok(
        await ngo.execute(
            COMPLETE, input={"id": referral["id"], "outcome": "Placed in the shelter; 6 sessions"}
        ),
        "completeReferral",
    )
    assert done["referral"]["status"] == "COMPLETED"

    visit = {
        "id": case["id"],
        "visitDate": clock.today().isoformat(),
        "note": "Safe at the shelter",
        "outcome": "Goals met",
    }
    monitored = ok(await leyla.execute(MONITOR, input=visit), "addMonitoringEntry")["case"]
    assert monitored["phase"] == "MONITORING"
    assert monitored["referrals"] == [
        {"id": referral["id"], "status": "COMPLETED", "outcome": "Placed in the shelter; 6 sessions"}
    ]
    closed = ok(await leyla.execute(CLOSE, input={"id": case["id"], "reason": "Goals met"}), "closeCase")[
        "case"
    ]
    assert [(e["kind"], e["toPhase"]) for e in closed["timeline"]] == [
        ("OPENED", "ASSESSMENT"),
        ("ASSESSMENT", "SERVICE_PACKAGE"),
        ("SERVICE_PLAN", "COORDINATION"),
        ("REFERRAL", "COORDINATION"),
        ("MONITORING", "MONITORING"),
        ("CLOSED", "CLOSED"),
    ]

    trail: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await auditor.execute(TRAIL, person=person["id"], after=after)).ok()["accessLog"]
        trail.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    steps = [
        (e["action"], e["actor"]["agency"])
        for e in reversed(trail)  # the log is newest first
        if e["outcome"] == "ALLOWED" and not e["action"].endswith(":read")
    ]
    assert steps == [
        ("person:register", "DOST"),
        ("case:open", "DOST"),
        ("case:assess", "DOST"),
        ("case:plan", "DOST"),
        ("consent:record", "DOST"),
        ("referral:create", "DOST"),
        ("referral:accept", "NGO-QADIN"),
        ("referral:start", "NGO-QADIN"),
        ("referral:complete", "NGO-QADIN"),
        ("case:monitor", "DOST"),
        ("case:close", "DOST"),
    ]
    readers = {(e["action"], e["actor"]["agency"]) for e in trail if e["action"].endswith(":read")}
    assert ("person:read", "NGO-QADIN") in readers  # the NGO's inbox showed the person: logged too
