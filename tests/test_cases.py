"""Case management (issue 6, "Case management (rule 11)"), through the GraphQL API.

Rules named where a test proves one (../shared/domain/README.md): rule 11 (case management phases:
needs assessment, service package, coordination, monitoring, closure; Strategy 6.1.4), rule 10 (a
domestic-violence victim's anonymity, 002 steps 3-5), rule 13 (access within the remit, Strategy 8.2.3).
"""

import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from strawberry import relay

from sxvis import clock
from sxvis.database import Database
from tests.conftest import Api
from tests.documents import PERSON_BY_ID, REGISTER_PERSON
from tests.factories import person_input

MANAGER = "leyla-cm"
TIMELINE = "timeline { kind fromPhase toPhase actorUser actorAgencyCode summary visitDate note outcome }"
CASE_FIELDS = f"""
  id phase open managerId riskLevel closeReason
  assessment {{ needs {{ domain description }} riskLevel note }}
  servicePlan {{ needs goals serviceCodes responsibleAgencyCodes services {{ code }} }}
  person {{ id fin lastName pseudonym }}
  {TIMELINE}
"""
ERRORS = "errors { field code message }"


def mutation(name: str, input_type: str) -> str:
    return f"""
mutation M($input: {input_type}!) {{ {name}(input: $input) {{ case {{ {CASE_FIELDS} }} {ERRORS} }} }}
"""


OPEN = mutation("openCase", "OpenCaseInput")
ASSESS = mutation("recordAssessment", "RecordAssessmentInput")
PLAN = mutation("setServicePlan", "SetServicePlanInput")
MONITOR = mutation("addMonitoringEntry", "AddMonitoringEntryInput")
CLOSE = mutation("closeCase", "CloseCaseInput")
REOPEN = mutation("reopenCase", "ReopenCaseInput")
CASE = f"query C($id: ID!) {{ case(id: $id) {{ {CASE_FIELDS} }} }}"
CASES = f"""
query L($f: CaseFilter, $first: Int, $after: String) {{
  cases(filter: $f, first: $first, after: $after) {{
    edges {{ cursor node {{ {CASE_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
PERSON_CASES = "query P($id: ID!) { person(id: $id) { id cases { id phase managerId } } }"
CREATE_REFERRAL = f"""
mutation R($input: CreateReferralInput!) {{ createReferral(input: $input) {{ referral {{ id }} {ERRORS} }} }}
"""
CASE_REFERRALS = "query C($id: ID!) { case(id: $id) { referrals { id status reason } } }"
RECORD_CONSENT = f"""
mutation K($input: RecordConsentInput!) {{ recordConsent(input: $input) {{ consent {{ id }} {ERRORS} }} }}
"""
REVOKE_CONSENT = f"""
mutation V($input: RevokeConsentInput!) {{ revokeConsent(input: $input) {{ consent {{ id }} {ERRORS} }} }}
"""

NEEDS = [
    {"domain": "SAFETY", "description": "Threatened by her former partner"},
    {"domain": "HOUSING", "description": "No safe place to stay"},
]
PLAN_INPUT = {
    "needs": ["SAFETY", "HOUSING"],
    "goals": ["A safe place to live within a week", "A protection order"],
    "serviceCodes": ["09-03-00-00"],
    "responsibleAgencyCodes": ["DOST", "NGO-QADIN"],
}


def manager(api: Api, agency: str = "DOST") -> Api:
    return api.as_("case_manager", agency=agency, user=MANAGER)


async def register(api: Api, agency: str = "DOST", **overrides: Any) -> dict[str, Any]:
    result = await api.as_("social_worker", agency=agency).execute(
        REGISTER_PERSON, input=person_input(**overrides)
    )
    payload = result.payload("registerPerson")
    assert payload["errors"] == []
    return payload["person"]  # type: ignore[no-any-return]


async def open_case(api: Api, person_id: str, agency: str = "DOST") -> dict[str, Any]:
    payload = (
        await manager(api, agency).execute(OPEN, input={"personId": person_id, "managerId": MANAGER})
    ).payload("openCase")
    assert payload["errors"] == []
    return payload["case"]  # type: ignore[no-any-return]


async def change(api: Api, document: str, name: str, agency: str = "DOST", **values: Any) -> dict[str, Any]:
    return (await manager(api, agency).execute(document, input=values)).payload(name)  # type: ignore[no-any-return]


async def assessed(api: Api, person_id: str) -> dict[str, Any]:
    case = await open_case(api, person_id)
    payload = await change(api, ASSESS, "recordAssessment", id=case["id"], needs=NEEDS, riskLevel="HIGH")
    assert payload["errors"] == []
    return payload["case"]  # type: ignore[no-any-return]


async def planned(api: Api, person_id: str) -> dict[str, Any]:
    case = await assessed(api, person_id)
    payload = await change(api, PLAN, "setServicePlan", id=case["id"], **PLAN_INPUT)
    assert payload["errors"] == []
    return payload["case"]  # type: ignore[no-any-return]


async def actions(db: Database, person: dict[str, Any], entity_type: str = "case") -> list[str]:
    """The access log's actions on this kind of entity about one person, in order (the log is never
    emptied between tests, so it is read by person)."""
    person_id = relay.GlobalID.from_id(person["id"]).node_id
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT action FROM access_events WHERE entity_type = :t"
                " AND (person_id = CAST(:p AS uuid) OR CAST(:p AS uuid) = ANY(person_ids)) ORDER BY id"
            ),
            {"t": entity_type, "p": person_id},
        )
        return list(rows.scalars())


async def test_rule_11_the_phases_advance_in_the_strategys_order(api: Api) -> None:
    person = await register(api)
    case = await open_case(api, person["id"])
    assert (case["phase"], case["open"], case["managerId"]) == ("ASSESSMENT", True, MANAGER)
    phases = [case["phase"]]
    steps = [
        (ASSESS, "recordAssessment", {"needs": NEEDS, "riskLevel": "HIGH"}),
        (PLAN, "setServicePlan", PLAN_INPUT),
        (
            MONITOR,
            "addMonitoringEntry",
            {"visitDate": clock.today().isoformat(), "note": "Settled in", "outcome": "Safe"},
        ),
        (CLOSE, "closeCase", {"reason": "Goals reached"}),
    ]
    for document, name, values in steps:
        payload = await change(api, document, name, id=case["id"], **values)
        assert payload["errors"] == [], name
        phases.append(payload["case"]["phase"])
    assert phases == ["ASSESSMENT", "SERVICE_PACKAGE", "COORDINATION", "MONITORING", "CLOSED"]
    timeline = payload["case"]["timeline"]
    assert [(e["kind"], e["fromPhase"], e["toPhase"]) for e in timeline] == [
        ("OPENED", None, "ASSESSMENT"),
        ("ASSESSMENT", "ASSESSMENT", "SERVICE_PACKAGE"),
        ("SERVICE_PLAN", "SERVICE_PACKAGE", "COORDINATION"),
        ("MONITORING", "COORDINATION", "MONITORING"),
        ("CLOSED", "MONITORING", "CLOSED"),
    ]
    assert {(e["actorUser"], e["actorAgencyCode"]) for e in timeline} == {(MANAGER, "DOST")}


async def test_rule_11_the_assessment_and_plan_are_kept_on_the_case(api: Api) -> None:
    person = await register(api)
    case = await planned(api, person["id"])
    assert case["riskLevel"] == "HIGH"
    assert case["assessment"]["needs"] == NEEDS
    plan = case["servicePlan"]
    assert plan["goals"] == PLAN_INPUT["goals"]
    assert plan["responsibleAgencyCodes"] == ["DOST", "NGO-QADIN"]
    assert [s["code"] for s in plan["services"]] == ["09-03-00-00"]


async def test_rule_11_a_service_plan_needs_an_assessment_first(api: Api) -> None:
    person = await register(api)
    case = await open_case(api, person["id"])
    payload = await change(api, PLAN, "setServicePlan", id=case["id"], **PLAN_INPUT)
    (error,) = payload["errors"]
    assert error["code"] == "INVALID_TRANSITION"
    assert "ASSESSMENT" in error["message"]
    seen = (await manager(api).execute(CASE, id=case["id"])).ok()["case"]
    assert (seen["phase"], seen["servicePlan"], len(seen["timeline"])) == ("ASSESSMENT", None, 1)


async def test_rule_11_monitoring_needs_a_service_plan_first(api: Api) -> None:
    person = await register(api)
    case = await assessed(api, person["id"])
    payload = await change(
        api,
        MONITOR,
        "addMonitoringEntry",
        id=case["id"],
        visitDate=clock.today().isoformat(),
        note="n",
        outcome="o",
    )
    (error,) = payload["errors"]
    assert error["code"] == "INVALID_TRANSITION"
    assert "SERVICE_PACKAGE" in error["message"]


async def test_rule_11_a_closed_case_takes_no_new_entries(api: Api) -> None:
    person = await register(api)
    case = await planned(api, person["id"])
    closed = await change(api, CLOSE, "closeCase", id=case["id"], reason="The family moved abroad")
    assert closed["case"]["closeReason"] == "The family moved abroad"
    refused = [
        await change(api, ASSESS, "recordAssessment", id=case["id"], needs=NEEDS, riskLevel="LOW"),
        await change(api, PLAN, "setServicePlan", id=case["id"], **PLAN_INPUT),
        await change(
            api,
            MONITOR,
            "addMonitoringEntry",
            id=case["id"],
            visitDate=clock.today().isoformat(),
            note="n",
            outcome="o",
        ),
        await change(api, CLOSE, "closeCase", id=case["id"], reason="again"),
    ]
    for payload in refused:
        (error,) = payload["errors"]
        assert (error["code"], "CLOSED" in error["message"]) == ("INVALID_TRANSITION", True)
    seen = (await manager(api).execute(CASE, id=case["id"])).ok()["case"]
    assert [e["kind"] for e in seen["timeline"]][-1] == "CLOSED"


async def test_rule_11_reopening_is_explicit_and_logged(api: Api, db: Database) -> None:
    person = await register(api)
    case = await planned(api, person["id"])
    await change(api, CLOSE, "closeCase", id=case["id"], reason="No longer needed")
    payload = await change(api, REOPEN, "reopenCase", id=case["id"], reason="Violence resumed")
    assert payload["errors"] == []
    reopened = payload["case"]
    assert (reopened["phase"], reopened["open"], reopened["closeReason"]) == ("ASSESSMENT", True, None)
    last = reopened["timeline"][-1]
    assert (last["kind"], last["fromPhase"], last["toPhase"], last["note"]) == (
        "REOPENED",
        "CLOSED",
        "ASSESSMENT",
        "Violence resumed",
    )
    assert "case:reopen" in await actions(db, person)


async def test_rule_11_only_a_closed_case_can_be_reopened(api: Api) -> None:
    person = await register(api)
    case = await open_case(api, person["id"])
    payload = await change(api, REOPEN, "reopenCase", id=case["id"], reason="why not")
    (error,) = payload["errors"]
    assert error["code"] == "INVALID_TRANSITION"
    assert "ASSESSMENT" in error["message"]


async def test_rule_11_a_re_assessment_later_is_recorded_without_moving_the_case_back(api: Api) -> None:
    person = await register(api)
    case = await planned(api, person["id"])
    needs = [*NEEDS, {"domain": "HEALTH", "description": "Injuries need treatment"}]
    payload = await change(api, ASSESS, "recordAssessment", id=case["id"], needs=needs, riskLevel="CRITICAL")
    assert payload["errors"] == []
    again = payload["case"]
    assert (again["phase"], again["riskLevel"]) == ("COORDINATION", "CRITICAL")
    last = again["timeline"][-1]
    assert (last["kind"], last["fromPhase"], last["toPhase"]) == (
        "ASSESSMENT",
        "COORDINATION",
        "COORDINATION",
    )
    assert last["summary"].startswith("Re-assessment")


async def test_every_change_writes_a_timeline_entry_and_an_access_event(api: Api, db: Database) -> None:
    person = await register(api)
    case = await planned(api, person["id"])
    await change(
        api,
        MONITOR,
        "addMonitoringEntry",
        id=case["id"],
        visitDate=clock.today().isoformat(),
        note="Visited",
        outcome="Better",
    )
    await change(api, CLOSE, "closeCase", id=case["id"], reason="Done")
    assert await actions(db, person) == [
        "case:open",
        "case:assess",
        "case:plan",
        "case:monitor",
        "case:close",
    ]
    async with db.transaction() as session:
        entries = (await session.execute(text("SELECT count(*) FROM case_entries"))).scalar_one()
    assert entries == 5


async def test_a_bad_plan_changes_nothing(api: Api, db: Database) -> None:
    person = await register(api)
    case = await assessed(api, person["id"])
    payload = await change(
        api, PLAN, "setServicePlan", id=case["id"], **{**PLAN_INPUT, "serviceCodes": ["99-99-99-99"]}
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("serviceCodes", "NOT_FOUND")]
    seen = (await manager(api).execute(CASE, id=case["id"])).ok()["case"]
    assert (seen["phase"], seen["servicePlan"], len(seen["timeline"])) == ("SERVICE_PACKAGE", None, 2)
    assert "case:plan" not in await actions(db, person)


async def test_a_plan_answers_only_assessed_needs(api: Api) -> None:
    person = await register(api)
    case = await assessed(api, person["id"])
    payload = await change(
        api, PLAN, "setServicePlan", id=case["id"], **{**PLAN_INPUT, "needs": ["EDUCATION"]}
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("needs", "INVALID")]


async def test_a_visit_cannot_be_in_the_future(api: Api) -> None:
    person = await register(api)
    case = await planned(api, person["id"])
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    payload = await change(
        api, MONITOR, "addMonitoringEntry", id=case["id"], visitDate=tomorrow, note="n", outcome="o"
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("visitDate", "INVALID")]


async def test_an_agency_has_one_open_case_per_person(api: Api) -> None:
    person = await register(api)
    await open_case(api, person["id"])
    payload = await change(api, OPEN, "openCase", personId=person["id"], managerId=MANAGER)
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("personId", "DUPLICATE")]


async def test_rule_13_a_case_needs_the_person_in_the_remit(api: Api) -> None:
    person = await register(api, agency="DOST")
    payload = await change(api, OPEN, "openCase", agency="DMX", personId=person["id"], managerId=MANAGER)
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("personId", "NOT_FOUND")]


async def _consent(api: Api, person_id: str, agency: str) -> str:
    payload = (
        await api.as_("social_worker", agency="DOST").execute(
            RECORD_CONSENT,
            input={
                "personId": person_id,
                "agencyCode": agency,
                "purpose": "case management",
                "validUntil": "2099-01-01",
            },
        )
    ).payload("recordConsent")
    assert payload["errors"] == []
    return payload["consent"]["id"]  # type: ignore[no-any-return]


async def test_rule_13_an_open_case_keeps_the_person_in_the_managing_agencys_remit(api: Api) -> None:
    person = await register(api, agency="DOST")
    consent_id = await _consent(api, person["id"], "DSMF")
    case = await open_case(api, person["id"], agency="DSMF")
    revoked = await api.as_("social_worker", agency="DOST").execute(
        REVOKE_CONSENT, input={"id": consent_id, "reason": "The person withdrew consent."}
    )
    assert revoked.payload("revokeConsent")["errors"] == []
    dsmf = api.as_("social_worker", agency="DSMF")
    assert (await dsmf.execute(PERSON_BY_ID, id=person["id"])).ok()["person"]["fin"] == person["fin"]
    third = api.as_("social_worker", agency="DMX")
    assert (await third.execute(PERSON_BY_ID, id=person["id"])).ok()["person"] is None
    assert (await third.execute(CASE, id=case["id"])).ok()["case"] is None
    await change(api, CLOSE, "closeCase", agency="DSMF", id=case["id"], reason="Handed back to DOST")
    assert (await dsmf.execute(PERSON_BY_ID, id=person["id"])).ok()["person"] is None
    kept = (await dsmf.execute(CASE, id=case["id"])).ok()["case"]
    assert (kept["phase"], kept["person"]) == ("CLOSED", None)


async def test_only_the_managing_agency_changes_a_case(api: Api) -> None:
    person = await register(api, agency="DOST")
    await _consent(api, person["id"], "DSMF")
    case = await open_case(api, person["id"])
    result = await manager(api, "DSMF").execute(
        ASSESS, input={"id": case["id"], "needs": NEEDS, "riskLevel": "LOW"}
    )
    assert result.errors[0]["extensions"]["code"] == "FORBIDDEN"
    seen = (await api.as_("social_worker", agency="DSMF").execute(CASE, id=case["id"])).ok()["case"]
    assert seen["phase"] == "ASSESSMENT"


async def test_rule_10_a_protected_persons_case_keeps_the_identity_from_another_agency(api: Api) -> None:
    victim = await register(api, agency="DOST", protected=True, lastName="Qurbanova")
    case = await planned(api, victim["id"])
    await change(api, CLOSE, "closeCase", id=case["id"], reason="Qurbanova moved to her sister")
    sxa = api.as_("case_manager", agency="SXA")  # registry-wide: sees the victim, under a pseudonym
    listed = await sxa.execute(CASES, f={"open": False})
    (edge,) = listed.ok()["cases"]["edges"]
    seen = edge["node"]
    assert seen["id"] != case["id"]
    assert seen["person"]["pseudonym"] is not None
    assert (seen["person"]["fin"], seen["person"]["lastName"], seen["closeReason"]) == (None, None, None)
    assert {n["description"] for n in seen["assessment"]["needs"]} == {None}
    assert seen["servicePlan"]["goals"] is None
    body = json.dumps(listed.body, ensure_ascii=False)
    for secret in (victim["fin"], "Qurbanova", "former partner", "protection order", victim["id"]):
        assert secret not in body
    by_pseudonymous_id = (await sxa.execute(CASE, id=seen["id"])).ok()["case"]
    assert by_pseudonymous_id["id"] == seen["id"]


async def test_cases_are_filtered_by_person_phase_state_and_manager(api: Api) -> None:
    first, second = await register(api), await register(api)
    one = await planned(api, first["id"])
    two = await open_case(api, second["id"])
    dost = manager(api)

    async def ids(f: dict[str, Any]) -> list[str]:
        return [e["node"]["id"] for e in (await dost.execute(CASES, f=f)).ok()["cases"]["edges"]]

    assert await ids({"personId": first["id"]}) == [one["id"]]
    assert await ids({"phase": "ASSESSMENT"}) == [two["id"]]
    assert await ids({"open": True}) == [two["id"], one["id"]]
    assert await ids({"open": False}) == []
    assert await ids({"managerId": "someone-else"}) == []
    paged = (await dost.execute(CASES, f=None, first=1)).ok()["cases"]
    assert paged["pageInfo"]["hasNextPage"] is True
    rest = (await dost.execute(CASES, f=None, first=1, after=paged["pageInfo"]["endCursor"])).ok()["cases"]
    assert [e["node"]["id"] for e in rest["edges"]] == [one["id"]]


async def test_a_person_lists_their_cases(api: Api) -> None:
    person = await register(api)
    case = await open_case(api, person["id"])
    seen = (await manager(api).execute(PERSON_CASES, id=person["id"])).ok()["person"]
    assert seen["cases"] == [{"id": case["id"], "phase": "ASSESSMENT", "managerId": MANAGER}]


async def test_a_case_is_a_node(api: Api) -> None:
    person = await register(api)
    case = await open_case(api, person["id"])
    node = await manager(api).execute(
        "query N($id: ID!) { node(id: $id) { ... on Case { id phase } } }", id=case["id"]
    )
    assert node.ok()["node"] == {"id": case["id"], "phase": "ASSESSMENT"}


def _referral_input(person_id: str, case_id: str) -> dict[str, Any]:
    return {
        "personId": person_id,
        "toAgencyCode": "DSMF",
        "reason": "Targeted social assistance",
        "urgency": "ROUTINE",
        "idempotencyKey": uuid.uuid4().hex,
        "caseId": case_id,
    }


async def test_rule_11_a_referral_within_a_case_is_listed_on_the_case(api: Api) -> None:
    person = await register(api)
    case = await planned(api, person["id"])
    created = (
        await manager(api).execute(CREATE_REFERRAL, input=_referral_input(person["id"], case["id"]))
    ).payload("createReferral")
    assert created["errors"] == []
    referrals = (await manager(api).execute(CASE_REFERRALS, id=case["id"])).ok()["case"]["referrals"]
    assert [r["id"] for r in referrals] == [created["referral"]["id"]]


async def test_rule_11_a_referral_within_a_case_is_on_the_case_timeline(api: Api) -> None:
    person = await register(api)
    case = await planned(api, person["id"])
    created = (
        await manager(api).execute(CREATE_REFERRAL, input=_referral_input(person["id"], case["id"]))
    ).payload("createReferral")
    assert created["errors"] == []
    shown = await manager(api).execute(
        "query($id: ID!) { case(id: $id) { timeline { kind fromPhase toPhase summary } } }", id=case["id"]
    )
    last = shown.ok()["case"]["timeline"][-1]
    assert last == {
        "kind": "REFERRAL",
        "fromPhase": "COORDINATION",
        "toPhase": "COORDINATION",
        "summary": "Referred to DSMF (ROUTINE)",
    }


async def test_rule_11_a_referral_names_an_open_case_of_the_same_person(api: Api, db: Database) -> None:
    person, other = await register(api), await register(api)
    case = await planned(api, person["id"])
    wrong_person = (
        await manager(api).execute(CREATE_REFERRAL, input=_referral_input(other["id"], case["id"]))
    ).payload("createReferral")
    assert [(e["field"], e["code"]) for e in wrong_person["errors"]] == [("caseId", "INVALID")]
    await change(api, CLOSE, "closeCase", id=case["id"], reason="Done")
    closed = (
        await manager(api).execute(CREATE_REFERRAL, input=_referral_input(person["id"], case["id"]))
    ).payload("createReferral")
    (error,) = closed["errors"]
    assert (error["field"], error["code"], "CLOSED" in error["message"]) == (
        "caseId",
        "INVALID_TRANSITION",
        True,
    )
    unknown = relay.to_base64("Case", str(uuid.uuid4()))
    missing = (
        await manager(api).execute(CREATE_REFERRAL, input=_referral_input(person["id"], unknown))
    ).payload("createReferral")
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("caseId", "NOT_FOUND")]
    async with db.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM referrals"))).scalar_one() == 0


async def test_reading_a_case_and_its_timeline_is_logged(api: Api, db: Database) -> None:
    person = await register(api)
    case = await open_case(api, person["id"])
    await manager(api).execute(CASE, id=case["id"])
    assert "case:read" in await actions(db, person)
    assert "case:read" in await actions(db, person, "case_entry")
