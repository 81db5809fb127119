"""Registering, changing and reading persons through GraphQL."""

from sqlalchemy import func, select

from sxvis.registry.models import Household, Person
from tests.conftest import Api
from tests.documents import PERSON_BY_FIN, PERSON_BY_ID, REGISTER_PERSON, UPDATE_PERSON
from tests.factories import person_input


async def _count_persons(db) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Person)))


async def register(api: Api, **overrides):
    return (await api.execute(REGISTER_PERSON, input=person_input(**overrides))).payload("registerPerson")


async def register_plain(api: Api, **overrides):
    """The registered person's own fields, without the household the register document also reads."""
    person = (await register(api, **overrides))["person"]
    person.pop("household")
    return person


async def test_registered_person_is_returned_with_a_global_id_and_no_errors(api: Api) -> None:
    payload = await register(api, fin="5ABC123")
    assert payload["errors"] == []
    assert payload["person"]["fin"] == "5ABC123"
    assert payload["person"]["id"]
    assert payload["person"]["id"] != "5ABC123"


async def test_fin_typed_in_lower_case_is_stored_in_capitals(api: Api) -> None:
    payload = await register(api, fin=" 5abc12x ")
    assert payload["person"]["fin"] == "5ABC12X"


async def test_invalid_fin_is_an_error_on_the_fin_field_and_writes_nothing(api: Api, db) -> None:
    payload = await register(api, fin="12345")
    assert payload["person"] is None
    assert payload["errors"] == [
        {
            "field": "fin",
            "code": "INVALID",
            "message": "A FIN is exactly 7 characters, digits and capital letters A-Z.",
        }
    ]
    assert await _count_persons(db) == 0


async def test_birth_date_in_the_future_is_refused(api: Api, db) -> None:
    payload = await register(api, birthDate="2999-01-01")
    assert payload["errors"][0]["field"] == "birthDate"
    assert payload["errors"][0]["code"] == "INVALID"
    assert await _count_persons(db) == 0


async def test_duplicate_fin_is_a_duplicate_error_and_the_first_record_stays(api: Api, db) -> None:
    await register(api, fin="DUP0001", firstName="Birinci")
    payload = await register(api, fin="dup0001", firstName="İkinci")
    assert payload["errors"] == [
        {"field": "fin", "code": "DUPLICATE", "message": "A person with this FIN is already registered."}
    ]
    found = (await api.execute(PERSON_BY_FIN, fin="DUP0001")).ok()["person"]
    assert found["firstName"] == "Birinci"
    assert await _count_persons(db) == 1


async def test_unknown_district_code_is_not_found_on_that_field(api: Api) -> None:
    payload = await register(api, districtCode="AZ-01-99")
    assert payload["errors"][0]["field"] == "districtCode"
    assert payload["errors"][0]["code"] == "NOT_FOUND"


async def test_district_outside_the_given_region_is_refused(api: Api) -> None:
    payload = await register(api, regionCode="AZ-02", districtCode="AZ-01-03")
    assert payload["errors"][0]["field"] == "districtCode"


async def test_a_district_alone_implies_its_region(api: Api) -> None:
    payload = await register(api, regionCode=None, districtCode="AZ-01-03")
    assert payload["person"]["regionCode"] == "AZ-01"


async def test_name_with_digits_is_refused(api: Api) -> None:
    payload = await register(api, firstName="Əli2")
    assert payload["errors"][0]["field"] == "firstName"


async def test_a_failed_registration_does_not_leave_a_household_behind(api: Api, db) -> None:
    await register(api, fin="HEAD001")
    payload = await register(api, fin="HEAD001", household={"relation": "HEAD"})
    assert payload["errors"][0]["code"] == "DUPLICATE"
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Household)) == 0


async def test_a_person_registered_as_head_starts_a_household(api: Api) -> None:
    payload = await register(api, fin="HEAD002", household={"relation": "HEAD"})
    household = payload["person"]["household"]
    assert household["head"] == {"fin": "HEAD002"}
    assert household["members"] == [{"relation": "HEAD", "person": {"fin": "HEAD002"}}]


async def test_a_person_can_join_an_existing_household_with_a_relation(api: Api) -> None:
    head = await register(api, fin="HEAD003", household={"relation": "HEAD"})
    household_id = head["person"]["household"]["id"]
    child = await register(
        api,
        fin="CHLD003",
        birthDate="2015-06-01",
        household={"householdId": household_id, "relation": "CHILD"},
    )
    members = child["person"]["household"]["members"]
    assert {"relation": "CHILD", "person": {"fin": "CHLD003"}} in members
    assert len(members) == 2


async def test_joining_a_household_that_does_not_exist_is_refused(api: Api, db) -> None:
    payload = await register(
        api,
        household={
            "householdId": "SG91c2Vob2xkOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA==",
            "relation": "CHILD",
        },
    )
    assert payload["errors"][0]["field"] == "household"
    assert await _count_persons(db) == 0


async def test_a_person_id_is_not_accepted_as_a_household_id(api: Api) -> None:
    person = await register(api, fin="NOTHH01")
    payload = await register(api, household={"householdId": person["person"]["id"], "relation": "CHILD"})
    assert payload["errors"][0]["field"] == "household"
    assert payload["errors"][0]["code"] == "INVALID"


async def test_update_changes_only_the_fields_given(api: Api) -> None:
    created = await register_plain(api, fin="UPD0001")
    result = await api.execute(UPDATE_PERSON, input={"id": created["id"], "phone": "+994 55 000 00 00"})
    updated = result.payload("updatePerson")["person"]
    assert updated["phone"] == "+994 55 000 00 00"
    assert {k: v for k, v in updated.items() if k != "phone"} == {
        k: v for k, v in created.items() if k != "phone"
    }


async def test_update_with_null_clears_an_optional_field(api: Api) -> None:
    created = (await register(api, fin="UPD0002"))["person"]
    result = await api.execute(UPDATE_PERSON, input={"id": created["id"], "email": None})
    assert result.payload("updatePerson")["person"]["email"] is None


async def test_update_cannot_clear_a_required_field(api: Api) -> None:
    created = (await register(api, fin="UPD0003"))["person"]
    result = await api.execute(UPDATE_PERSON, input={"id": created["id"], "lastName": None})
    assert result.payload("updatePerson")["errors"][0] == {
        "field": "lastName",
        "code": "INVALID",
        "message": "This field cannot be cleared.",
    }


async def test_update_to_a_taken_fin_is_a_duplicate_and_changes_nothing(api: Api) -> None:
    await register(api, fin="UPD0004")
    other = await register_plain(api, fin="UPD0005")
    result = await api.execute(
        UPDATE_PERSON, input={"id": other["id"], "fin": "UPD0004", "phone": "+994 70 1111111"}
    )
    assert result.payload("updatePerson")["errors"][0]["code"] == "DUPLICATE"
    unchanged = (await api.execute(PERSON_BY_ID, id=other["id"])).ok()["person"]
    assert unchanged == other


async def test_date_of_death_before_birth_is_refused(api: Api) -> None:
    created = (await register(api, fin="UPD0006", birthDate="1960-01-01"))["person"]
    result = await api.execute(UPDATE_PERSON, input={"id": created["id"], "dateOfDeath": "1959-12-31"})
    assert result.payload("updatePerson")["errors"][0]["field"] == "dateOfDeath"


async def test_update_of_an_unknown_person_is_not_found(api: Api) -> None:
    unknown = "UGVyc29uOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA=="
    result = await api.execute(UPDATE_PERSON, input={"id": unknown, "phone": "+994 50 1234567"})
    assert result.payload("updatePerson")["errors"][0] == {
        "field": "id",
        "code": "NOT_FOUND",
        "message": "No person has this id.",
    }


async def test_person_is_found_by_fin_and_by_id(api: Api) -> None:
    created = await register_plain(api, fin="FIND001")
    by_fin = (await api.execute(PERSON_BY_FIN, fin="find001")).ok()["person"]
    by_id = (await api.execute(PERSON_BY_ID, id=created["id"])).ok()["person"]
    assert by_fin == by_id == created


async def test_unknown_fin_finds_no_one(api: Api) -> None:
    assert (await api.execute(PERSON_BY_FIN, fin="ZZZZZZZ")).ok()["person"] is None


async def test_malformed_fin_in_a_query_is_a_bad_user_input_error(api: Api) -> None:
    result = await api.execute(PERSON_BY_FIN, fin="bad")
    assert result.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "fin", "reason": "INVALID"}


async def test_node_resolves_a_person_by_global_id(api: Api) -> None:
    created = (await register(api, fin="NODE001"))["person"]
    result = await api.execute(
        "query($id: ID!) { node(id: $id) { id ... on Person { fin } } }", id=created["id"]
    )
    assert result.ok()["node"] == {"id": created["id"], "fin": "NODE001"}


async def test_age_is_counted_in_whole_years(api: Api) -> None:
    from datetime import UTC, datetime

    from sxvis import clock

    with clock.frozen_at(datetime(2026, 3, 3, 12, tzinfo=UTC)):
        person = (await register(api, fin="AGE0001", birthDate="1950-03-04"))["person"]
    assert person["age"] in (75, 76)  # 75 on the frozen day; the read outside it counts today
    with clock.frozen_at(datetime(2026, 3, 3, 12, tzinfo=UTC)):
        assert (await api.execute(PERSON_BY_FIN, fin="AGE0001")).ok()["person"]["age"] == 75
