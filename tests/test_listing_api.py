"""Listing persons: filters, Relay pagination, counts; and the catalogue queries."""

from datetime import UTC, date, datetime

import pytest

from sxvis import clock
from sxvis.registry import circumstances, enrollments, persons
from sxvis.registry.enums import CircumstanceCategory, ResidenceStatus, Sex
from sxvis.registry.persons import NewPerson
from tests.conftest import Api
from tests.documents import PERSONS
from tests.factories import WORKER

TODAY = datetime(2026, 6, 15, 9, tzinfo=UTC)


@pytest.fixture
async def registry(db) -> None:
    """Six persons: two elderly in Baku, a child in Ganja, three adults; some enrolled in home care."""
    rows = [
        (
            "LST0001",
            "Abbasov",
            date(1940, 1, 1),
            "AZ-01",
            CircumstanceCategory.ELDERLY,
            ("01-09-15-00", "DOST-BAKI-1"),
        ),
        ("LST0002", "Bağırova", date(1945, 7, 1), "AZ-01", CircumstanceCategory.ELDERLY, None),
        ("LST0003", "Cəfərov", date(2016, 6, 16), "AZ-04", CircumstanceCategory.CHILD_WITH_DISABILITY, None),
        (
            "LST0004",
            "Dadaşov",
            date(1990, 6, 15),
            "AZ-04",
            CircumstanceCategory.HOMELESS,
            ("01-09-15-00", "DOST-GENCE"),
        ),
        ("LST0005", "Eyvazov", date(1985, 2, 2), "AZ-08", CircumstanceCategory.RELEASED_FROM_PRISON, None),
        ("LST0006", "Fərəcov", date(1975, 3, 3), "AZ-08", None, None),
    ]
    with clock.frozen_at(TODAY):
        async with db.transaction() as s:
            for fin, last, born, region, category, enrollment in rows:
                p = await persons.register_person(
                    s,
                    WORKER,
                    data=NewPerson(
                        fin=fin,
                        last_name=last,
                        first_name="Test",
                        birth_date=born,
                        sex=Sex.MALE,
                        residence_status=ResidenceStatus.CITIZEN,
                        region_code=region,
                    ),
                )
                if category is not None:
                    await circumstances.record_circumstance(
                        s, WORKER, person_id=p.id, category=category, since=date(2020, 1, 1)
                    )
                if enrollment is not None:
                    await enrollments.enroll_in_service(
                        s, WORKER, person_id=p.id, service_code=enrollment[0], provider_code=enrollment[1]
                    )


async def fins(api: Api, **variables) -> list[str]:
    with clock.frozen_at(TODAY):
        result = await api.execute(PERSONS, **variables)
    return [edge["node"]["fin"] for edge in result.ok()["persons"]["edges"]]


async def test_without_a_filter_persons_come_in_name_order(api: Api, registry: None) -> None:
    assert await fins(api) == ["LST0001", "LST0002", "LST0003", "LST0004", "LST0005", "LST0006"]


async def test_filter_by_current_circumstance_category(api: Api, registry: None) -> None:
    assert await fins(api, filter={"category": "ELDERLY"}) == ["LST0001", "LST0002"]


async def test_filter_by_region(api: Api, registry: None) -> None:
    assert await fins(api, filter={"region": "AZ-04"}) == ["LST0003", "LST0004"]


async def test_filter_by_service_the_person_is_enrolled_in(api: Api, registry: None) -> None:
    assert await fins(api, filter={"serviceCode": "01-09-15-00"}) == ["LST0001", "LST0004"]


async def test_filter_by_providing_agency(api: Api, registry: None) -> None:
    assert await fins(api, filter={"agencyCode": "DOST-GENCE"}) == ["LST0004"]


async def test_age_range_counts_birthdays_to_the_day(api: Api, registry: None) -> None:
    # On 2026-06-15 LST0004 (born 1990-06-15) has just turned 36; LST0003 (2016-06-16) is still 9.
    assert await fins(api, filter={"minAge": 36, "maxAge": 36}) == ["LST0004"]
    assert await fins(api, filter={"maxAge": 9}) == ["LST0003"]


async def test_filters_combine(api: Api, registry: None) -> None:
    assert await fins(api, filter={"region": "AZ-01", "maxAge": 80}) == ["LST0002"]  # born 1945-07-01: 80
    assert await fins(api, filter={"region": "AZ-01", "minAge": 86}) == ["LST0001"]


async def test_pages_walk_every_person_exactly_once(api: Api, registry: None) -> None:
    seen: list[str] = []
    after = None
    while True:
        result = await api.execute(PERSONS, first=4, after=after)
        connection = result.ok()["persons"]
        seen += [edge["node"]["fin"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == ["LST0001", "LST0002", "LST0003", "LST0004", "LST0005", "LST0006"]


async def test_each_edges_cursor_starts_the_page_after_its_person(api: Api, registry: None) -> None:
    document = "query($after: String) { persons(first: 3, after: $after) { edges { cursor node { fin } } } }"
    edges = (await api.execute(document)).ok()["persons"]["edges"]
    assert [edge["node"]["fin"] for edge in edges] == ["LST0001", "LST0002", "LST0003"]
    after_second = (await api.execute(document, after=edges[1]["cursor"])).ok()["persons"]["edges"]
    assert [edge["node"]["fin"] for edge in after_second] == ["LST0003", "LST0004", "LST0005"]
    assert after_second[0]["cursor"] == edges[2]["cursor"]


async def test_total_count_counts_all_matches_not_the_page(api: Api, registry: None) -> None:
    result = await api.execute(PERSONS, filter={"region": "AZ-01"}, first=1)
    assert result.ok()["persons"]["totalCount"] == 2
    assert len(result.ok()["persons"]["edges"]) == 1


async def test_a_page_larger_than_100_is_refused(api: Api, registry: None) -> None:
    result = await api.execute(PERSONS, first=101)
    assert result.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["field"] == "first"


@pytest.mark.parametrize("field", ["minAge", "maxAge"])
@pytest.mark.parametrize("age", [-1, 151, 115941])
async def test_an_age_outside_0_to_150_is_refused(api: Api, registry: None, field: str, age: int) -> None:
    result = await api.execute(PERSONS, filter={field: age})
    assert result.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["field"] == field


async def test_a_forged_cursor_is_refused(api: Api, registry: None) -> None:
    result = await api.execute(PERSONS, after="not-a-cursor")
    assert result.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after", "reason": "INVALID"}


async def test_agencies_include_every_agency_the_design_names(api: Api) -> None:
    result = await api.execute("{ agencies { code kind isStateBody } }")
    codes = {a["code"] for a in result.ok()["agencies"]}
    assert {
        "EESMN",
        "SXA",
        "DOST",
        "DSMF",
        "DMX",
        "VXSIDA",
        "SN",
        "ETN",
        "AQUPDK",
        "DIN",
        "EN",
        "ITSDA",
    } <= codes
    ngos = [a for a in result.ok()["agencies"] if a["code"].startswith("NGO-")]
    assert ngos
    assert all(a["kind"] == "NGO" and not a["isStateBody"] for a in ngos)


async def test_home_care_passport_reads_back_with_its_durations(api: Api) -> None:
    # 001: total 15 days, front office 2 days, back office 13 days, operator standard 15 minutes.
    result = await api.execute(
        """{ service(code: "01-09-15-00") { code nameAz totalDuration { value unit }
             frontOfficeDuration { value unit } backOfficeDuration { value unit } operatorStandardMinutes
             refusalGrounds eligibleUsers requiredDocuments { nameAz forms } providers { code } } }"""
    )
    service = result.ok()["service"]
    assert service["totalDuration"] == {"value": 15, "unit": "DAY"}
    assert service["frontOfficeDuration"] == {"value": 2, "unit": "DAY"}
    assert service["backOfficeDuration"] == {"value": 13, "unit": "DAY"}
    assert service["operatorStandardMinutes"] == 15
    assert set(service["refusalGrounds"]) == {"INCOMPLETE_DOCUMENTS", "NO_LEGAL_BASIS"}
    assert service["requiredDocuments"]
    assert {"DOST", "DOST-BAKI-1"} <= {p["code"] for p in service["providers"]}


async def test_services_are_listed_in_code_order_a_page_at_a_time(api: Api) -> None:
    first = (
        await api.execute("{ services(first: 2) { edges { node { code } } pageInfo { endCursor } } }")
    ).ok()
    codes = [e["node"]["code"] for e in first["services"]["edges"]]
    rest = await api.execute(
        "query($a: String) { services(after: $a) { edges { node { code } } } }",
        a=first["services"]["pageInfo"]["endCursor"],
    )
    codes += [e["node"]["code"] for e in rest.ok()["services"]["edges"]]
    assert codes == ["00-00-00-01", "01-09-07-00", "01-09-15-00", "09-03-00-00"]


async def test_an_unknown_service_code_finds_nothing(api: Api) -> None:
    assert (await api.execute('{ service(code: "00-00-00-00") { code } }')).ok()["service"] is None
