"""What may come through the door (issue 13, items 4 and 12).

- A token must name an agency of the catalogue: any other is a 401 (`unknown_agency`), and nothing runs.
- Every string input passes one check (`schema.edges`): NUL and the other control characters are
  refused with a typed error naming the field, in every shape a client can send a string (literal,
  variable, nested input field, list element; query argument or mutation input).
- A date in the wrong format is a typed error naming the field and YYYY-MM-DD.
- A database error's text never reaches a response, in any mode.

Each refusal is checked in the database too: a refused input writes nothing.
"""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from enum import Enum
from typing import Any

import pytest
import strawberry
from sqlalchemy import text
from strawberry import relay
from structlog.testing import capture_logs

from resolvers.context import Context
from schema.edges import guard_inputs
from schema.schema import build_schema
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.config import Settings
from sxvis.database import Database
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import WORKER, person_input, token_for_agency

AGENCIES = "query { agencies { code } }"


async def count(db: Database, sql: str, **params: Any) -> int:
    async with db.transaction() as session:
        return int((await session.execute(text(sql), params)).scalar_one())


# --- tokens naming an agency that does not exist ------------------------------------------------


async def test_a_token_for_an_agency_not_in_the_catalogue_is_a_401_naming_the_reason(
    api: Api, db: Database
) -> None:
    headers = {"Authorization": f"Bearer {token_for_agency(api.settings, 'NOPE')}"}
    new = person_input()
    response = await api.client.post(
        "/graphql", json={"query": REGISTER_PERSON, "variables": {"input": new}}, headers=headers
    )
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "unknown_agency"}
    assert "'NOPE'" in error["message"]
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert await count(db, "SELECT count(*) FROM persons WHERE fin = :fin", fin=new["fin"]) == 0
    assert await count(db, "SELECT count(*) FROM access_events WHERE actor_user = 'ghost'") == 0


async def test_a_token_naming_an_unknown_role_is_a_401_naming_the_reason(api: Api) -> None:
    headers = {"Authorization": f"Bearer {token_for_agency(api.settings, 'DOST', ('root',))}"}
    response = await api.client.post("/graphql", json={"query": AGENCIES}, headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED", "reason": "unknown_role"}


async def test_a_token_for_an_unknown_agency_cannot_read_a_fhir_task_either(api: Api) -> None:
    headers = {"Authorization": f"Bearer {token_for_agency(api.settings, 'NOPE')}"}
    response = await api.client.get(f"/fhir/Task/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"


async def test_agency_codes_are_case_sensitive_as_the_catalogue_writes_them(api: Api) -> None:
    headers = {"Authorization": f"Bearer {token_for_agency(api.settings, 'dost')}"}
    response = await api.client.post("/graphql", json={"query": AGENCIES}, headers=headers)
    assert response.status_code == 401


async def test_made_up_agencies_do_not_cost_a_catalogue_read_each(api: Api) -> None:
    gate = api.client._transport.app.state.gate  # type: ignore[attr-defined]
    assert (await api.execute(AGENCIES)).status == 200
    reads = gate.agencies.reads
    for n in range(20):
        headers = {"Authorization": f"Bearer {token_for_agency(api.settings, f'MADE-UP-{n}')}"}
        response = await api.client.post("/graphql", json={"query": AGENCIES}, headers=headers)
        assert response.status_code == 401
    assert gate.agencies.reads - reads <= 1
    assert (await api.execute(AGENCIES)).status == 200


# --- a database error's text never reaches a response -------------------------------------------

REFUSED_FIN = "EDGE001"
REFUSED_NAME = "Qəhrəmanova"


@pytest.fixture
async def database_refusing_a_fin(db: Database) -> AsyncIterator[None]:
    """A real database error on a path the API reaches: PostgreSQL refuses one FIN with a CHECK, whose
    detail quotes the whole row and whose statement's parameters are the person's data."""
    async with db.transaction() as session:
        await session.execute(
            text(f"ALTER TABLE persons ADD CONSTRAINT edge_refuse CHECK (fin <> '{REFUSED_FIN}') NOT VALID")
        )
    yield
    async with db.transaction() as session:
        await session.execute(text("ALTER TABLE persons DROP CONSTRAINT edge_refuse"))


def assert_no_database_text(body: object) -> None:
    dumped = json.dumps(body, ensure_ascii=False)
    for leak in (REFUSED_FIN, REFUSED_NAME, "edge_refuse", "INSERT", "persons", "asyncpg", "SQL", "DETAIL"):
        assert leak not in dumped, leak


async def test_development_names_the_error_type_and_the_request_not_the_database_text(
    api: Api, db: Database, database_refusing_a_fin: None
) -> None:
    caller = api.as_(headers={"X-Request-Id": "edge-req-1"})
    with capture_logs() as logs:
        result = await caller.execute(
            REGISTER_PERSON, input=person_input(fin=REFUSED_FIN, lastName=REFUSED_NAME)
        )
    assert_no_database_text(result.body)
    [error] = result.errors
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": "edge-req-1",
        "errorType": "IntegrityError",
    }
    assert "IntegrityError" in error["message"]
    assert "edge-req-1" in error["message"]
    [logged] = [entry for entry in logs if entry["event"] == "graphql.unexpected_error"]
    assert logged["request_id"] == "edge-req-1"
    assert (logged["sqlstate"], logged["constraint"], logged["table"]) == ("23514", "edge_refuse", "persons")
    assert logged["statement"].startswith("INSERT INTO persons")
    assert REFUSED_FIN not in str(logs)
    assert REFUSED_NAME not in str(logs)
    assert await count(db, "SELECT count(*) FROM persons WHERE fin = :fin", fin=REFUSED_FIN) == 0


async def test_production_says_only_unexpected_error_and_the_request(
    app_database: Database, database_refusing_a_fin: None
) -> None:
    production = Settings(mode="production")
    context = Context(
        db=app_database,
        actor=WORKER.with_origin(replace(WORKER.origin, request_id="edge-req-2")),
        settings=production,
        pseudonyms=Pseudonyms(b"a test secret of enough bytes"),
        policy=None,  # type: ignore[arg-type]  (registering needs no policy lookup)
    )
    result = await build_schema(production).execute(
        REGISTER_PERSON,
        variable_values={"input": person_input(fin=REFUSED_FIN, lastName=REFUSED_NAME)},
        context_value=context,
    )
    assert result.errors is not None
    [error] = result.errors
    assert error.message == "Unexpected error."
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "edge-req-2"}
    assert_no_database_text(error.formatted)


async def test_a_variable_of_the_wrong_type_keeps_graphqls_own_message_in_production() -> None:
    # GraphQL's request errors quote only what the client sent; the mask is for our failures.
    production = Settings(mode="production")
    context = Context(
        db=None,  # type: ignore[arg-type]  (refused while the variables are read, before any resolver)
        actor=WORKER,
        settings=production,
        pseudonyms=Pseudonyms(b"a test secret of enough bytes"),
        policy=None,  # type: ignore[arg-type]
    )
    result = await build_schema(production).execute(
        "query P($first: Int) { persons(first: $first) { totalCount } }",
        variable_values={"first": "many"},
        context_value=context,
    )
    assert result.errors is not None
    assert "Int cannot represent" in result.errors[0].message


# --- control characters: one check for every string, every shape -------------------------------

RECORD_CIRCUMSTANCE = """
mutation R($input: RecordCircumstanceInput!) {
  recordCircumstance(input: $input) { circumstance { id note } errors { field code message } }
}
"""
RECORD_ASSESSMENT = """
mutation A($input: RecordAssessmentInput!) {
  recordAssessment(input: $input) { case { id } errors { field code message } }
}
"""
SET_SERVICE_PLAN = """
mutation P($input: SetServicePlanInput!) {
  setServicePlan(input: $input) { case { id } errors { field code message } }
}
"""
SERVICE = "query S($code: String!) { service(code: $code) { code } }"
PERSONS = "query P($filter: PersonFilter) { persons(filter: $filter) { totalCount } }"
ACCESS_LOG = """
query L($filter: AccessLogFilter) { accessLog(filter: $filter) { edges { node { occurredAt } } } }
"""
CALENDAR = "query C($from: Date!, $to: Date!) { calendarDays(from: $from, to: $to) { day } }"


def register_literal(fin: str, last_name_literal: str, birth_date_literal: str = '"1950-03-04"') -> str:
    """registerPerson with its input written in the document (GraphQL string escapes, not JSON's)."""
    return f"""
    mutation {{
      registerPerson(input: {{
        fin: "{fin}", lastName: {last_name_literal}, firstName: "Əli", birthDate: {birth_date_literal},
        sex: MALE, residenceStatus: CITIZEN, regionCode: "AZ-01", districtCode: "AZ-01-03"
      }}) {{ person {{ id }} errors {{ field code message }} }}
    }}
    """


def refused(result: Any, name: str) -> list[dict[str, Any]]:
    payload = result.payload(name)
    assert all(value is None for key, value in payload.items() if key != "errors"), payload
    return payload["errors"]  # type: ignore[no-any-return]


def bad_input(result: Any) -> dict[str, Any]:
    assert result.status == 200
    [error] = result.errors
    assert error.get("extensions", {}).get("code") == "BAD_USER_INPUT", error
    return error  # type: ignore[no-any-return]


async def persons_with_fin(db: Database, fin: str) -> int:
    return await count(db, "SELECT count(*) FROM persons WHERE fin = :fin", fin=fin)


@pytest.mark.parametrize(
    "bad",
    [
        "Məm\x00mədov",
        "Məm\x1bmədov",
        "Məm\x7fmədov",
        "Məm\x85mədov",
        "Məmmədov\n",
        "Məm\tmədov",
        "\u202evodəmməM",
    ],
    ids=["NUL", "ESC", "DEL", "C1-NEL", "newline", "tab", "bidi-override"],
)
async def test_a_name_with_a_control_character_is_refused_by_its_field_as_a_variable(
    api: Api, db: Database, bad: str
) -> None:
    new = person_input(lastName=bad)
    errors = refused(await api.execute(REGISTER_PERSON, input=new), "registerPerson")
    assert [(e["field"], e["code"]) for e in errors] == [("lastName", "INVALID_CHARACTERS")]
    assert f"U+{ord(next(ch for ch in bad if not ch.isalpha())):04X}" in errors[0]["message"]
    assert await persons_with_fin(db, new["fin"]) == 0


async def test_a_nul_written_in_the_document_is_refused_like_one_in_a_variable(
    api: Api, db: Database
) -> None:
    new = person_input()
    result = await api.execute(register_literal(new["fin"], '"Məm\\u0000mədov"'))
    errors = refused(result, "registerPerson")
    assert [(e["field"], e["code"]) for e in errors] == [("lastName", "INVALID_CHARACTERS")]
    assert await persons_with_fin(db, new["fin"]) == 0


async def test_every_refused_field_is_listed_not_only_the_first(api: Api, db: Database) -> None:
    new = person_input(firstName="Ə\x00li", patronymic="Həsən\x01", addressLine="küçə\x02")
    errors = refused(await api.execute(REGISTER_PERSON, input=new), "registerPerson")
    assert {e["field"] for e in errors} == {"firstName", "patronymic", "addressLine"}
    assert {e["code"] for e in errors} == {"INVALID_CHARACTERS"}


async def test_free_text_keeps_its_line_breaks_and_tabs_but_not_a_nul(api: Api, db: Database) -> None:
    person = (await api.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")["person"]
    note = "Birinci sətir.\r\nİkinci sətir:\tqeyd."
    kept = await api.execute(
        RECORD_CIRCUMSTANCE,
        input={"personId": person["id"], "category": "ELDERLY", "since": "2020-01-01", "note": note},
    )
    assert kept.payload("recordCircumstance")["circumstance"]["note"] == note
    errors = refused(
        await api.execute(
            RECORD_CIRCUMSTANCE,
            input={
                "personId": person["id"],
                "category": "ADULT_WITH_DISABILITY",
                "since": "2020-01-01",
                "note": "a\x00b",
            },
        ),
        "recordCircumstance",
    )
    assert [(e["field"], e["code"]) for e in errors] == [("note", "INVALID_CHARACTERS")]
    assert await count(db, "SELECT count(*) FROM circumstances WHERE category = 'ADULT_WITH_DISABILITY'") == 0


async def test_a_field_of_an_input_inside_a_list_is_named_with_its_index(api: Api) -> None:
    case_id = relay.to_base64("Case", str(uuid.uuid4()))
    needs = [{"domain": "HEALTH", "description": "ok"}, {"domain": "HOUSING", "description": "x\x00"}]
    result = await api.as_("case_manager").execute(
        RECORD_ASSESSMENT, input={"id": case_id, "needs": needs, "riskLevel": "LOW"}
    )
    errors = refused(result, "recordAssessment")
    assert [(e["field"], e["code"]) for e in errors] == [("needs[1].description", "INVALID_CHARACTERS")]


async def test_a_string_in_a_list_is_named_with_its_index(api: Api) -> None:
    case_id = relay.to_base64("Case", str(uuid.uuid4()))
    result = await api.as_("case_manager").execute(
        SET_SERVICE_PLAN,
        input={
            "id": case_id,
            "needs": ["HEALTH"],
            "goals": ["Gündəlik qayğı\nhəftədə iki dəfə"],  # free text: the line break stays
            "serviceCodes": ["01-09-15-00", "09-03\x00-00-00"],
            "responsibleAgencyCodes": ["DOST"],
        },
    )
    errors = refused(result, "setServicePlan")
    assert [(e["field"], e["code"]) for e in errors] == [("serviceCodes[1]", "INVALID_CHARACTERS")]


ALLOCATE = """
mutation A($input: AllocateFromQueueInput!) {
  allocateFromQueue(input: $input) { served { id } errors { field code message } }
}
"""


async def test_an_application_mutation_lists_the_refusal_with_its_own_error_codes(
    api: Api, db: Database
) -> None:
    # Found by the fuzz: the edge answered every payload with the registry's error type, which an
    # application payload's `ApplicationErrorCode` could not carry (an INTERNAL_SERVER_ERROR instead).
    before = await count(db, "SELECT count(*) FROM applications WHERE allocated_position IS NOT NULL")
    result = await api.execute(ALLOCATE, input={"serviceCode": "01-09-\x9915-00", "count": 1})
    assert not result.errors, result.errors
    payload = result.payload("allocateFromQueue")
    assert payload["served"] == []
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("serviceCode", "INVALID_CHARACTERS")]
    assert await count(db, "SELECT count(*) FROM applications WHERE allocated_position IS NOT NULL") == before


def test_a_payload_whose_error_codes_lack_the_edges_codes_fails_when_the_schema_is_built() -> None:
    @strawberry.enum
    class NarrowCode(Enum):
        INVALID = "INVALID"

    @strawberry.type
    class NarrowError:
        field: str | None
        code: NarrowCode
        message: str

    @strawberry.type
    class NarrowPayload:
        errors: list[NarrowError]

    @strawberry.type
    class NarrowMutation:
        @strawberry.mutation
        def narrow(self, name: str) -> NarrowPayload:
            return NarrowPayload(errors=[])

    @strawberry.type
    class NarrowQuery:
        ok: bool = True

    built = strawberry.Schema(query=NarrowQuery, mutation=NarrowMutation)
    with pytest.raises(TypeError, match="INVALID_CHARACTERS"):
        guard_inputs(built)


@pytest.mark.parametrize("literal", [False, True], ids=["variable", "literal"])
async def test_a_query_argument_with_a_nul_is_a_typed_top_level_error(api: Api, literal: bool) -> None:
    if literal:
        result = await api.execute('{ service(code: "01-09\\u0000-15-00") { code } }')
    else:
        result = await api.execute(SERVICE, code="01-09\x00-15-00")
    error = bad_input(result)
    assert error["extensions"]["field"] == "code"
    assert error["extensions"]["reason"] == "INVALID_CHARACTERS"
    assert result.data == {"service": None}


@pytest.mark.parametrize("key", ["region", "serviceCode", "agencyCode", "district", "text"])
async def test_a_filter_field_with_a_nul_is_named_by_its_path(api: Api, key: str) -> None:
    error = bad_input(await api.execute(PERSONS, filter={key: "AZ\x00"}))
    assert error["extensions"]["field"] == f"filter.{key}"
    assert error["extensions"]["reason"] == "INVALID_CHARACTERS"
    assert "SELECT" not in json.dumps(error)


async def test_a_global_id_hiding_a_nul_is_no_id_this_api_gave_out(api: Api) -> None:
    forged = relay.to_base64("Service", "01-09\x00-15-00")
    node = await api.execute("query N($id: ID!) { node(id: $id) { id } }", id=forged)
    assert bad_input(node)["extensions"]["field"] == "id"
    person = await api.execute(
        "query P($id: ID!) { person(id: $id) { id } }", id=relay.to_base64("Person", "\x00")
    )
    assert bad_input(person)["extensions"]["field"] == "id"


# --- dates in the wrong format -------------------------------------------------------------------


@pytest.mark.parametrize(
    "given", ["31.12.1980", "1980-02-30", "19801231", "1980-12-31T00:00:00", "", 19801231]
)
async def test_a_birth_date_in_the_wrong_format_names_the_field_and_the_format(
    api: Api, db: Database, given: object
) -> None:
    new = person_input(birthDate=given)
    errors = refused(await api.execute(REGISTER_PERSON, input=new), "registerPerson")
    assert [(e["field"], e["code"]) for e in errors] == [("birthDate", "INVALID_DATE")]
    assert "YYYY-MM-DD" in errors[0]["message"]
    assert await persons_with_fin(db, new["fin"]) == 0


async def test_a_date_written_in_the_document_is_refused_the_same_way(api: Api, db: Database) -> None:
    new = person_input()
    errors = refused(
        await api.execute(register_literal(new["fin"], '"Məmmədov"', '"31.12.1980"')), "registerPerson"
    )
    assert [(e["field"], e["code"]) for e in errors] == [("birthDate", "INVALID_DATE")]
    assert await persons_with_fin(db, new["fin"]) == 0


async def test_a_bad_date_and_a_bad_name_are_reported_together(api: Api) -> None:
    errors = refused(
        await api.execute(REGISTER_PERSON, input=person_input(birthDate="31.12.1980", lastName="a\x00")),
        "registerPerson",
    )
    assert {(e["field"], e["code"]) for e in errors} == {
        ("birthDate", "INVALID_DATE"),
        ("lastName", "INVALID_CHARACTERS"),
    }


async def test_a_query_date_argument_in_the_wrong_format_is_a_typed_top_level_error(api: Api) -> None:
    error = bad_input(await api.execute(CALENDAR, **{"from": "01.03.2026", "to": "2026-03-31"}))
    assert (error["extensions"]["field"], error["extensions"]["reason"]) == ("from", "INVALID_DATE")
    assert "YYYY-MM-DD" in error["message"]


async def test_a_date_time_filter_in_the_wrong_format_is_named_by_its_path(api: Api) -> None:
    auditor = api.as_("auditor", agency="VXSIDA")
    error = bad_input(await auditor.execute(ACCESS_LOG, filter={"from": "yesterday"}))
    assert (error["extensions"]["field"], error["extensions"]["reason"]) == ("filter.from", "INVALID_DATE")


@pytest.mark.parametrize("given", ["0001-01-01", "1799-12-31", "3000-01-01", "9999-12-31"])
async def test_a_birth_date_outside_the_years_1800_to_2999_is_refused_by_name(
    api: Api, db: Database, given: str
) -> None:
    new = person_input(birthDate=given)
    errors = refused(await api.execute(REGISTER_PERSON, input=new), "registerPerson")
    assert [(e["field"], e["code"]) for e in errors] == [("birthDate", "INVALID_DATE")]
    assert "1800 to 2999" in errors[0]["message"]
    assert await persons_with_fin(db, new["fin"]) == 0


@pytest.mark.parametrize(("start", "end"), [("0001-01-01", "0002-01-03"), ("2026-01-01", "9999-12-31")])
async def test_a_statistics_period_at_the_ends_of_the_calendar_is_a_typed_error(
    api: Api, start: str, end: str
) -> None:
    document = (
        "query($f: Date, $t: Date) {"
        " serviceStatistics(filter: {from: $f, to: $t}) { applications { value } } }"
    )
    error = bad_input(await api.as_("agency_admin", agency="SXA").execute(document, f=start, t=end))
    assert error["extensions"]["reason"] == "INVALID_DATE"
    assert error["extensions"]["field"] in ("filter.from", "filter.to")


async def test_a_date_time_filter_past_the_year_2999_is_a_typed_error(api: Api) -> None:
    auditor = api.as_("auditor", agency="VXSIDA")
    error = bad_input(await auditor.execute(ACCESS_LOG, filter={"to": "9999-12-31T23:59:59+04:00"}))
    assert (error["extensions"]["field"], error["extensions"]["reason"]) == ("filter.to", "INVALID_DATE")


async def test_well_formed_dates_still_work(api: Api) -> None:
    result = await api.execute(CALENDAR, **{"from": "2026-03-01", "to": "2026-03-31"})
    assert "2026-03-20" in [d["day"] for d in result.ok()["calendarDays"]]  # Novruz
