"""`runChecks` and `Person.checks` over the real app, against the simulated ministries on loopback
(issue 7, items 2 and 6): facts with provenance, reuse while fresh, PENDING at once when a ministry is
down and completed when it comes back, and the access model like any other read."""

import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from strawberry import relay

from integrations.hub import Integrations
from sxvis import clock
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.checks import CheckKind, Freshness, retry_pending_checks
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.web.app import create_app
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input
from tests.simulators import FAST, Ministries

CHECK_FIELDS = "kind status fact sourceSystem messageId obtainedAt validUntil fresh reused pendingSince error"
RUN_CHECKS = f"""
mutation Run($input: RunChecksInput!) {{
  runChecks(input: $input) {{ checks {{ {CHECK_FIELDS} }} errors {{ field code message }} }}
}}
"""
PERSON_CHECKS = f"query Checks($id: ID!) {{ person(id: $id) {{ checks {{ {CHECK_FIELDS} }} }} }}"
AUDIT_CHECKS = """
query Audit($p: ID!) {
  accessLog(first: 5, filter: {personId: $p, action: "check:run"}) {
    edges { node { action evidence { kind sourceSystem messageId } } }
  }
}
"""
TSERAS_RECORD = {"group": 2, "cause": "general illness", "valid_until": "2030-01-31"}


@pytest.fixture
async def hub(ministries: Ministries, request: pytest.FixtureRequest) -> AsyncIterator[Integrations]:
    """Real clients of the simulators; one attempt per request unless a test asks for more
    (`parametrize("hub", [n], indirect=True)`), so that a ministry that is down fails at once."""
    attempts = getattr(request, "param", 1)
    async with ministries.integrations(retry_attempts=attempts) as integrations:
        yield integrations


@pytest.fixture
async def api(
    db: Database, app_database: Database, settings: Settings, hub: Integrations
) -> AsyncIterator[Api]:
    """The app with its ministries at the simulators (the conftest `api` has none configured)."""
    app = create_app(settings, database=app_database, integrations=hub)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sxvis.test") as client:
        yield Api(client, settings)
    await app.state.gate.close()


async def register(api: Api, **overrides: object) -> dict:
    result = await api.execute(REGISTER_PERSON, input=person_input(**overrides))
    person: dict = result.payload("registerPerson")["person"]
    return person


async def run(api: Api, person_id: str, *checks: str) -> list[dict]:
    payload = (await api.execute(RUN_CHECKS, input={"personId": person_id, "checks": list(checks)})).payload(
        "runChecks"
    )
    assert payload["errors"] == []
    found: list[dict] = payload["checks"]
    return found


async def test_a_check_stores_the_answer_as_a_fact_with_its_provenance(
    api: Api, ministries: Ministries
) -> None:
    person = await register(api)
    ministries.put("tseras", person["fin"], TSERAS_RECORD)
    (check,) = await run(api, person["id"], "DISABILITY")
    (received,) = ministries.received("tseras")
    assert check["status"] == "OK"
    assert check["fact"] == {"group": 2, "cause": "general illness", "validUntil": "2030-01-31"}
    assert check["sourceSystem"] == "TSERAS"
    assert check["messageId"] == received["message_id"]
    assert check["fresh"] is True
    assert check["reused"] is False


async def test_every_ministry_request_carries_the_acting_user_and_the_person_it_serves(
    api: Api, ministries: Ministries
) -> None:
    person = await register(api)
    await run(api, person["id"], "PENSION")
    (received,) = ministries.received("pension")
    assert received["user_id"] == f"{api.user}@{api.agency}"
    assert received["issue"] == f"person/{relay.GlobalID.from_id(person['id']).node_id}"
    assert person["fin"] in received["path"]


async def test_a_fresh_fact_is_reused_and_the_ministry_is_not_asked_again(
    api: Api, ministries: Ministries
) -> None:
    person = await register(api)
    ministries.put("tseras", person["fin"], TSERAS_RECORD)
    (first,) = await run(api, person["id"], "DISABILITY")
    (second,) = await run(api, person["id"], "DISABILITY")
    assert second["reused"] is True
    assert second["messageId"] == first["messageId"]
    assert len(ministries.received("tseras")) == 1


async def test_a_stale_fact_is_asked_for_again(api: Api, ministries: Ministries) -> None:
    person = await register(api)
    await run(api, person["id"], "EMPLOYMENT")
    freshness = Freshness().of(CheckKind.EMPLOYMENT)
    with clock.frozen_at(clock.now() + freshness + timedelta(minutes=1)):
        (again,) = await run(api, person["id"], "EMPLOYMENT")
    assert again["reused"] is False
    assert len(ministries.received("employment")) == 2


async def test_no_record_is_a_not_found_fact_and_is_reused_too(api: Api, ministries: Ministries) -> None:
    person = await register(api)
    ministries.put("tseras", person["fin"], None)
    (first,) = await run(api, person["id"], "DISABILITY")
    (second,) = await run(api, person["id"], "DISABILITY")
    assert (first["status"], first["fact"], first["sourceSystem"]) == ("NOT_FOUND", None, "TSERAS")
    assert second["reused"] is True
    assert len(ministries.received("tseras")) == 1


async def test_a_check_against_a_ministry_that_is_down_is_pending_at_once_and_completes_when_it_returns(
    api: Api, ministries: Ministries, app_database: Database, hub: Integrations
) -> None:
    person = await register(api)
    ministries.put("tseras", person["fin"], TSERAS_RECORD)
    ministries.faults("tseras", down=True)
    started = time.monotonic()
    (check,) = await run(api, person["id"], "DISABILITY")
    assert time.monotonic() - started < FAST["budget_seconds"]
    assert check["status"] == "PENDING"
    shown = (await api.execute(PERSON_CHECKS, id=person["id"])).ok()["person"]["checks"]
    assert [(c["kind"], c["status"]) for c in shown] == [("DISABILITY", "PENDING")]

    ministries.heal()
    settled = await retry_pending_checks(app_database, hub, now=clock.now() + timedelta(hours=1))
    assert settled == 1
    (done,) = (await api.execute(PERSON_CHECKS, id=person["id"])).ok()["person"]["checks"]
    assert (done["status"], done["fact"]["group"]) == ("OK", 2)
    (received,) = ministries.received("tseras")
    assert received["user_id"] == f"{api.user}@{api.agency}"  # still attributed to who asked


async def test_a_pending_check_stays_pending_while_the_ministry_stays_down(
    api: Api, ministries: Ministries, app_database: Database, hub: Integrations, db: Database
) -> None:
    person = await register(api)
    ministries.faults("vemtas", down=True)
    await run(api, person["id"], "TARGETED_AID")
    await run(api, person["id"], "TARGETED_AID")
    assert await retry_pending_checks(app_database, hub, now=clock.now() + timedelta(hours=1)) == 0
    async with db.transaction() as session:
        rows = (await session.execute(text("SELECT status, attempts FROM check_requests"))).all()
    assert [(r.status, r.attempts) for r in rows] == [("PENDING", 2)]


async def test_injected_latency_beyond_the_budget_leaves_the_check_pending_within_the_budget(
    api: Api, ministries: Ministries
) -> None:
    person = await register(api)
    ministries.faults("address", latency_ms=5000)
    started = time.monotonic()
    (check,) = await run(api, person["id"], "ADDRESS_RESIDENTS")
    assert check["status"] == "PENDING"
    assert time.monotonic() - started < FAST["budget_seconds"] + 0.5


async def test_a_refused_request_is_failed_not_pending(api: Api, ministries: Ministries) -> None:
    person = await register(api)
    ministries.put("pension", person["fin"], {"receives": "perhaps"})
    (check,) = await run(api, person["id"], "PENSION")
    assert check["status"] == "FAILED"
    assert "wrong shape" in check["error"]


# Two attempts, as the product makes for a GET (three by default): this test is about one ministry
# being down not touching the others' checks. A lone transient failure of another ministry failed it
# twice in CI (cause not found; `why` below names it if it comes back without a retry to hide it).
@pytest.mark.parametrize("hub", [2], indirect=True, ids=["two-attempts"])
async def test_checks_run_together_each_with_its_own_status(api: Api, ministries: Ministries) -> None:
    person = await register(api)
    ministries.faults("employment", down=True)
    checks = await run(api, person["id"], "DISABILITY", "EMPLOYMENT", "PENSION")
    why = [(c["kind"], c["status"], c["error"]) for c in checks]  # a failure says which ministry failed how
    assert [(c["kind"], c["status"] == "PENDING") for c in checks] == [
        ("DISABILITY", False),
        ("EMPLOYMENT", True),
        ("PENSION", False),
    ], why


async def test_a_protected_person_is_checked_by_fin_but_the_answer_does_not_identify_them(
    api: Api, ministries: Ministries, settings: Settings
) -> None:
    """Rule 10 (002 step 5): the victim's anonymity holds for an agency not entitled to the identity."""
    dost = api.as_("social_worker", agency="DOST")
    victim = await register(dost, protected=True)
    relative = {
        "fin": "7XYZ890",
        "name": "Əliyev Rauf",
        "birth_date": "1985-01-01",
        "age": 41,
        "relation": "SPOUSE",
    }
    ministries.put("address", victim["fin"], {"address": "Nizami küçəsi 12", "residents": [relative]})
    ministries.put(
        "employment", victim["fin"], {"employed": True, "employer": "Azərsu ASC", "since": "2020-01-01"}
    )
    real_id = uuid.UUID(relay.GlobalID.from_id(victim["id"]).node_id)
    pseudonymous = relay.to_base64(
        "Person", Pseudonyms.from_data_dir(settings.data_dir).public_id(real_id, "SXA")
    )
    residents, work = await run(api, pseudonymous, "ADDRESS_RESIDENTS", "EMPLOYMENT")
    assert victim["fin"] in ministries.received("address")[0]["path"]
    assert residents["fact"] == {
        "residents": [
            {"birthDate": "1985-01-01", "age": 41, "relation": "SPOUSE", "relative": True, "ableBodied": True}
        ],
        "ableBodiedRelatives": 1,
    }
    assert "employer" not in work["fact"]
    (own,) = await run(dost, victim["id"], "EMPLOYMENT")
    assert own["fact"]["employer"] == "Azərsu ASC"


async def test_a_partner_agency_may_not_run_checks(api: Api) -> None:
    person = await register(api)
    result = await api.as_("partner_agency").execute(
        RUN_CHECKS, input={"personId": person["id"], "checks": ["PENSION"]}
    )
    assert result.errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_person_outside_the_remit_cannot_be_checked(api: Api, ministries: Ministries) -> None:
    person = await register(api)
    result = await api.as_("social_worker", agency="DOST").execute(
        RUN_CHECKS, input={"personId": person["id"], "checks": ["PENSION"]}
    )
    assert result.payload("runChecks")["errors"][0]["code"] == "NOT_FOUND"
    assert ministries.received("pension") == []


async def test_the_access_log_holds_each_facts_provenance_for_auditors(api: Api, db: Database) -> None:
    person = await register(api)
    (check,) = await run(api, person["id"], "PENSION")
    log = await api.as_("auditor", agency="VXSIDA").execute(AUDIT_CHECKS, p=person["id"])
    (event,) = [e["node"] for e in log.ok()["accessLog"]["edges"]]
    assert event["evidence"] == [
        {"kind": "PENSION", "sourceSystem": "PENSION", "messageId": check["messageId"]}
    ]
