"""Existence by other means (issue 13, item 5): whatever a caller may not see answers, byte for byte,
what an id that names nothing answers.

Two kinds of hidden: a protected person (and their household) named by the real id, to an agency that
sees them only under a pseudonym; and an ordinary person's household, case, referral, enrollment,
consent and checks, to an agency whose remit does not hold them. For each path that takes an id or a
key, the response to the hidden id and to a random one are compared as bytes, errors' messages and
paths included.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text
from strawberry import relay

from sxvis.database import Database
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

HOME_CARE = "01-09-15-00"
REASON = "Police report the person is in immediate danger at an unknown address"


def nobody(type_name: str) -> str:
    return str(relay.GlobalID(type_name, str(uuid.UUID(int=987654321))))


async def raw(caller: Api, document: str, **variables: object) -> bytes:
    response = await caller.client.post(
        "/graphql", json={"query": document, "variables": variables}, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    return response.content


@dataclass(frozen=True)
class World:
    victim: str  # the protected person's real id (DOST protects them)
    victim_household: str
    person: str  # an ordinary person of DOST, outside DIN's remit
    household: str
    case: str  # DOST's case about `person`
    referral: str  # DOST → DSMF, about `person`
    enrollment: str  # `person` at DOST-BAKI-1
    consent: str  # `person` consents to DSMF
    din_person: str  # a person DIN registered (in its remit)


async def world(api: Api) -> World:
    dost = api.as_("case_manager", agency="DOST")

    async def register(**values: Any) -> dict[str, Any]:
        result = await dost.execute(REGISTER_PERSON, input=person_input(**values))
        payload = result.payload("registerPerson")
        assert payload["errors"] == [], payload["errors"]
        return payload["person"]  # type: ignore[no-any-return]

    victim = await register(protected=True, household={"relation": "HEAD"}, birthDate="1950-05-05")
    person = await register(household={"relation": "HEAD"}, birthDate="1940-01-01")
    for someone in (victim, person):
        enrolled = await dost.execute(
            "mutation($p: ID!) { enrollInService(input: {personId: $p, serviceCode: "
            f'"{HOME_CARE}", providerCode: "DOST-BAKI-1"}}) {{ enrollment {{ id }} errors {{ code }} }} }}',
            p=someone["id"],
        )
        assert enrolled.payload("enrollInService")["errors"] == []
    consent = await dost.execute(
        'mutation($p: ID!) { recordConsent(input: {personId: $p, agencyCode: "DSMF", purpose: "aid",'
        ' validUntil: "2099-01-01"}) { consent { id } errors { code } } }',
        p=person["id"],
    )
    victim_consent = await dost.execute(
        'mutation($p: ID!) { recordConsent(input: {personId: $p, agencyCode: "DSMF", purpose: "aid",'
        ' validUntil: "2099-01-01"}) { errors { code } } }',
        p=victim["id"],
    )
    assert victim_consent.payload("recordConsent")["errors"] == []
    victim_case = await dost.execute(
        'mutation($p: ID!) { openCase(input: {personId: $p, managerId: "cm"}) { errors { code } } }',
        p=victim["id"],
    )
    assert victim_case.payload("openCase")["errors"] == []
    case = await dost.execute(
        'mutation($p: ID!) { openCase(input: {personId: $p, managerId: "cm"}) { case { id } } }',
        p=person["id"],
    )
    referral = await dost.execute(
        'mutation($p: ID!) { createReferral(input: {personId: $p, toAgencyCode: "DSMF", reason: "aid",'
        ' urgency: ROUTINE, idempotencyKey: "hidden-world"}) { referral { id } errors { code } } }',
        p=person["id"],
    )
    enrollments = await dost.execute(
        "query($p: ID!) { person(id: $p) { enrollments { id } } }", p=person["id"]
    )
    return World(
        victim=victim["id"],
        victim_household=victim["household"]["id"],
        person=person["id"],
        household=person["household"]["id"],
        case=case.payload("openCase")["case"]["id"],
        referral=referral.payload("createReferral")["referral"]["id"],
        enrollment=enrollments.ok()["person"]["enrollments"][0]["id"],
        consent=consent.payload("recordConsent")["consent"]["id"],
        din_person=(
            await api.as_("social_worker", agency="DIN").execute(REGISTER_PERSON, input=person_input())
        ).payload("registerPerson")["person"]["id"],
    )


@dataclass(frozen=True)
class Path:
    document: str
    hidden: Callable[[World], dict[str, object]]
    absent: dict[str, object]


# Paths that name a protected person (or their household) by the real id. The caller, SXA, holds the
# registry-wide grant: it sees the person, but only under its own pseudonym.
PROTECTED: dict[str, Path] = {
    "household": Path(
        "query($id: ID!) { household(id: $id) { id addressLine head { id } members { relation } } }",
        lambda w: {"id": w.victim_household},
        {"id": nobody("Household")},
    ),
    "node(household)": Path(
        "query($id: ID!) { node(id: $id) { id ... on Household { members { relation } } } }",
        lambda w: {"id": w.victim_household},
        {"id": nobody("Household")},
    ),
    "person": Path(
        "query($id: ID!) { person(id: $id) { id pseudonym fin } }",
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "node(person)": Path(
        "query($id: ID!) { node(id: $id) { id } }", lambda w: {"id": w.victim}, {"id": nobody("Person")}
    ),
    "consents": Path(
        "query($id: ID!) { consents(personId: $id) { id purpose } }",
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "cases": Path(
        "query($id: ID!) { cases(filter: {personId: $id}) { edges { node { id } } } }",
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "referrals(personId)": Path(
        "query($id: ID!) { referrals(filter: {personId: $id}) { totalCount edges { node { id } } } }",
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "updatePerson": Path(
        "mutation($id: ID!) { updatePerson(input: {id: $id, phone: null})"
        " { person { id } errors { field code message } } }",
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "recordCircumstance": Path(
        "mutation($id: ID!) { recordCircumstance(input:"
        ' {personId: $id, category: ELDERLY, since: "2020-01-01"})'
        " { circumstance { id } errors { field code message } } }",
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "enrollInService": Path(
        f'mutation($id: ID!) {{ enrollInService(input: {{personId: $id, serviceCode: "{HOME_CARE}",'
        ' providerCode: "DOST-BAKI-1"}) { enrollment { id } errors { field code message } } }',
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "recordConsent": Path(
        'mutation($id: ID!) { recordConsent(input: {personId: $id, agencyCode: "DIN", purpose: "aid",'
        ' validUntil: "2099-01-01"}) { consent { id } errors { field code message } } }',
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "createReferral": Path(
        'mutation($id: ID!) { createReferral(input: {personId: $id, toAgencyCode: "DSMF", reason: "aid",'
        ' urgency: ROUTINE, idempotencyKey: "hidden-probe"})'
        " { referral { id } errors { field code message } } }",
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "openCase": Path(
        'mutation($id: ID!) { openCase(input: {personId: $id, managerId: "cm"})'
        " { case { id } errors { field code message } } }",
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "runChecks": Path(
        "mutation($id: ID!) { runChecks(input: {personId: $id, checks: [PENSION]})"
        " { checks { status } errors { field code message } } }",
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "breakGlass": Path(
        "mutation($id: ID!) { breakGlass(input: {personId: $id, reasonCode: IMMEDIATE_DANGER,"
        f' reason: "{REASON}"}}) {{ grant {{ id }} errors {{ field code message }} }} }}',
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "submitApplication": Path(
        f'mutation($id: ID!) {{ submitApplication(input: {{personId: $id, serviceCode: "{HOME_CARE}",'
        ' applicantKind: SELF, channel: IN_PERSON, idempotencyKey: "hidden-application"})'
        " { application { id } errors { field code message } } }",
        lambda w: {"id": w.victim},
        {"id": nobody("Person")},
    ),
    "registerPerson(household)": Path(
        'mutation($id: ID!, $fin: String!) { registerPerson(input: {fin: $fin, lastName: "Əliyev",'
        ' firstName: "Vüqar", birthDate: "1980-01-01", sex: MALE, residenceStatus: CITIZEN,'
        " household: {householdId: $id, relation: SPOUSE}})"
        " { person { id } errors { field code message } } }",
        lambda w: {"id": w.victim_household, "fin": "HIDE001"},
        {"id": nobody("Household"), "fin": "HIDE001"},
    ),
}

# Paths that name an ordinary person's records, to DIN, whose remit holds none of them.
OUTSIDE: dict[str, Path] = {
    "household": Path(
        "query($id: ID!) { household(id: $id) { id members { relation } } }",
        lambda w: {"id": w.household},
        {"id": nobody("Household")},
    ),
    "case": Path(
        "query($id: ID!) { case(id: $id) { id phase timeline { summary } } }",
        lambda w: {"id": w.case},
        {"id": nobody("Case")},
    ),
    "node(case)": Path(
        "query($id: ID!) { node(id: $id) { id } }", lambda w: {"id": w.case}, {"id": nobody("Case")}
    ),
    "referral history": Path(
        "query($id: ID!) { referral(id: $id) { id history { toStatus note actorUser } } }",
        lambda w: {"id": w.referral},
        {"id": nobody("Referral")},
    ),
    "node(referral)": Path(
        "query($id: ID!) { node(id: $id) { id ... on Referral { history { toStatus } } } }",
        lambda w: {"id": w.referral},
        {"id": nobody("Referral")},
    ),
    "node(enrollment)": Path(
        "query($id: ID!) { node(id: $id) { id } }",
        lambda w: {"id": w.enrollment},
        {"id": nobody("Enrollment")},
    ),
    "checks": Path(
        "query($id: ID!) { person(id: $id) { checks { status } } }",
        lambda w: {"id": w.person},
        {"id": nobody("Person")},
    ),
    "consents": Path(
        "query($id: ID!) { consents(personId: $id) { id } }",
        lambda w: {"id": w.person},
        {"id": nobody("Person")},
    ),
    "runChecks": Path(
        "mutation($id: ID!) { runChecks(input: {personId: $id, checks: [PENSION]})"
        " { checks { status } errors { field code message } } }",
        lambda w: {"id": w.person},
        {"id": nobody("Person")},
    ),
    "acceptReferral": Path(
        "mutation($id: ID!) { acceptReferral(input: {id: $id})"
        " { referral { id } errors { field code message } } }",
        lambda w: {"id": w.referral},
        {"id": nobody("Referral")},
    ),
    "cancelReferral": Path(
        'mutation($id: ID!) { cancelReferral(input: {id: $id, reason: "moved"})'
        " { referral { id } errors { field code message } } }",
        lambda w: {"id": w.referral},
        {"id": nobody("Referral")},
    ),
    "recordAssessment": Path(
        "mutation($id: ID!) { recordAssessment(input: {id: $id, needs: [{domain: CARE}], riskLevel: LOW})"
        " { case { id } errors { field code message } } }",
        lambda w: {"id": w.case},
        {"id": nobody("Case")},
    ),
    "closeCase": Path(
        'mutation($id: ID!) { closeCase(input: {id: $id, reason: "done"})'
        " { case { id } errors { field code message } } }",
        lambda w: {"id": w.case},
        {"id": nobody("Case")},
    ),
    "createReferral(case)": Path(
        "mutation($id: ID!, $p: ID!) { createReferral(input: {personId: $p, caseId: $id,"
        ' toAgencyCode: "DSMF", reason: "aid", urgency: ROUTINE, idempotencyKey: "hidden-case"})'
        " { referral { id } errors { field code message } } }",
        lambda w: {"id": w.case, "p": w.din_person},
        {"id": nobody("Case"), "p": "DIN_PERSON"},
    ),
    "endEnrollment": Path(
        "mutation($id: ID!) { endEnrollment(input: {id: $id, reason: PERSON_WITHDREW})"
        " { enrollment { id } errors { field code message } } }",
        lambda w: {"id": w.enrollment},
        {"id": nobody("Enrollment")},
    ),
    "revokeConsent": Path(
        'mutation($id: ID!) { revokeConsent(input: {id: $id, reason: "asked"})'
        " { consent { id } errors { field code message } } }",
        lambda w: {"id": w.consent},
        {"id": nobody("Consent")},
    ),
}


@pytest.mark.parametrize("path", sorted(PROTECTED))
async def test_a_protected_person_named_by_real_id_answers_as_nobody(path: str, api: Api) -> None:
    w = await world(api)
    probe = PROTECTED[path]
    sxa = api.as_("case_manager", agency="SXA")
    hidden = await raw(sxa, probe.document, **probe.hidden(w))
    absent = await raw(sxa, probe.document, **probe.absent)
    assert hidden == absent
    assert b"FORBIDDEN" not in hidden, "the caller may act here: the comparison must reach the id"
    assert b"NOT_FOUND" in hidden or not probe.document.startswith("mutation"), hidden


@pytest.mark.parametrize("path", sorted(OUTSIDE))
async def test_a_record_outside_the_remit_answers_as_nothing(path: str, api: Api) -> None:
    w = await world(api)
    probe = OUTSIDE[path]
    din = api.as_("case_manager", agency="DIN")
    hidden = await raw(din, probe.document, **probe.hidden(w))
    assert b"FORBIDDEN" not in hidden, "the caller may act here: the comparison must reach the id"
    assert b"NOT_FOUND" in hidden or not probe.document.startswith("mutation"), hidden
    absent = await raw(
        din, probe.document, **{k: w.din_person if v == "DIN_PERSON" else v for k, v in probe.absent.items()}
    )
    assert hidden == absent


async def test_the_protecting_agency_still_reaches_the_household_by_its_id(api: Api) -> None:
    w = await world(api)
    dost = api.as_("social_worker", agency="DOST")
    result = await dost.execute("query($id: ID!) { household(id: $id) { id } }", id=w.victim_household)
    assert result.ok()["household"] == {"id": w.victim_household}


async def test_through_its_pseudonym_a_protected_person_still_answers_as_before(api: Api) -> None:
    """The pseudonymous id reaches the person: a change is FORBIDDEN (the caller knows they exist)."""
    w = await world(api)
    sxa = api.as_("case_manager", agency="SXA")
    enrollment = await api.as_("social_worker", agency="DOST").execute(
        "query($p: ID!) { person(id: $p) { enrollments { id } } }", p=w.victim
    )
    enrollment_id = enrollment.ok()["person"]["enrollments"][0]["id"]
    seen = await sxa.execute(
        "query($e: ID!) { node(id: $e) { ... on Enrollment { person { id } } } }", e=enrollment_id
    )
    pseudonymous = seen.ok()["node"]["person"]["id"]
    changed = await sxa.execute(
        "mutation($id: ID!) { updatePerson(input: {id: $id, phone: null}) { errors { code } } }",
        id=pseudonymous,
    )
    assert changed.errors[0]["extensions"]["code"] == "FORBIDDEN"
    checked = await sxa.execute(
        "mutation($id: ID!) { runChecks(input: {personId: $id, checks: [PENSION]}) { errors { code } } }",
        id=pseudonymous,
    )
    assert "NOT_FOUND" not in str(checked.body)


async def test_asking_for_a_hidden_persons_household_is_logged_as_a_denial(api: Api, db: Database) -> None:
    w = await world(api)
    sxa = api.as_("case_manager", agency="SXA", user=f"prober-{uuid.uuid4().hex[:8]}")
    answer = await sxa.execute("query($id: ID!) { household(id: $id) { id } }", id=w.victim_household)
    assert answer.ok()["household"] is None
    async with db.transaction() as session:
        logged = (
            await session.execute(
                text(
                    "SELECT action, person_id, reason FROM access_events"
                    " WHERE actor_user = :u AND outcome = 'DENIED'"
                ),
                {"u": sxa.user},
            )
        ).all()
    victim_uuid = relay.GlobalID.from_id(w.victim).node_id
    assert [(a, str(p), r) for a, p, r in logged] == [("household:read", victim_uuid, "protected identity")]


# A change that names a hidden person: NOT_FOUND to the caller, a denial in the log for the auditors.

CHANGES = {
    "updatePerson": "person:update",
    "recordCircumstance": "circumstance:record",
    "enrollInService": "enrollment:create",
    "recordConsent": "consent:record",
    "createReferral": "referral:create",
    "openCase": "case:open",
    "runChecks": "check:run",
    "breakGlass": "person:break_glass",
    "submitApplication": "application:submit",
}


async def denials_by(db: Database, user: str) -> list[tuple[str, str, str | None, str | None, str | None]]:
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT action, entity_type, entity_id, person_id::text, reason FROM access_events"
                " WHERE actor_user = :u AND outcome = 'DENIED' ORDER BY id"
            ),
            {"u": user},
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


@pytest.mark.parametrize("path", sorted(CHANGES))
async def test_a_change_naming_a_hidden_protected_person_is_a_logged_denial_answered_as_nobody(
    path: str, api: Api, db: Database
) -> None:
    w = await world(api)
    probe = PROTECTED[path]
    sxa = api.as_("case_manager", agency="SXA", user=f"prober-{uuid.uuid4().hex[:8]}")
    hidden = await raw(sxa, probe.document, **probe.hidden(w))
    absent = await raw(sxa, probe.document, **probe.absent)
    assert hidden == absent
    assert b"NOT_FOUND" in hidden
    victim = relay.GlobalID.from_id(w.victim).node_id
    action = CHANGES[path]
    assert await denials_by(db, sxa.user) == [
        (action, action.split(":")[0], victim, victim, "protected identity")
    ], "one denial, for the hidden person only: the id that names nobody logs none"


async def test_a_change_naming_a_person_outside_the_remit_is_a_logged_denial_answered_as_nobody(
    api: Api, db: Database
) -> None:
    w = await world(api)
    probe = OUTSIDE["runChecks"]
    din = api.as_("case_manager", agency="DIN", user=f"prober-{uuid.uuid4().hex[:8]}")
    hidden = await raw(din, probe.document, **probe.hidden(w))
    absent = await raw(din, probe.document, **probe.absent)
    assert hidden == absent
    person = relay.GlobalID.from_id(w.person).node_id
    assert await denials_by(db, din.user) == [
        ("check:run", "check", person, person, "outside the agency's remit")
    ]


async def test_a_not_found_about_something_else_is_no_denial_of_the_person(api: Api, db: Database) -> None:
    w = await world(api)
    dost = api.as_("case_manager", agency="DOST", user=f"worker-{uuid.uuid4().hex[:8]}")
    result = await dost.execute(
        'mutation($id: ID!) { enrollInService(input: {personId: $id, serviceCode: "00-00-00-99",'
        ' providerCode: "DOST-BAKI-1"}) { errors { field code } } }',
        id=w.person,
    )
    assert result.payload("enrollInService")["errors"] == [{"field": "serviceCode", "code": "NOT_FOUND"}]
    assert await denials_by(db, dost.user) == []
