"""Circumstances and service enrollments, under the rules of the passports (shared/domain/README.md)."""

import pytest
from sqlalchemy import func, select

from sxvis.registry.models import Circumstance, Enrollment
from tests.conftest import Api
from tests.documents import END_ENROLLMENT, ENROLL, RECORD_CIRCUMSTANCE, REGISTER_PERSON, UPDATE_PERSON
from tests.factories import person_input

HOME_CARE = "01-09-15-00"
DOMESTIC_VIOLENCE = "09-03-00-00"
SOCIAL_PEDAGOGICAL = "00-00-00-01"
UNKNOWN_PERSON = "UGVyc29uOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA=="


async def new_person(api: Api, **overrides) -> str:
    result = await api.execute(REGISTER_PERSON, input=person_input(**overrides))
    return result.payload("registerPerson")["person"]["id"]


async def enroll(api: Api, person_id: str, **overrides):
    values = {"personId": person_id, "serviceCode": HOME_CARE, "providerCode": "DOST-BAKI-1", **overrides}
    return (await api.execute(ENROLL, input=values)).payload("enrollInService")


async def count(db, model) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)))


async def test_circumstance_is_recorded_with_the_callers_agency_as_source(api: Api) -> None:
    person_id = await new_person(api)
    result = await api.execute(
        RECORD_CIRCUMSTANCE, input={"personId": person_id, "category": "ELDERLY", "since": "2020-01-01"}
    )
    circumstance = result.payload("recordCircumstance")["circumstance"]
    assert circumstance["category"] == "ELDERLY"
    assert circumstance["active"] is True
    assert circumstance["sourceAgency"] == {"code": "SXA"}


async def test_circumstance_ending_before_it_began_is_refused(api: Api, db) -> None:
    person_id = await new_person(api)
    result = await api.execute(
        RECORD_CIRCUMSTANCE,
        input={"personId": person_id, "category": "HOMELESS", "since": "2024-05-01", "until": "2024-04-01"},
    )
    assert result.payload("recordCircumstance")["errors"][0]["field"] == "until"
    assert await count(db, Circumstance) == 0


async def test_circumstance_from_an_unknown_agency_is_refused(api: Api) -> None:
    person_id = await new_person(api)
    result = await api.execute(
        RECORD_CIRCUMSTANCE,
        input={
            "personId": person_id,
            "category": "HOMELESS",
            "since": "2024-05-01",
            "sourceAgencyCode": "NOPE",
        },
    )
    assert result.payload("recordCircumstance")["errors"][0] == {
        "field": "sourceAgencyCode",
        "code": "NOT_FOUND",
        "message": "No agency has the code 'NOPE'.",
    }


async def test_circumstance_for_an_unknown_person_is_not_found(api: Api) -> None:
    result = await api.execute(
        RECORD_CIRCUMSTANCE, input={"personId": UNKNOWN_PERSON, "category": "ELDERLY", "since": "2020-01-01"}
    )
    assert result.payload("recordCircumstance")["errors"][0]["field"] == "personId"
    assert result.payload("recordCircumstance")["errors"][0]["code"] == "NOT_FOUND"


async def test_unknown_circumstance_category_is_a_validation_error(api: Api) -> None:
    person_id = await new_person(api)
    result = await api.execute(
        RECORD_CIRCUMSTANCE, input={"personId": person_id, "category": "RICH", "since": "2020-01-01"}
    )
    assert result.errors
    assert "RICH" in result.errors[0]["message"]
    assert "Traceback" not in str(result.body)


async def test_enrollment_at_a_provider_of_the_service_is_active_from_today(api: Api) -> None:
    person_id = await new_person(api)
    enrollment = (await enroll(api, person_id))["enrollment"]
    assert enrollment["status"] == "ACTIVE"
    assert enrollment["service"] == {"code": HOME_CARE}
    assert enrollment["provider"] == {"code": "DOST-BAKI-1"}


async def test_enrollment_at_an_agency_that_does_not_provide_the_service_is_refused(api: Api, db) -> None:
    person_id = await new_person(api)
    payload = await enroll(api, person_id, providerCode="DIN")
    assert payload["errors"][0]["field"] == "providerCode"
    assert payload["errors"][0]["code"] == "NOT_A_PROVIDER"
    assert await count(db, Enrollment) == 0


async def test_enrollment_in_an_unknown_service_is_not_found(api: Api) -> None:
    person_id = await new_person(api)
    payload = await enroll(api, person_id, serviceCode="99-99-99-99")
    assert payload["errors"][0] == {
        "field": "serviceCode",
        "code": "NOT_FOUND",
        "message": "No service has the code '99-99-99-99'.",
    }


@pytest.mark.parametrize(
    "status", ["CITIZEN", "FOREIGNER_PERMANENT_RESIDENT", "STATELESS_PERMANENT_RESIDENT"]
)
async def test_rule_1_citizens_and_permanent_residents_are_eligible(api: Api, status: str) -> None:
    # 000 §10, 001 §10: citizens; foreigners and stateless persons with permanent residence.
    person_id = await new_person(api, residenceStatus=status)
    assert (await enroll(api, person_id))["errors"] == []


async def test_rule_1_a_person_without_permanent_residence_is_not_eligible(api: Api, db) -> None:
    person_id = await new_person(api, residenceStatus="OTHER")
    payload = await enroll(api, person_id)
    assert payload["errors"][0]["code"] == "NOT_ELIGIBLE"
    assert payload["errors"][0]["field"] == "personId"
    assert await count(db, Enrollment) == 0


async def test_rule_14_social_pedagogical_service_needs_the_rehabilitation_program_reference(
    api: Api,
) -> None:
    # 000 §11, §16: the service follows the person's Individual Rehabilitation Program.
    person_id = await new_person(api, birthDate="2014-01-01")
    without = await enroll(api, person_id, serviceCode=SOCIAL_PEDAGOGICAL, providerCode="DOST")
    assert without["errors"][0] == {
        "field": "irpReference",
        "code": "REQUIRED",
        "message": "This service follows the person's Individual Rehabilitation Program: give its reference.",
    }
    with_irp = await enroll(
        api, person_id, serviceCode=SOCIAL_PEDAGOGICAL, providerCode="DOST", irpReference="IRP-2026-000117"
    )
    assert with_irp["enrollment"]["irpReference"] == "IRP-2026-000117"


async def test_a_second_active_enrollment_in_the_same_service_and_provider_is_a_duplicate(
    api: Api, db
) -> None:
    person_id = await new_person(api)
    await enroll(api, person_id)
    payload = await enroll(api, person_id)
    assert payload["errors"][0]["code"] == "DUPLICATE"
    assert await count(db, Enrollment) == 1


async def test_a_service_cannot_start_for_a_person_who_has_died(api: Api) -> None:
    person_id = await new_person(api, birthDate="1930-01-01")
    await api.execute(UPDATE_PERSON, input={"id": person_id, "dateOfDeath": "2024-01-01"})
    payload = await enroll(api, person_id)
    assert payload["errors"][0]["code"] == "DECEASED"


async def test_ending_an_enrollment_records_the_day_and_the_reason(api: Api) -> None:
    person_id = await new_person(api)
    enrollment_id = (await enroll(api, person_id, startedOn="2025-01-10"))["enrollment"]["id"]
    result = await api.execute(
        END_ENROLLMENT, input={"id": enrollment_id, "reason": "COMPLETED", "endedOn": "2025-06-30"}
    )
    ended = result.payload("endEnrollment")["enrollment"]
    assert ended == {
        "id": enrollment_id,
        "status": "ENDED",
        "endedOn": "2025-06-30",
        "endReason": "COMPLETED",
    }


async def test_rule_6_an_enrollment_ends_on_a_refusal_ground_only_if_the_passport_lists_it(api: Api) -> None:
    # 09-03-00-00 lists only "no legal basis"; "incomplete documents" is not its ground.
    person_id = await new_person(api, sex="FEMALE", lastName="Məmmədova", patronymic="Həsən qızı")
    enrollment_id = (await enroll(api, person_id, serviceCode=DOMESTIC_VIOLENCE, providerCode="SXA"))[
        "enrollment"
    ]["id"]
    refused = await api.execute(END_ENROLLMENT, input={"id": enrollment_id, "reason": "INCOMPLETE_DOCUMENTS"})
    assert refused.payload("endEnrollment")["errors"][0]["code"] == "REFUSAL_GROUND_NOT_IN_PASSPORT"
    accepted = await api.execute(END_ENROLLMENT, input={"id": enrollment_id, "reason": "NO_LEGAL_BASIS"})
    assert accepted.payload("endEnrollment")["enrollment"]["endReason"] == "NO_LEGAL_BASIS"


async def test_an_ended_enrollment_cannot_end_again(api: Api) -> None:
    person_id = await new_person(api)
    enrollment_id = (await enroll(api, person_id))["enrollment"]["id"]
    await api.execute(END_ENROLLMENT, input={"id": enrollment_id, "reason": "COMPLETED"})
    again = await api.execute(END_ENROLLMENT, input={"id": enrollment_id, "reason": "COMPLETED"})
    assert again.payload("endEnrollment")["errors"][0] == {
        "field": "id",
        "code": "INVALID_TRANSITION",
        "message": "The enrollment is already ENDED.",
    }


async def test_an_enrollment_cannot_end_before_it_started(api: Api) -> None:
    person_id = await new_person(api)
    enrollment_id = (await enroll(api, person_id, startedOn="2025-01-10"))["enrollment"]["id"]
    result = await api.execute(
        END_ENROLLMENT, input={"id": enrollment_id, "reason": "COMPLETED", "endedOn": "2025-01-09"}
    )
    assert result.payload("endEnrollment")["errors"][0]["field"] == "endedOn"


async def test_after_an_enrollment_ends_the_person_can_enroll_again(api: Api) -> None:
    person_id = await new_person(api)
    enrollment_id = (await enroll(api, person_id))["enrollment"]["id"]
    await api.execute(END_ENROLLMENT, input={"id": enrollment_id, "reason": "COMPLETED"})
    assert (await enroll(api, person_id))["errors"] == []
