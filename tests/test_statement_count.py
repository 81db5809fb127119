"""DataLoaders: a page of 100 persons with their relations costs what a page of 10 costs."""

from datetime import date

import pytest

from sxvis.registry import circumstances, enrollments, persons
from sxvis.registry.enums import CircumstanceCategory, HouseholdRelation, ResidenceStatus, Sex
from sxvis.registry.persons import HouseholdPlacement, NewPerson
from tests.conftest import Api
from tests.documents import PERSONS_NESTED
from tests.factories import WORKER

SERVICES = [("01-09-15-00", "DOST-BAKI-1"), ("09-03-00-00", "SXA"), ("01-09-07-00", "DOST-GENCE")]


@pytest.fixture
async def hundred_persons(db) -> None:
    async with db.transaction() as s:
        for i in range(120):
            person = await persons.register_person(
                s,
                WORKER,
                data=NewPerson(
                    fin=f"CNT{i:04d}",
                    last_name=f"Soyad{chr(97 + i % 26)}",
                    first_name="Ad",
                    birth_date=date(1950 + i % 50, 1, 1),
                    sex=Sex.FEMALE,
                    residence_status=ResidenceStatus.CITIZEN,
                    household=HouseholdPlacement(household_id=None, relation=HouseholdRelation.HEAD),
                ),
            )
            for category in (CircumstanceCategory.ELDERLY, CircumstanceCategory.UNABLE_TO_SELF_CARE):
                await circumstances.record_circumstance(
                    s, WORKER, person_id=person.id, category=category, since=date(2021, 1, 1)
                )
            service, provider = SERVICES[i % len(SERVICES)]
            await enrollments.enroll_in_service(
                s, WORKER, person_id=person.id, service_code=service, provider_code=provider
            )


async def statements_for(api: Api, db, first: int) -> int:
    seen: list[str] = []
    listener = seen.append
    db.on_statement(listener)
    try:
        result = await api.execute(PERSONS_NESTED, first=first)
    finally:
        db.off_statement(listener)
    edges = result.ok()["persons"]["edges"]
    assert len(edges) == first
    assert all(edge["node"]["enrollments"][0]["service"]["code"] for edge in edges)
    return len(seen)


async def test_a_page_of_100_costs_the_same_statements_as_a_page_of_10(
    api: Api, db, hundred_persons: None
) -> None:
    ten = await statements_for(api, db, 10)
    hundred = await statements_for(api, db, 100)
    assert hundred == ten
    # persons, households, circumstances, enrollments, services, agencies: one each.
    assert ten <= 6


CONCURRENT_SIBLINGS = """
query Siblings($fin: String!) {
  first: persons(first: 20) { edges { node { fin household { id } enrollments { service { code } } } } }
  second: persons(first: 20, filter: {serviceCode: "01-09-15-00"}) { totalCount edges { node { fin } } }
  one: person(fin: $fin) { fin circumstances { category } enrollments { provider { code } } }
  catalogue: services { edges { node { code providers { code } requiredDocuments { nameAz } } } }
  agencies { code }
}
"""


async def test_sibling_fields_resolve_concurrently_without_sharing_a_connection(
    api: Api, hundred_persons: None
) -> None:
    # asyncpg refuses two operations at once on one connection; sharing a session would fail here.
    result = await api.execute(CONCURRENT_SIBLINGS, fin="CNT0003")
    data = result.ok()
    assert len(data["first"]["edges"]) == 20
    assert data["second"]["totalCount"] == 40
    assert data["one"]["fin"] == "CNT0003"
    assert len(data["catalogue"]["edges"]) == 4
