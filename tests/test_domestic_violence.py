"""Domestic-violence cases (issue 16, item 6): `registerDomesticViolenceCase`, through the public API.

Rule 10 (../shared/domain/README.md; passport 09-03-00-00, 002 steps 3-5): the DOST centre's lawyer and
psychologist interview the victim (step 3), the police are informed (step 4), and the request for a
placement goes to SXA with the person's anonymity protected (step 5). Rule 12 (Strategy 8.4.5): an
emergency referral is never refused for a full provider. Each test names the rule it proves.
"""

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from strawberry import relay

from authz.actions import Action
from authz.roles import Role
from authz.store import build_authorizer, read_policy_csv
from integrations.outbound import outbound_adapters
from sxvis import clock
from sxvis.actors import Actor
from sxvis.database import Database
from sxvis.outbox import RetryPolicy, deliver_due
from sxvis.outbox.messages import DOMESTIC_VIOLENCE_REPORT, POLICE
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input
from tests.simulators import Ministries

CENTRE = "DOST-BAKI-1"
AUTHORIZER = build_authorizer(read_policy_csv())
REGISTER = """
mutation Register($input: RegisterDomesticViolenceCaseInput!) {
  registerDomesticViolenceCase(input: $input) {
    case { id phase open person { id fin protected pseudonym } }
    referral {
      id urgency status reason caseId toAgency { code } service { code } person { id fin pseudonym }
    }
    errors { field code message }
  }
}
"""
INTERVIEWS = """
query Interviews($caseId: ID!) {
  domesticViolenceInterviews(caseId: $caseId) { kind interviewer heldOn record recordedBy }
}
"""
LAWYER_RECORD = "Hüquqşünasla söhbət: ər tərəfindən fiziki zorakılıq; şikayət vermək istəyir."
PSYCHOLOGIST_RECORD = "Psixoloqla söhbət: ağır stress, sığınacağa ehtiyac var."
TABLES = (
    "persons",
    "cases",
    "case_entries",
    "circumstances",
    "outbox_messages",
    "referrals",
    "domestic_violence_cases",
    "domestic_violence_interviews",
)


def victim(**overrides: Any) -> dict[str, Any]:
    """A victim with names, birth date and address found nowhere else in the catalogue or the tests."""
    values = {
        "lastName": "Qurbanzadə",
        "firstName": "Səbinə",
        "patronymic": "Rəşid qızı",
        "birthDate": "1991-07-15",
        "sex": "FEMALE",
        "addressLine": "Füzuli küçəsi 77, mənzil 19",
        "phone": "+994 55 765 43 21",
        "email": "sabina.qurbanzade@example.az",
    }
    return person_input(**{**values, **overrides})


def registration(**overrides: Any) -> dict[str, Any]:
    today = clock.today().isoformat()
    values: dict[str, Any] = {
        "person": victim(),
        "lawyerInterview": {
            "interviewer": "Hüquqşünas Aynur Əliyeva",
            "heldOn": today,
            "record": LAWYER_RECORD,
        },
        "psychologistInterview": {
            "interviewer": "Psixoloq Fərid Kərimov",
            "heldOn": today,
            "record": PSYCHOLOGIST_RECORD,
        },
        "placementNeeded": True,
        "idempotencyKey": uuid.uuid4().hex,
    }
    values.update(overrides)
    return values


def centre(api: Api, role: str = "social_worker", agency: str = CENTRE) -> Api:
    return api.as_(role, agency=agency, user=f"{role}-{agency.lower()}")


async def counts(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        return {
            table: int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
            for table in TABLES
        }


async def register(api: Api, **overrides: Any) -> dict[str, Any]:
    result = await centre(api).execute(REGISTER, input=registration(**overrides))
    payload = result.payload("registerDomesticViolenceCase")
    assert payload["errors"] == [], payload["errors"]
    return payload  # type: ignore[no-any-return]


# Rule 10: one transaction does all of it


async def test_rule_10_002_steps_3_to_5_a_dost_centre_registers_a_new_victim_in_one_transaction(
    api: Api, db: Database
) -> None:
    given = victim()
    payload = await register(api, person=given)

    case, referral = payload["case"], payload["referral"]
    assert (case["phase"], case["open"]) == ("ASSESSMENT", True)
    assert case["person"]["fin"] == given["fin"]  # the centre protects her, so it sees who she is
    assert case["person"]["protected"] is True
    assert (referral["urgency"], referral["status"], referral["toAgency"]["code"]) == (
        "EMERGENCY",
        "REQUESTED",
        "SXA",
    )
    assert referral["service"]["code"] == "09-03-00-00"
    assert referral["caseId"] == case["id"]
    async with db.transaction() as session:
        person = (await session.execute(text("SELECT protected, protected_by FROM persons"))).one()
        police = (
            await session.execute(text("SELECT ministry, kind, urgent, agency_code FROM outbox_messages"))
        ).all()
        category = await session.scalar(text("SELECT category::text FROM circumstances"))
        kinds = (
            await session.execute(text("SELECT kind::text FROM domestic_violence_interviews ORDER BY 1"))
        ).scalars()
        interview_kinds = list(kinds)
    assert tuple(person) == (True, CENTRE)
    assert [tuple(row) for row in police] == [(POLICE, DOMESTIC_VIOLENCE_REPORT, True, CENTRE)]
    assert category == "DOMESTIC_VIOLENCE_VICTIM"
    assert interview_kinds == ["LAWYER", "PSYCHOLOGIST"]


async def test_rule_10_002_step_5_without_a_placement_no_referral_goes_to_sxa(api: Api, db: Database) -> None:
    payload = await register(api, placementNeeded=False)

    assert payload["referral"] is None
    assert payload["case"]["phase"] == "ASSESSMENT"
    assert (await counts(db))["referrals"] == 0
    assert (await counts(db))["outbox_messages"] == 1  # the police are told all the same (step 4)


async def test_rule_10_the_police_report_names_nobody(api: Api, db: Database) -> None:
    """002 step 4 with step 5's anonymity: the police get the incident and whom to ask, not who she is."""
    given = victim()
    await register(api, person=given)

    async with db.transaction() as session:
        payload = await session.scalar(text("SELECT payload FROM outbox_messages"))
    sent = orjson.dumps(payload).decode()
    for field in ("fin", "lastName", "firstName", "patronymic", "birthDate", "addressLine", "phone", "email"):
        assert given[field] not in sent, field
    assert LAWYER_RECORD not in sent
    assert PSYCHOLOGIST_RECORD not in sent
    assert payload["reportingAgency"] == CENTRE


# Who may register (rule 10, passport 09-03-00-00 §4, §11, step 3)


@pytest.mark.parametrize(
    ("role", "agency"),
    [
        ("social_worker", "DOST-BAKI-1"),
        ("case_manager", "DOST-GENCE"),
        ("social_worker", "DOST-SEKI"),
    ],
)
async def test_rule_10_allowed_the_dost_centres_case_workers_register(
    api: Api, db: Database, role: str, agency: str
) -> None:
    result = await centre(api, role, agency).execute(REGISTER, input=registration())

    assert result.payload("registerDomesticViolenceCase")["errors"] == []


@pytest.mark.parametrize(
    ("role", "agency"),
    [
        ("partner_agency", "DOST-BAKI-1"),  # a partner works within its remit, it opens no cases
        ("agency_admin", "DOST-BAKI-1"),
        ("auditor", "DOST-BAKI-1"),
        ("social_worker", "SXA"),  # SXA receives the request for a placement; it does not register
        ("social_worker", "DOST"),  # the agency's head office is not a place of service (§20)
        ("social_worker", "DIN"),  # the police are informed (step 4), they do not register
        ("social_worker", "NGO-QADIN"),  # not part of this passport's procedure
    ],
)
async def test_rule_10_refused_anyone_else_is_forbidden_and_nothing_is_written(
    api: Api, db: Database, role: str, agency: str
) -> None:
    before = await counts(db)
    async with db.transaction() as session:
        last_event = await session.scalar(text("SELECT coalesce(max(id), 0) FROM access_events"))
    result = await centre(api, role, agency).execute(REGISTER, input=registration())

    assert [e["extensions"]["code"] for e in result.errors] == ["FORBIDDEN"]
    assert await counts(db) == before
    async with db.transaction() as session:
        denied = await session.scalar(
            text(
                "SELECT count(*) FROM access_events WHERE action = 'dv_case:register' AND outcome = 'DENIED'"
                " AND actor_agency = :agency AND id > :last"
            ),
            {"agency": agency, "last": last_event},
        )
    assert denied == 1


DOST_CENTRES = ("DOST-BAKI-1", "DOST-BAKI-4", "DOST-GENCE", "DOST-LENKERAN", "DOST-SEKI")
OTHER_AGENCIES = ("DOST", "SXA", "SXA-REAB", "DIN", "EESMN", "VXSIDA", "NGO-QADIN", "DSMF")


@pytest.mark.parametrize("action", [Action.DV_CASE_REGISTER, Action.DV_CASE_READ_INTERVIEWS])
@pytest.mark.parametrize("agency", DOST_CENTRES + OTHER_AGENCIES)
@pytest.mark.parametrize("role", [role.value for role in Role])
def test_rule_10_the_policy_gives_the_dv_actions_to_the_centres_case_workers_only(
    role: str, agency: str, action: Action
) -> None:
    actor = Actor(user_id="u", agency_code=agency, roles=frozenset({role}))
    expected = agency in DOST_CENTRES and role in {"social_worker", "case_manager"}
    assert AUTHORIZER.allows(actor, action) is expected


# Existing persons


async def test_rule_10_an_existing_person_becomes_protected_by_the_registering_centre(
    api: Api, db: Database
) -> None:
    given = victim()
    person = (await centre(api).execute(REGISTER_PERSON, input=given)).payload("registerPerson")["person"]
    assert person["protected"] is False

    payload = await register(api, person=None, personId=person["id"])

    assert payload["case"]["person"]["id"] == person["id"]
    assert payload["case"]["person"]["protected"] is True
    async with db.transaction() as session:
        row = (await session.execute(text("SELECT protected, protected_by FROM persons"))).one()
    assert tuple(row) == (True, CENTRE)
    assert (await counts(db))["persons"] == 1


async def test_rule_10_a_person_the_centre_already_protects_stays_protected_by_it(
    api: Api, db: Database
) -> None:
    person = (await centre(api).execute(REGISTER_PERSON, input=victim(protected=True))).payload(
        "registerPerson"
    )["person"]

    payload = await register(api, person=None, personId=person["id"])

    assert payload["errors"] == []
    async with db.transaction() as session:
        row = (await session.execute(text("SELECT protected, protected_by FROM persons"))).one()
    assert tuple(row) == (True, CENTRE)


async def protected_by_another_centre(api: Api) -> tuple[dict[str, Any], str]:
    """A victim DOST-BAKI-4 protects, enrolled at the centre (so in its remit, under its pseudonym):
    (their record as DOST-BAKI-4 sees it, the enrollment's id)."""
    other = centre(api, agency="DOST-BAKI-4")
    person = (await other.execute(REGISTER_PERSON, input=victim(protected=True))).payload("registerPerson")[
        "person"
    ]
    enrolled = await other.execute(
        'mutation($p: ID!) { enrollInService(input: {personId: $p, serviceCode: "01-09-15-00",'
        f' providerCode: "{CENTRE}"}}) {{ enrollment {{ id }} errors {{ code }} }} }}',
        p=person["id"],
    )
    return person, enrolled.payload("enrollInService")["enrollment"]["id"]


async def test_rule_10_a_person_another_agency_protects_keeps_its_protector_which_is_told(
    api: Api, db: Database
) -> None:
    """Only the holder of a protection changes it; the centre works the case under its own pseudonym."""
    _, enrollment_id = await protected_by_another_centre(api)
    seen = await centre(api).execute(
        "query($e: ID!) { node(id: $e) { ... on Enrollment { person { id pseudonym } } } }", e=enrollment_id
    )
    pseudonymous = seen.ok()["node"]["person"]
    assert pseudonymous["pseudonym"] is not None

    payload = await register(api, person=None, personId=pseudonymous["id"])

    assert payload["case"]["person"] == {
        "id": pseudonymous["id"],
        "fin": None,
        "protected": True,
        "pseudonym": pseudonymous["pseudonym"],
    }
    async with db.transaction() as session:
        holder = await session.scalar(text("SELECT protected_by FROM persons"))
        told = await session.scalar(
            text("SELECT agency_code FROM notices WHERE kind = 'DOMESTIC_VIOLENCE_CASE'")
        )
    assert (holder, told) == ("DOST-BAKI-4", "DOST-BAKI-4")


# Idempotency


async def test_the_same_key_from_the_same_centre_returns_the_same_case_and_referral(
    api: Api, db: Database
) -> None:
    values = registration()
    first = (await centre(api).execute(REGISTER, input=values)).payload("registerDomesticViolenceCase")
    again = (await centre(api).execute(REGISTER, input=values)).payload("registerDomesticViolenceCase")

    assert again["errors"] == []
    assert (again["case"]["id"], again["referral"]["id"]) == (first["case"]["id"], first["referral"]["id"])
    found = await counts(db)
    assert (found["persons"], found["cases"], found["referrals"], found["outbox_messages"]) == (1, 1, 1, 1)
    assert found["domestic_violence_interviews"] == 2


async def test_two_requests_racing_with_one_key_make_one_case(api: Api, db: Database) -> None:
    values = registration()
    results = await asyncio.gather(*(centre(api).execute(REGISTER, input=values) for _ in range(4)))

    payloads = [r.payload("registerDomesticViolenceCase") for r in results]
    assert all(p["errors"] == [] for p in payloads), payloads
    assert len({p["case"]["id"] for p in payloads}) == 1
    assert len({p["referral"]["id"] for p in payloads}) == 1
    found = await counts(db)
    assert (found["persons"], found["cases"], found["referrals"], found["outbox_messages"]) == (1, 1, 1, 1)


async def test_the_same_key_from_another_centre_is_another_case(api: Api, db: Database) -> None:
    key = uuid.uuid4().hex
    first = await centre(api).execute(REGISTER, input=registration(idempotencyKey=key))
    second = await centre(api, agency="DOST-GENCE").execute(REGISTER, input=registration(idempotencyKey=key))

    ids = {r.payload("registerDomesticViolenceCase")["case"]["id"] for r in (first, second)}
    assert len(ids) == 2


# Bad input: a typed error naming the field, and nothing written

TOMORROW = (date.today() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"person": None}, "person", "REQUIRED"),
        ({"personId": relay.to_base64("Person", uuid.uuid4())}, "personId", "INVALID"),  # both given
        ({"person": victim(fin="12")}, "person.fin", "INVALID"),
        ({"person": victim(lastName="")}, "person.lastName", "REQUIRED"),
        ({"person": victim(birthDate=TOMORROW)}, "person.birthDate", "INVALID"),
        ({"person": victim(regionCode="AZ-99", districtCode=None)}, "person.regionCode", "NOT_FOUND"),
        (
            {"lawyerInterview": {"interviewer": "H", "heldOn": "2026-01-01", "record": "  "}},
            "lawyerInterview.record",
            "REQUIRED",
        ),
        (
            {"lawyerInterview": {"interviewer": "", "heldOn": "2026-01-01", "record": "r"}},
            "lawyerInterview.interviewer",
            "REQUIRED",
        ),
        (
            {"psychologistInterview": {"interviewer": "P", "heldOn": TOMORROW, "record": "r"}},
            "psychologistInterview.heldOn",
            "INVALID",
        ),
        (
            {"psychologistInterview": {"interviewer": "P", "heldOn": "2026-01-01", "record": "r" * 20_001}},
            "psychologistInterview.record",
            "INVALID",
        ),
        ({"incidentDate": TOMORROW}, "incidentDate", "INVALID"),
        (
            {
                "incidentDate": clock.today().isoformat(),
                "lawyerInterview": {"interviewer": "H", "heldOn": "2020-01-01", "record": "r"},
            },
            "incidentDate",
            "INVALID",
        ),
        ({"idempotencyKey": " "}, "idempotencyKey", "REQUIRED"),
        ({"managerId": " "}, "managerId", "REQUIRED"),
    ],
)
async def test_bad_input_is_a_typed_error_naming_the_field_and_nothing_is_written(
    api: Api, db: Database, overrides: dict[str, Any], field: str, code: str
) -> None:
    before = await counts(db)
    result = await centre(api).execute(REGISTER, input=registration(**overrides))

    errors = result.payload("registerDomesticViolenceCase")["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)], errors
    assert await counts(db) == before


async def test_an_unknown_person_is_not_found_and_nothing_is_written(api: Api, db: Database) -> None:
    before = await counts(db)
    result = await centre(api).execute(
        REGISTER, input=registration(person=None, personId=relay.to_base64("Person", uuid.uuid4()))
    )

    errors = result.payload("registerDomesticViolenceCase")["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("personId", "NOT_FOUND")]
    assert await counts(db) == before


async def test_a_person_another_agency_protects_named_by_real_id_is_not_found_and_a_logged_denial(
    api: Api, db: Database
) -> None:
    """Hidden is absent: the centre gets the answer an unknown id gets, and the auditors see the attempt."""
    person, _ = await protected_by_another_centre(api)
    prober = api.as_("social_worker", agency=CENTRE, user=f"prober-{uuid.uuid4().hex[:8]}")
    values = registration(person=None)
    before = await counts(db)

    hidden = await prober.execute(REGISTER, input={**values, "personId": person["id"]})
    absent = await prober.execute(
        REGISTER, input={**values, "personId": relay.to_base64("Person", uuid.UUID(int=987654321))}
    )

    assert hidden.body == absent.body
    assert [e["code"] for e in hidden.payload("registerDomesticViolenceCase")["errors"]] == ["NOT_FOUND"]
    assert await counts(db) == before
    async with db.transaction() as session:
        denials = (
            await session.execute(
                text(
                    "SELECT action, person_id::text, reason FROM access_events"
                    " WHERE actor_user = :u AND outcome = 'DENIED'"
                ),
                {"u": prober.user},
            )
        ).all()
    victim_id = relay.GlobalID.from_id(person["id"]).node_id
    assert [tuple(d) for d in denials] == [("dv_case:register", victim_id, "protected identity")]


async def test_a_fin_already_registered_is_a_duplicate_and_nothing_is_written(api: Api, db: Database) -> None:
    taken = victim()
    await centre(api).execute(REGISTER_PERSON, input=taken)
    before = await counts(db)

    result = await centre(api).execute(REGISTER, input=registration(person=victim(fin=taken["fin"])))

    errors = result.payload("registerDomesticViolenceCase")["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("person.fin", "DUPLICATE")]
    assert await counts(db) == before


async def test_a_person_who_has_died_is_refused_and_nothing_is_written(api: Api, db: Database) -> None:
    person = (await centre(api).execute(REGISTER_PERSON, input=victim())).payload("registerPerson")["person"]
    await centre(api).execute(
        'mutation($i: ID!) { updatePerson(input: {id: $i, dateOfDeath: "2024-01-01"}) { errors { code } } }',
        i=person["id"],
    )
    before = await counts(db)

    result = await centre(api).execute(REGISTER, input=registration(person=None, personId=person["id"]))

    errors = result.payload("registerDomesticViolenceCase")["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("personId", "DECEASED")]
    assert await counts(db) == before


async def test_a_referral_refused_at_the_last_step_leaves_nothing_behind(api: Api, db: Database) -> None:
    """The late failure: the person was protected, the case opened, the police report queued, and then
    the referral is refused (SXA no longer provides the service); all of it rolls back."""
    person = (await centre(api).execute(REGISTER_PERSON, input=victim())).payload("registerPerson")["person"]
    before = await counts(db)
    async with db.transaction() as session:
        await session.execute(
            text("DELETE FROM service_providers WHERE service_code = '09-03-00-00' AND agency_code = 'SXA'")
        )
    try:
        result = await centre(api).execute(REGISTER, input=registration(person=None, personId=person["id"]))
    finally:
        async with db.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO service_providers (service_code, agency_code) VALUES ('09-03-00-00', 'SXA')"
                )
            )

    errors = result.payload("registerDomesticViolenceCase")["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("placementNeeded", "NOT_A_PROVIDER")]
    assert await counts(db) == before
    async with db.transaction() as session:
        protected = await session.scalar(text("SELECT protected FROM persons"))
    assert protected is False


async def test_rule_12_an_emergency_placement_goes_to_sxa_even_when_it_is_full(
    api: Api, db: Database
) -> None:
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO service_capacities (agency_code, service_code, places, updated_by)"
                " VALUES ('SXA', '09-03-00-00', 0, 'test')"
                " ON CONFLICT (agency_code, service_code) DO UPDATE SET places = 0"
            )
        )
    try:
        payload = await register(api)
    finally:
        async with db.transaction() as session:
            await session.execute(
                text(
                    "DELETE FROM service_capacities"
                    " WHERE agency_code = 'SXA' AND service_code = '09-03-00-00'"
                )
            )

    assert payload["referral"]["urgency"] == "EMERGENCY"


# The interview records: the registering centre's case workers only, every read logged


async def test_the_registering_centre_reads_the_interviews_and_the_read_is_logged(
    api: Api, db: Database
) -> None:
    payload = await register(api)
    async with db.transaction() as session:
        last_event = await session.scalar(text("SELECT coalesce(max(id), 0) FROM access_events"))

    result = await centre(api, "case_manager").execute(INTERVIEWS, caseId=payload["case"]["id"])

    found = result.ok()["domesticViolenceInterviews"]
    assert [(i["kind"], i["record"]) for i in found] == [
        ("LAWYER", LAWYER_RECORD),
        ("PSYCHOLOGIST", PSYCHOLOGIST_RECORD),
    ]
    async with db.transaction() as session:
        logged = await session.scalar(
            text(
                "SELECT count(*) FROM access_events WHERE action = 'dv_case:read_interviews'"
                " AND outcome = 'ALLOWED' AND person_id IS NOT NULL AND id > :last"
            ),
            {"last": last_event},
        )
    assert logged == 1


@pytest.mark.parametrize(
    ("role", "agency"),
    [("social_worker", "SXA"), ("case_manager", "SXA"), ("partner_agency", CENTRE), ("auditor", "VXSIDA")],
)
async def test_nobody_else_reads_the_interviews(api: Api, db: Database, role: str, agency: str) -> None:
    payload = await register(api)
    referral = payload["referral"]
    # SXA reaches the case the way it can: through the referral it received.
    if agency == "SXA":
        seen = await centre(api, role, agency).execute(
            "query($r: ID!) { referral(id: $r) { caseId } }", r=referral["id"]
        )
        case_id = seen.ok()["referral"]["caseId"]
    else:
        case_id = payload["case"]["id"]

    result = await centre(api, role, agency).execute(INTERVIEWS, caseId=case_id)

    assert [e["extensions"]["code"] for e in result.errors] == ["FORBIDDEN"]
    assert LAWYER_RECORD not in orjson.dumps(result.body).decode()


async def test_another_dost_centre_does_not_find_the_case_to_read_its_interviews(
    api: Api, db: Database
) -> None:
    payload = await register(api)

    result = await centre(api, agency="DOST-GENCE").execute(INTERVIEWS, caseId=payload["case"]["id"])

    assert result.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert LAWYER_RECORD not in orjson.dumps(result.body).decode()


async def test_row_level_security_shows_the_interviews_to_the_registering_agency_only(
    api: Api, db: Database, app_database: Database
) -> None:
    await register(api)
    seen = {}
    for agency in (CENTRE, "SXA", "VXSIDA"):
        async with app_database.transaction() as session:
            await session.execute(
                text("SELECT set_config('sxvis.agency', :a, true), set_config('sxvis.remit', 'all', true)"),
                {"a": agency},
            )
            seen[agency] = await session.scalar(text("SELECT count(*) FROM domestic_violence_interviews"))
    assert seen == {CENTRE: 2, "SXA": 0, "VXSIDA": 0}


# Walk (c): registered, referred to SXA, SXA's every answer scanned, the police told exactly once

SXA_READS = {
    "incoming": """
        { referrals(filter: {direction: INCOMING}, first: 10) { edges { node {
            id reason caseId status urgency reviewReason outcome
            person { id pseudonym fin lastName firstName patronymic birthDate age addressLine phone email
                     regionCode districtCode registeredBy { code } household { id }
                     circumstances { id category note recordedBy since }
                     enrollments { id note provider { code } }
                     cases { id managerId timeline { summary note } assessment { note } closeReason } }
            history { note actorUser actorAgencyCode }
            fromAgency { code } } } } }
    """,
    "referral": """
        query($r: ID!) {
          referral(id: $r) { id reason caseId person { id pseudonym fin lastName birthDate } }
        }
    """,
}
CASE_READ = """
query($k: ID!) { case(id: $k) { id phase managerId closeReason assessment { note }
  timeline { summary note outcome actorUser }
  person { id pseudonym fin lastName firstName birthDate addressLine }
  referrals { id reason caseId } } }
"""
PERSON_READ = """
query($p: ID!) { node(id: $p) { ... on Person { id pseudonym fin lastName firstName patronymic birthDate age
  addressLine phone email household { id } circumstances { note recordedBy } cases { id } } } }
"""
BY_FIN = "query($fin: String!) { person(fin: $fin) { id pseudonym fin lastName } }"
BY_NAME = "query($text: String!) { persons(filter: {text: $text}, first: 10) { edges { node { id fin } } } }"
ACCEPT = """
mutation($r: ID!) {
  acceptReferral(input: {id: $r}) { referral { id status person { id fin lastName } } errors { code } }
}
"""
START = """
mutation($r: ID!) {
  startReferral(input: {id: $r}) { referral { id status person { id fin } } errors { code } }
}
"""


def leaks(body: object, given: dict[str, Any], real_id: str) -> list[str]:
    """Which of the victim's identifying values appear anywhere in a response."""
    sent = orjson.dumps(body).decode()
    birth = date.fromisoformat(given["birthDate"])
    values = {
        "fin": given["fin"],
        "lastName": given["lastName"],
        "firstName": given["firstName"],
        "patronymic": given["patronymic"],
        "birthDate": given["birthDate"],
        "birthDate (d.m.Y)": birth.strftime("%d.%m.%Y"),
        "addressLine": given["addressLine"],
        "street": "Füzuli küçəsi",
        "phone": given["phone"],
        "email": given["email"],
        "real person id": real_id,
        "lawyer's record": LAWYER_RECORD,
        "psychologist's record": PSYCHOLOGIST_RECORD,
    }
    return [name for name, value in values.items() if value in sent]


async def test_walk_c_a_victim_referred_to_sxa_stays_anonymous_and_the_police_are_told_exactly_once(
    api: Api, db: Database, ministries: Ministries
) -> None:
    """Rule 10 (002 steps 3-5): the DOST centre registers the case; SXA works the referral seeing only its
    own pseudonym in every answer it gets (GraphQL reads, its moves, the FHIR Task); the police simulator
    receives the report once, over real HTTP, through the outbox worker's delivery."""
    given = victim()
    values = registration(person=given)
    registered = (await centre(api).execute(REGISTER, input=values)).payload("registerDomesticViolenceCase")
    real_id = registered["case"]["person"]["id"]
    referral_id = registered["referral"]["id"]
    sxa = centre(api, "case_manager", "SXA")

    responses: dict[str, object] = {}
    incoming = await sxa.execute(SXA_READS["incoming"])
    responses["referrals"] = incoming.ok()
    [edge] = incoming.ok()["referrals"]["edges"]
    node = edge["node"]
    assert node["id"] == referral_id
    assert node["person"]["pseudonym"] is not None
    assert node["person"]["fin"] is None
    responses["referral"] = (await sxa.execute(SXA_READS["referral"], r=referral_id)).ok()
    responses["case"] = (await sxa.execute(CASE_READ, k=node["caseId"])).ok()
    assert responses["case"]["case"]["id"] == node["caseId"]  # type: ignore[index]
    responses["person"] = (await sxa.execute(PERSON_READ, p=node["person"]["id"])).ok()
    assert responses["person"]["node"]["pseudonym"] == node["person"]["pseudonym"]  # type: ignore[index]
    responses["by real id"] = (await sxa.execute(PERSON_READ, p=real_id)).ok()
    assert responses["by real id"]["node"] is None  # type: ignore[index]
    # Nor is she found by what identifies her: her FIN, her name.
    responses["by FIN"] = (await sxa.execute(BY_FIN, fin=given["fin"])).ok()
    assert responses["by FIN"]["person"] is None  # type: ignore[index]
    responses["by name"] = (await sxa.execute(BY_NAME, text=f"{given['lastName']} {given['firstName']}")).ok()
    assert responses["by name"]["persons"]["edges"] == []  # type: ignore[index]
    task_id = relay.from_base64(referral_id)[1]
    fhir = await api.client.get(f"/fhir/Task/{task_id}", headers=sxa.headers)
    assert fhir.status_code == 200
    responses["fhir"] = fhir.json()
    responses["accept"] = (await sxa.execute(ACCEPT, r=referral_id)).payload("acceptReferral")
    responses["start"] = (await sxa.execute(START, r=referral_id)).payload("startReferral")
    responses["after"] = (await sxa.execute(SXA_READS["incoming"])).ok()

    found = {name: leaks(body, given, real_id) for name, body in responses.items()}
    assert found == {name: [] for name in responses}, found

    # Step 4: delivered through the outbox, exactly once, even when the request is repeated.
    again = (await centre(api).execute(REGISTER, input=values)).payload("registerDomesticViolenceCase")
    assert again["case"]["id"] == registered["case"]["id"]
    policy = RetryPolicy(max_attempts=3, backoff_initial=0.0, backoff_max=0.0)
    async with ministries.integrations() as hub:
        adapters = outbound_adapters(hub.clients)
        rounds = [await deliver_due(db, adapters, policy=policy, batch_size=10) for _ in range(2)]
    assert rounds[1].claimed == 0
    received = ministries.received(POLICE)
    assert len(received) == 1
    async with db.transaction() as session:
        message_id = await session.scalar(
            text("SELECT id::text FROM outbox_messages WHERE ministry = 'police'")
        )
    assert received[0]["message_id"] == message_id
    assert leaks(received[0], given, real_id) == []
