"""Provider capacity (issue 6, item 5): places per service, refusals with alternatives, places taken on
acceptance and freed when the enrollment ends, and no overbooking when two accepts race.

Rules named where a test proves one (../shared/domain/README.md): rule 12 (urgent cases need a referral
path with an immediate response, Strategy 8.4.5: an EMERGENCY is never refused for want of a place),
rule 13 (agencies act within their remit, Strategy 8.2.3: an agency admin declares their own places).
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from sxvis.database import Database
from tests.conftest import Api
from tests.documents import END_ENROLLMENT, ENROLL, REGISTER_PERSON
from tests.factories import person_input
from tests.test_referrals import move_document

HOME_CARE = "01-09-15-00"  # provided by the DOST centres: two in Baku (AZ-01), one in Ganja (AZ-04) …
FULL = "DOST-BAKI-1"  # Baku
SAME_REGION = "DOST-BAKI-4"  # Baku
OTHER_REGION = "DOST-GENCE"  # Ganja

SET_CAPACITY = """
mutation S($input: SetServiceCapacityInput!) {
  setServiceCapacity(input: $input) {
    capacity { agencyCode serviceCode places taken freePlaces agency { regionCode } }
    errors { field code message }
  }
}
"""
CREATE = """
mutation C($input: CreateReferralInput!) {
  createReferral(input: $input) {
    referral { id status flaggedForReview reviewReason }
    errors { field code message }
    alternatives { agencyCode freePlaces agency { regionCode } }
  }
}
"""
ACCEPT = """
mutation A($input: MoveReferralInput!) {
  acceptReferral(input: $input) {
    referral { id status flaggedForReview reviewReason }
    errors { field code message }
  }
}
"""
START = move_document("startReferral", "MoveReferralInput")
FAIL = move_document("failReferral", "ReasonedMoveInput")
CAPACITIES = """
query Q($code: String!) { service(code: $code) { capacities { agencyCode places taken freePlaces } } }
"""
ENROLLMENTS = """
query E($id: ID!) { person(id: $id) { enrollments { id status service { code } provider { code } } } }
"""


@pytest.fixture
async def clean(db: Database) -> AsyncIterator[Database]:
    """No capacity declared before or after: other tests expect providers without limits."""
    async with db.transaction() as session:
        await session.execute(text("DELETE FROM service_capacities"))
    yield db
    async with db.transaction() as session:
        await session.execute(text("DELETE FROM service_capacities"))


def admin(api: Api, agency: str) -> Api:
    return api.as_("agency_admin", agency=agency, user=f"admin-{agency.lower()}")


def worker(api: Api, agency: str) -> Api:
    return api.as_("social_worker", agency=agency, user=f"worker-{agency.lower()}")


async def declare(api: Api, agency: str, places: int) -> dict[str, Any]:
    result = await admin(api, agency).execute(
        SET_CAPACITY, input={"agencyCode": agency, "serviceCode": HOME_CARE, "places": places}
    )
    payload = result.payload("setServiceCapacity")
    assert payload["errors"] == []
    return payload["capacity"]  # type: ignore[no-any-return]


async def register(api: Api) -> str:
    payload = (await api.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")
    assert payload["errors"] == []
    return payload["person"]["id"]  # type: ignore[no-any-return]


async def refer(api: Api, person_id: str, to: str = FULL, urgency: str = "ROUTINE") -> dict[str, Any]:
    result = await api.execute(
        CREATE,
        input={
            "personId": person_id,
            "toAgencyCode": to,
            "reason": "Cannot care for herself after a stroke",
            "urgency": urgency,
            "serviceCode": HOME_CARE,
            "idempotencyKey": uuid.uuid4().hex,
        },
    )
    return result.payload("createReferral")  # type: ignore[no-any-return]


async def accept(api: Api, referral_id: str, agency: str = FULL) -> dict[str, Any]:
    result = await worker(api, agency).execute(ACCEPT, input={"id": referral_id})
    return result.payload("acceptReferral")  # type: ignore[no-any-return]


async def capacity(api: Api, agency: str) -> dict[str, Any]:
    found = (await api.execute(CAPACITIES, code=HOME_CARE)).ok()["service"]["capacities"]
    (mine,) = [c for c in found if c["agencyCode"] == agency]
    return mine  # type: ignore[no-any-return]


async def fill(api: Api, agency: str) -> None:
    """Take the agency's one place: a person referred there and accepted."""
    created = await refer(api, await register(api), to=agency)
    assert created["errors"] == []
    assert (await accept(api, created["referral"]["id"], agency))["errors"] == []


async def test_a_full_provider_refuses_with_alternatives_in_its_own_region_only(
    api: Api, clean: Database
) -> None:
    await declare(api, FULL, 1)
    await declare(api, SAME_REGION, 3)
    await declare(api, OTHER_REGION, 5)
    await fill(api, FULL)
    refused = await refer(api, await register(api))
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("toAgencyCode", "NO_CAPACITY")]
    assert refused["referral"] is None
    assert refused["alternatives"] == [
        {"agencyCode": SAME_REGION, "freePlaces": 3, "agency": {"regionCode": "AZ-01"}}
    ]


async def test_a_refused_referral_leaves_nothing_behind(api: Api, clean: Database) -> None:
    await declare(api, FULL, 0)
    refused = await refer(api, await register(api))
    assert refused["errors"][0]["code"] == "NO_CAPACITY"
    async with clean.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM referrals"))).scalar_one() == 0


async def test_rule_12_an_emergency_to_a_full_provider_goes_through_flagged_and_overbooks(
    api: Api, clean: Database
) -> None:
    await declare(api, FULL, 1)
    await fill(api, FULL)
    created = await refer(api, await register(api), urgency="EMERGENCY")
    assert created["errors"] == []
    assert created["referral"]["flaggedForReview"] is True
    assert "free place" in created["referral"]["reviewReason"]
    assert (await accept(api, created["referral"]["id"]))["errors"] == []
    assert await capacity(api, FULL) == {"agencyCode": FULL, "places": 1, "taken": 2, "freePlaces": 0}


async def test_accepting_a_referral_with_a_service_enrolls_the_person_and_takes_a_place(
    api: Api, clean: Database
) -> None:
    await declare(api, FULL, 2)
    person_id = await register(api)
    created = await refer(api, person_id)
    assert (await accept(api, created["referral"]["id"]))["referral"]["status"] == "ACCEPTED"
    assert await capacity(api, FULL) == {"agencyCode": FULL, "places": 2, "taken": 1, "freePlaces": 1}
    enrollments = (await worker(api, FULL).execute(ENROLLMENTS, id=person_id)).ok()["person"]["enrollments"]
    assert [(e["status"], e["service"]["code"], e["provider"]["code"]) for e in enrollments] == [
        ("ACTIVE", HOME_CARE, FULL)
    ]


async def test_ending_the_enrollment_frees_the_place(api: Api, clean: Database) -> None:
    await declare(api, FULL, 1)
    person_id = await register(api)
    await accept(api, (await refer(api, person_id))["referral"]["id"])
    provider = worker(api, FULL)
    (enrollment,) = (await provider.execute(ENROLLMENTS, id=person_id)).ok()["person"]["enrollments"]
    ended = await provider.execute(END_ENROLLMENT, input={"id": enrollment["id"], "reason": "COMPLETED"})
    assert ended.payload("endEnrollment")["errors"] == []
    assert await capacity(api, FULL) == {"agencyCode": FULL, "places": 1, "taken": 0, "freePlaces": 1}
    assert (await refer(api, await register(api)))["errors"] == []


async def test_a_failed_referral_ends_the_enrollment_its_acceptance_made_and_frees_the_place(
    api: Api, clean: Database
) -> None:
    await declare(api, FULL, 1)
    person_id = await register(api)
    referral_id = (await refer(api, person_id))["referral"]["id"]
    assert (await accept(api, referral_id))["errors"] == []
    provider = worker(api, FULL)
    started = await provider.execute(START, input={"id": referral_id})
    assert started.payload("startReferral")["errors"] == []

    failed = await provider.execute(FAIL, input={"id": referral_id, "reason": "The person did not come"})

    assert failed.payload("failReferral")["errors"] == []
    assert await capacity(api, FULL) == {"agencyCode": FULL, "places": 1, "taken": 0, "freePlaces": 1}
    async with clean.transaction() as session:
        ended = (await session.execute(text("SELECT status::text, end_reason::text FROM enrollments"))).one()
    assert tuple(ended) == ("ENDED", "REFERRAL_FAILED")


async def test_a_failed_referral_leaves_an_enrollment_the_person_already_had(
    api: Api, clean: Database
) -> None:
    await declare(api, FULL, 2)
    provider = worker(api, FULL)
    person_id = await register(api)
    enrolled = await api.execute(
        ENROLL, input={"personId": person_id, "serviceCode": HOME_CARE, "providerCode": FULL}
    )
    assert enrolled.payload("enrollInService")["errors"] == []
    referral_id = (await refer(api, person_id))["referral"]["id"]
    assert (await accept(api, referral_id))["errors"] == []
    await provider.execute(START, input={"id": referral_id})

    await provider.execute(FAIL, input={"id": referral_id, "reason": "The person did not come"})

    assert await capacity(api, FULL) == {"agencyCode": FULL, "places": 2, "taken": 1, "freePlaces": 1}


async def test_only_a_failing_referral_ends_an_enrollment_as_referral_failed(
    api: Api, clean: Database
) -> None:
    await declare(api, FULL, 1)
    person_id = await register(api)
    await accept(api, (await refer(api, person_id))["referral"]["id"])
    provider = worker(api, FULL)
    (enrollment,) = (await provider.execute(ENROLLMENTS, id=person_id)).ok()["person"]["enrollments"]
    refused = await provider.execute(
        END_ENROLLMENT, input={"id": enrollment["id"], "reason": "REFERRAL_FAILED"}
    )
    assert [e["field"] for e in refused.payload("endEnrollment")["errors"]] == ["reason"]
    assert (await capacity(api, FULL))["taken"] == 1


async def test_a_direct_enrollment_at_a_full_provider_is_refused(api: Api, clean: Database) -> None:
    await declare(api, FULL, 1)
    await fill(api, FULL)
    provider = worker(api, FULL)
    person_id = (await provider.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")[
        "person"
    ]["id"]
    refused = await provider.execute(
        ENROLL, input={"personId": person_id, "serviceCode": HOME_CARE, "providerCode": FULL}
    )
    assert [e["code"] for e in refused.payload("enrollInService")["errors"]] == ["NO_CAPACITY"]


async def _waiting_on_locks(db: Database) -> int:
    async with db.transaction() as session:
        query = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return int((await session.execute(query)).scalar_one())


async def test_two_accepts_for_the_last_place_exactly_one_wins(api: Api, clean: Database) -> None:
    await declare(api, FULL, 1)
    first = (await refer(api, await register(api)))["referral"]["id"]
    second = (await refer(api, await register(api)))["referral"]["id"]
    async with clean.transaction() as holder:
        # Hold the capacity row, so both accepts (each on its own pooled connection) queue behind it.
        await holder.execute(
            text("SELECT 1 FROM service_capacities WHERE agency_code = :a FOR UPDATE"), {"a": FULL}
        )
        racing = [asyncio.create_task(accept(api, referral_id)) for referral_id in (first, second)]
        for _ in range(200):
            if await _waiting_on_locks(clean) >= 2:
                break
            await asyncio.sleep(0.05)
        assert await _waiting_on_locks(clean) >= 2
    outcomes = await asyncio.gather(*racing)
    assert sorted(o["errors"][0]["code"] if o["errors"] else "OK" for o in outcomes) == ["NO_CAPACITY", "OK"]
    assert await capacity(api, FULL) == {"agencyCode": FULL, "places": 1, "taken": 1, "freePlaces": 0}
    async with clean.transaction() as session:
        statuses = sorted((await session.execute(text("SELECT status::text FROM referrals"))).scalars())
    assert statuses == ["ACCEPTED", "REQUESTED"]


async def test_rule_13_an_agency_admin_declares_the_places_of_their_own_agency_only(
    api: Api, clean: Database
) -> None:
    other = await admin(api, SAME_REGION).execute(
        SET_CAPACITY, input={"agencyCode": FULL, "serviceCode": HOME_CARE, "places": 4}
    )
    assert other.errors[0]["extensions"]["code"] == "FORBIDDEN"
    by_worker = await worker(api, FULL).execute(
        SET_CAPACITY, input={"agencyCode": FULL, "serviceCode": HOME_CARE, "places": 4}
    )
    assert by_worker.errors[0]["extensions"]["code"] == "FORBIDDEN"
    operator = api.as_("system_admin", agency="VXSIDA", user="ops")
    done = await operator.execute(
        SET_CAPACITY, input={"agencyCode": FULL, "serviceCode": HOME_CARE, "places": 4}
    )
    assert done.payload("setServiceCapacity")["capacity"]["places"] == 4


async def test_setting_a_capacity_is_in_the_access_log(api: Api, clean: Database) -> None:
    await declare(api, SAME_REGION, 7)
    async with clean.transaction() as session:
        details = (
            await session.execute(
                text(
                    "SELECT details FROM access_events WHERE action = 'capacity:set'"
                    " AND entity_id = :e ORDER BY id DESC LIMIT 1"
                ),
                {"e": f"{SAME_REGION}:{HOME_CARE}"},
            )
        ).scalar_one()
    assert details["places"] == 7


async def test_only_a_provider_of_the_service_declares_places_for_it(api: Api, clean: Database) -> None:
    result = await admin(api, "DSMF").execute(
        SET_CAPACITY, input={"agencyCode": "DSMF", "serviceCode": HOME_CARE, "places": 3}
    )
    assert [e["code"] for e in result.payload("setServiceCapacity")["errors"]] == ["NOT_A_PROVIDER"]


async def test_a_referral_for_a_service_goes_to_a_provider_of_it(api: Api, clean: Database) -> None:
    refused = await refer(api, await register(api), to="DSMF")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("serviceCode", "NOT_A_PROVIDER")]
