"""`GET /fhir/Task/{id}`: a referral as a FHIR R4 Task (issue 6, item 9), validated with fhir.resources.

fhir.resources ships R4B (4.3), R4's technical correction; Task is the same resource in both.
"""

import json
import uuid
from typing import Any
from urllib.parse import quote

from fhir.resources.R4B.task import Task
from sqlalchemy import text
from strawberry import relay
from structlog.testing import capture_logs

from sxvis.database import Database
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

CREATE = """
mutation C($input: CreateReferralInput!) { createReferral(input: $input) { referral { id } errors { code } } }
"""
REJECT = """
mutation R($input: ReasonedMoveInput!) { rejectReferral(input: $input) { errors { code } } }
"""


async def referral(api: Api, **person: Any) -> tuple[str, dict[str, Any]]:
    dost = api.as_("social_worker", agency="DOST")
    registered = (await dost.execute(REGISTER_PERSON, input=person_input(**person))).payload("registerPerson")
    created = await dost.execute(
        CREATE,
        input={
            "personId": registered["person"]["id"],
            "toAgencyCode": "DSMF",
            "reason": "Needs targeted social assistance",
            "urgency": "URGENT",
            "idempotencyKey": uuid.uuid4().hex,
        },
    )
    gid = created.payload("createReferral")["referral"]["id"]
    return relay.GlobalID.from_id(gid).node_id, registered["person"]


async def get_task(api: Api, caller: Api, referral_id: str) -> Any:
    return await api.client.get(f"/fhir/Task/{referral_id}", headers=caller.headers)


async def test_a_referral_reads_as_a_valid_fhir_task(api: Api) -> None:
    referral_id, _ = await referral(api)
    response = await get_task(api, api.as_("social_worker", agency="DSMF"), referral_id)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    task = Task.model_validate(response.json())
    assert (task.status, task.intent, task.priority) == ("requested", "order", "urgent")
    assert task.requester.reference == "Organization/DOST"
    assert task.owner.reference == "Organization/DSMF"
    assert task.output[0].valueString.startswith("none -> requested by")


async def test_the_person_is_referenced_by_a_pseudonym_never_by_identity(api: Api) -> None:
    referral_id, person = await referral(api, lastName="Həsənova")
    body = (await get_task(api, api.as_("social_worker", agency="DSMF"), referral_id)).json()
    dumped = json.dumps(body, ensure_ascii=False)
    assert body["for"]["reference"].startswith("Patient/")
    for value in (person["fin"], "Həsənova", relay.GlobalID.from_id(person["id"]).node_id):
        assert value not in dumped


async def test_a_rejection_maps_to_rejected_with_its_reason(api: Api) -> None:
    referral_id, _ = await referral(api)
    dsmf = api.as_("social_worker", agency="DSMF")
    gid = relay.to_base64("Referral", referral_id)
    await dsmf.execute(REJECT, input={"id": gid, "reason": "Not our service"})
    task = Task.model_validate((await get_task(api, dsmf, referral_id)).json())
    assert task.status == "rejected"
    assert task.statusReason.text == "Not our service"


async def test_another_agency_gets_what_a_missing_task_gets(api: Api) -> None:
    referral_id, _ = await referral(api)
    other = api.as_("social_worker", agency="DMX")
    hidden = await get_task(api, other, referral_id)
    missing = await get_task(api, other, str(uuid.uuid4()))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


async def test_without_a_token_the_answer_is_401(api: Api) -> None:
    referral_id, _ = await referral(api)
    response = await api.client.get(f"/fhir/Task/{referral_id}")
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"


async def test_a_role_without_referral_read_is_forbidden_and_logged(api: Api, db: Database) -> None:
    referral_id, _ = await referral(api)
    auditor = api.as_("auditor", agency="DSMF", user="fhir-auditor")
    response = await get_task(api, auditor, referral_id)
    assert response.status_code == 403
    async with db.transaction() as session:
        denied = (
            await session.execute(
                text(
                    "SELECT action FROM access_events"
                    " WHERE actor_user = 'fhir-auditor' AND outcome = 'DENIED'"
                )
            )
        ).scalars()
        assert list(denied) == ["referral:read"]


async def test_reading_the_task_is_logged(api: Api, db: Database) -> None:
    referral_id, _ = await referral(api)
    await get_task(api, api.as_("social_worker", agency="DSMF", user="fhir-reader"), referral_id)
    async with db.transaction() as session:
        actions = (
            await session.execute(text("SELECT action FROM access_events WHERE actor_user = 'fhir-reader'"))
        ).scalars()
        assert "referral:read" in set(actions)


async def test_the_graphql_referral_id_reads_the_same_task_as_the_bare_id(api: Api) -> None:
    referral_id, _ = await referral(api)
    dsmf = api.as_("social_worker", agency="DSMF")
    by_bare = await get_task(api, dsmf, referral_id)
    by_global = await get_task(api, dsmf, relay.to_base64("Referral", referral_id))
    assert by_bare.status_code == by_global.status_code == 200
    assert by_global.json() == by_bare.json()
    assert by_global.json()["id"] == referral_id  # the id FHIR clients keep is the bare one


async def test_a_global_id_of_another_type_is_no_task(api: Api) -> None:
    referral_id, person = await referral(api)
    dsmf = api.as_("social_worker", agency="DSMF")
    for other in (person["id"], relay.to_base64("Case", referral_id), "not-an-id"):
        response = await get_task(api, dsmf, quote(other, safe=""))
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"


async def test_a_database_failure_answers_an_outcome_without_the_database_text(
    api: Api, db: Database
) -> None:
    referral_id, person = await referral(api)
    # A real database error on this path: the read's access event is refused for one user.
    async with db.transaction() as session:
        await session.execute(
            text(
                "ALTER TABLE access_events ADD CONSTRAINT fhir_refuse"
                " CHECK (actor_user <> 'fhir-breaker') NOT VALID"
            )
        )
    try:
        caller = api.as_(
            "social_worker", agency="DSMF", user="fhir-breaker", headers={"X-Request-Id": "fhir-req-1"}
        )
        with capture_logs() as logs:
            response = await get_task(api, caller, referral_id)
    finally:
        async with db.transaction() as session:
            await session.execute(text("ALTER TABLE access_events DROP CONSTRAINT fhir_refuse"))
    assert response.status_code == 500
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert "fhir-req-1" in body["issue"][0]["diagnostics"]
    for leak in ("fhir_refuse", "INSERT", "access_events", "fhir-breaker", person["fin"]):
        assert leak not in response.text
    [logged] = [entry for entry in logs if entry["event"] == "fhir.unexpected_error"]
    assert (logged["sqlstate"], logged["constraint"], logged["request_id"]) == (
        "23514",
        "fhir_refuse",
        "fhir-req-1",
    )
    assert person["fin"] not in str(logs)


async def test_reading_the_task_records_what_it_showed(api: Api, db: Database) -> None:
    referral_id, _ = await referral(api)
    await get_task(api, api.as_("social_worker", agency="DSMF", user="fhir-fields"), referral_id)
    async with db.transaction() as session:
        logged = (
            await session.execute(
                text("SELECT entity_type, fields FROM access_events WHERE actor_user = 'fhir-fields'")
            )
        ).all()
    shown = {entity_type: fields for entity_type, fields in logged}
    assert {"description", "for", "output"} <= set(shown["referral"])
    assert shown["referral_move"] == ["output"]
