"""Protected persons (passport 09-03-00-00 step 5; issue 3, item 5): a pseudonym to every agency not
entitled, stable for each agency and different between them; never findable by FIN, name or real id;
a FIN clash answers DUPLICATE like any other and tells the protecting agency."""

import json
from typing import Any

from sqlalchemy import text

from sxvis.database import Database
from tests.conftest import Api
from tests.documents import PERSON_BY_FIN, PERSON_BY_ID, PERSONS, REGISTER_PERSON
from tests.factories import person_input

HOME_CARE = "01-09-15-00"
VICTIM = {"lastName": "Qurbanova", "firstName": "Səbinə", "patronymic": "Elçin qızı", "protected": True}
DETAILS = """
query D($id: ID!) {
  person(id: $id) {
    id pseudonym fin lastName firstName patronymic birthDate age regionCode districtCode addressLine
    phone email protected household { id } circumstances { category } enrollments { id }
  }
}
"""
THROUGH_ENROLLMENT = """
query E($id: ID!) { node(id: $id) { ... on Enrollment { person { id pseudonym fin lastName protected } } } }
"""
ENROLL = """
mutation Enroll($input: EnrollInServiceInput!) {
  enrollInService(input: $input) { enrollment { id } errors { code } }
}
"""
REGISTER_ERRORS = """
mutation R($input: RegisterPersonInput!) {
  registerPerson(input: $input) { person { id } errors { field code message } }
}
"""


async def register_victim(api: Api) -> tuple[dict[str, Any], str]:
    """A protected person registered by DOST, enrolled at DOST-BAKI-1: (their record, the enrollment id)."""
    dost = api.as_("social_worker", agency="DOST")
    result = await dost.execute(REGISTER_PERSON, input=person_input(**VICTIM, birthDate="1950-05-05"))
    payload = result.payload("registerPerson")
    assert payload["errors"] == []
    victim = payload["person"]
    enrolled = await dost.execute(
        ENROLL, input={"personId": victim["id"], "serviceCode": HOME_CARE, "providerCode": "DOST-BAKI-1"}
    )
    return victim, enrolled.payload("enrollInService")["enrollment"]["id"]


def assert_no_identity(body: dict[str, Any], victim: dict[str, Any]) -> None:
    dumped = json.dumps(body, ensure_ascii=False)
    identity = ("fin", "lastName", "firstName", "patronymic", "birthDate", "addressLine", "phone", "email")
    for field in identity:
        assert victim[field] not in dumped, f"{field} {victim[field]!r} leaked in {dumped}"
    assert victim["id"] not in dumped, "the real id leaked"


async def seen_through_enrollment(api: Api, enrollment_id: str, agency: str) -> dict[str, Any]:
    result = await api.as_("social_worker", agency=agency).execute(THROUGH_ENROLLMENT, id=enrollment_id)
    return result.ok()["node"]["person"]  # type: ignore[no-any-return]


async def test_the_protecting_agency_sees_the_identity(api: Api) -> None:
    victim, _ = await register_victim(api)
    person = (await api.as_("social_worker", agency="DOST").execute(DETAILS, id=victim["id"])).ok()["person"]
    assert (person["fin"], person["lastName"], person["pseudonym"]) == (victim["fin"], "Qurbanova", None)


async def test_another_agency_sees_a_pseudonym_through_a_relation(api: Api) -> None:
    _, enrollment_id = await register_victim(api)
    for agency in ("SXA", "DOST-BAKI-1", "EESMN"):
        person = await seen_through_enrollment(api, enrollment_id, agency)
        assert person["protected"] is True
        assert person["pseudonym"].startswith("Qorunan şəxs ")
        assert (person["fin"], person["lastName"]) == (None, None)


async def test_a_pseudonym_is_stable_for_one_agency_and_different_between_agencies(api: Api) -> None:
    _, enrollment_id = await register_victim(api)
    sxa_first = await seen_through_enrollment(api, enrollment_id, "SXA")
    sxa_again = await seen_through_enrollment(api, enrollment_id, "SXA")
    eesmn = await seen_through_enrollment(api, enrollment_id, "EESMN")
    assert sxa_first == sxa_again
    assert sxa_first["id"] != eesmn["id"]
    assert sxa_first["pseudonym"] != eesmn["pseudonym"]


async def test_the_pseudonymous_id_opens_the_minimised_record_for_its_agency_only(api: Api) -> None:
    victim, enrollment_id = await register_victim(api)
    sxa_id = (await seen_through_enrollment(api, enrollment_id, "SXA"))["id"]
    sxa = api.as_("social_worker", agency="SXA")
    result = await sxa.execute(DETAILS, id=sxa_id)
    person = result.ok()["person"]
    assert person["id"] == sxa_id
    assert person["household"] is None
    assert len(person["enrollments"]) == 1
    assert_no_identity(result.body, victim)
    assert enrollment_id not in str(result.body), "the real enrollment id links the pseudonyms"
    node = await sxa.execute("query N($id: ID!) { node(id: $id) { id } }", id=sxa_id)
    assert node.ok()["node"] == {"id": sxa_id}
    eesmn = api.as_("social_worker", agency="EESMN")
    assert (await eesmn.execute(DETAILS, id=sxa_id)).body == {"data": {"person": None}}


async def test_by_real_id_or_fin_an_unentitled_agency_finds_nobody_and_is_logged(
    api: Api, db: Database
) -> None:
    victim, _ = await register_victim(api)
    sxa = api.as_("social_worker", agency="SXA")
    by_id = await sxa.execute(PERSON_BY_ID, id=victim["id"])
    by_fin = await sxa.execute(PERSON_BY_FIN, fin=victim["fin"])
    assert by_id.body == {"data": {"person": None}}
    assert by_fin.body == {"data": {"person": None}}
    async with db.transaction() as session:
        reasons = (
            await session.execute(
                text(
                    "SELECT reason FROM access_events WHERE outcome = 'DENIED' AND actor_agency = 'SXA'"
                    " AND person_id = (SELECT id FROM persons WHERE fin = :fin)"
                ),
                {"fin": victim["fin"]},
            )
        ).scalars()
        assert list(reasons) == ["protected identity", "protected identity"]


async def test_no_search_or_listing_finds_a_protected_person_by_their_identity(api: Api) -> None:
    victim, _ = await register_victim(api)
    sxa = api.as_("social_worker", agency="SXA")
    for filter in (
        {"text": "Qurbanova"},
        {"text": "Səbinə Elçin"},
        {},
        {"minAge": 70},
        {"district": victim["districtCode"]},
    ):
        result = await sxa.execute(PERSONS, filter=filter, first=100)
        assert result.ok()["persons"]["totalCount"] == 0, filter
        assert_no_identity(result.body, victim)


async def test_every_answer_to_an_unentitled_agency_is_free_of_the_identity(api: Api) -> None:
    victim, enrollment_id = await register_victim(api)
    bodies: list[dict[str, Any]] = []
    for agency in ("SXA", "EESMN", "DOST-BAKI-1", "DIN"):
        caller = api.as_("social_worker", agency=agency)
        pseudonym = await caller.execute(THROUGH_ENROLLMENT, id=enrollment_id)
        bodies.append(pseudonym.body)
        node = (pseudonym.body.get("data") or {}).get("node") or {}
        person_id = (node.get("person") or {}).get("id")
        documents = [
            (PERSON_BY_ID, {"id": victim["id"]}),
            (PERSON_BY_FIN, {"fin": victim["fin"]}),
            (PERSONS, {"filter": {"text": "Qurbanova"}, "first": 100}),
            (PERSONS, {"first": 100}),
        ]
        if person_id:
            documents.append((DETAILS, {"id": person_id}))
        for document, variables in documents:
            bodies.append((await caller.execute(document, **variables)).body)
    for body in bodies:
        assert_no_identity(body, victim)


async def test_registering_a_protected_persons_fin_is_an_ordinary_duplicate_and_tells_the_protector(
    api: Api, db: Database
) -> None:
    victim, _ = await register_victim(api)
    dsmf = api.as_("social_worker", agency="DSMF")
    ordinary = await dsmf.execute(REGISTER_ERRORS, input=person_input())
    taken_ordinary = ordinary.payload("registerPerson")["person"]
    assert taken_ordinary is not None
    clash_ordinary = await dsmf.execute(REGISTER_ERRORS, input=person_input(fin=person_input()["fin"]))
    assert clash_ordinary.payload("registerPerson")["person"] is not None  # a fresh FIN, to compare below
    repeat = person_input()
    await dsmf.execute(REGISTER_ERRORS, input=repeat)
    plain_duplicate = await dsmf.execute(REGISTER_ERRORS, input={**repeat, "lastName": "Başqa"})
    protected_duplicate = await dsmf.execute(REGISTER_ERRORS, input=person_input(fin=victim["fin"]))
    assert protected_duplicate.body == plain_duplicate.body
    assert protected_duplicate.payload("registerPerson")["errors"][0]["code"] == "DUPLICATE"
    async with db.transaction() as session:
        notices = (
            await session.execute(text("SELECT agency_code, kind FROM notices WHERE kind = 'DUPLICATE_FIN'"))
        ).all()
    assert [tuple(n) for n in notices] == [("DOST", "DUPLICATE_FIN")]


async def test_an_unentitled_agency_cannot_change_a_protected_record(api: Api) -> None:
    _, enrollment_id = await register_victim(api)
    sxa_id = (await seen_through_enrollment(api, enrollment_id, "SXA"))["id"]
    result = await api.as_("social_worker", agency="SXA").execute(
        "mutation U($input: UpdatePersonInput!) { updatePerson(input: $input) { errors { code } } }",
        input={"id": sxa_id, "lastName": "Dəyişdirilmiş"},
    )
    assert result.errors[0]["extensions"]["code"] == "FORBIDDEN"


ENROLLMENTS_OF = """
query P($id: ID!) {
  person(id: $id) { enrollments { id note irpReference status } circumstances { id note } }
}
"""


async def test_records_about_a_pseudonymous_person_have_ids_of_the_agency_too(api: Api) -> None:
    _, enrollment_id = await register_victim(api)
    seen: dict[str, str] = {}
    for agency in ("SXA", "EESMN"):
        caller = api.as_("social_worker", agency=agency)
        person_id = (await seen_through_enrollment(api, enrollment_id, agency))["id"]
        (enrollment,) = (await caller.execute(ENROLLMENTS_OF, id=person_id)).ok()["person"]["enrollments"]
        assert enrollment["id"] != enrollment_id
        assert (enrollment["note"], enrollment["irpReference"]) == (None, None)
        again = await caller.execute("query N($id: ID!) { node(id: $id) { id } }", id=enrollment["id"])
        assert again.ok()["node"] == {"id": enrollment["id"]}
        seen[agency] = enrollment["id"]
    assert seen["SXA"] != seen["EESMN"]
    other = await api.as_("social_worker", agency="EESMN").execute(
        "query N($id: ID!) { node(id: $id) { id } }", id=seen["SXA"]
    )
    assert other.ok()["node"] is None


async def test_the_protecting_agency_sees_the_real_ids_and_notes(api: Api) -> None:
    victim, enrollment_id = await register_victim(api)
    dost = api.as_("social_worker", agency="DOST")
    (enrollment,) = (await dost.execute(ENROLLMENTS_OF, id=victim["id"])).ok()["person"]["enrollments"]
    assert enrollment["id"] == enrollment_id
