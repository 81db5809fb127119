"""DataLoaders of applications: a page of 100 applications with their relations (person, service,
agency, history, evidence, documents, missing documents, queue position) costs what a page of 10 costs."""

import uuid
from datetime import date

import pytest

from authz.actions import Action
from sxvis.actors import Actor
from sxvis.applications import service as applications
from sxvis.applications.enums import ApplicantKind
from sxvis.catalogue.enums import ApplicationForm, DocumentForm
from sxvis.checks import NoSources
from sxvis.registry import persons
from sxvis.registry.enums import ResidenceStatus, Sex
from sxvis.registry.persons import NewPerson
from tests.conftest import Api

ACTOR = Actor(
    user_id="test-worker",
    agency_code="SXA",
    roles=frozenset({"social_worker"}),
    permissions=frozenset(a.value for a in Action),
)
NESTED = """
query Page($first: Int) {
  applications(first: $first) {
    edges { node {
      id status queuePosition overdue deadlines { kind met }
      person { id fin } service { code } handlingAgency { code }
      history { action } evidence { kind status } documents { position } missingDocuments { position }
    } }
  }
}
"""


@pytest.fixture
async def hundred_applications(db) -> None:
    async with db.transaction() as s:
        for i in range(110):
            person = await persons.register_person(
                s,
                ACTOR,
                data=NewPerson(
                    fin=f"APC{i:04d}",
                    last_name="Soyad",
                    first_name="Ad",
                    birth_date=date(1950, 1, 1),
                    sex=Sex.FEMALE,
                    residence_status=ResidenceStatus.CITIZEN,
                ),
            )
            voucher = i % 2 == 0
            await applications.submit_application(
                s,
                ACTOR,
                data=applications.NewApplication(
                    service_code="01-09-07-00" if voucher else "01-09-15-00",
                    kind="REST" if voucher else None,
                    applicant_kind=ApplicantKind.SELF,
                    channel=ApplicationForm.IN_PERSON,
                    idempotency_key=uuid.uuid4().hex,
                    person_id=person.id,
                    documents=[applications.HandedIn(position=1, form=DocumentForm.COPY)]
                    if not voucher
                    else [],
                ),
                intake=applications.Intake(sources=NoSources()),
            )


async def statements_for(api: Api, db, first: int) -> int:
    seen: list[str] = []
    listener = seen.append
    db.on_statement(listener)
    try:
        result = await api.execute(NESTED, first=first)
    finally:
        db.off_statement(listener)
    edges = result.ok()["applications"]["edges"]
    assert len(edges) == first
    assert all(edge["node"]["person"]["fin"] for edge in edges)
    return len(seen)


async def test_a_page_of_100_applications_costs_the_same_statements_as_a_page_of_10(
    api: Api, db, hundred_applications: None
) -> None:
    ten = await statements_for(api, db, 10)
    hundred = await statements_for(api, db, 100)
    assert hundred == ten
