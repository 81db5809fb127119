"""A page of persons reads its persons' enrollments (and their services) in its own transaction, and
logs that read exactly as the per-person DataLoader would (issue 15, item 3)."""

from typing import Any

from sqlalchemy import text
from strawberry import relay

from sxvis.database import Database
from tests.conftest import Api
from tests.documents import ENROLL, REGISTER_PERSON
from tests.factories import person_input

HOME_CARE = "01-09-15-00"


async def registered(api: Api, last_name: str) -> str:
    result = await api.execute(REGISTER_PERSON, input=person_input(lastName=last_name))
    return str(result.payload("registerPerson")["person"]["id"])


async def enrolled(api: Api, person_id: str) -> None:
    values = {"personId": person_id, "serviceCode": HOME_CARE, "providerCode": "DOST-BAKI-1"}
    assert (await api.execute(ENROLL, input=values)).payload("enrollInService")["errors"] == []


async def last_event_id(db: Database) -> int:
    async with db.transaction() as session:
        found = await session.execute(text("SELECT coalesce(max(id), 0) FROM access_events"))
        return int(found.scalar_one())


async def enrollment_reads_since(db: Database, since: int) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        rows = await session.execute(
            text("SELECT * FROM access_events WHERE id > :since AND action = 'enrollment:read' ORDER BY id"),
            {"since": since},
        )
        return [dict(row._mapping) for row in rows]


def node_ids(result: Any) -> list[str]:
    return [relay.GlobalID.from_id(e["node"]["id"]).node_id for e in result.ok()["persons"]["edges"]]


PAGE = """
query Page($text: String!) {
  persons(filter: {text: $text}, first: 10) {
    edges { node { id enrollments { status note service { code nameAz } } } }
  }
}"""


async def test_a_pages_enrollments_are_one_logged_read_covering_every_person_on_it(
    api: Api, db: Database
) -> None:
    with_one = await registered(api, "Səhifəli")
    await registered(api, "Səhifəli")
    await enrolled(api, with_one)
    since = await last_event_id(db)
    result = await api.execute(PAGE, text="Səhifəli")
    shown = node_ids(result)
    assert len(shown) == 2
    enrollments = [e["node"]["enrollments"] for e in result.ok()["persons"]["edges"]]
    assert sorted(len(e) for e in enrollments) == [0, 1]
    assert next(e for e in enrollments if e)[0]["service"]["code"] == HOME_CARE
    (event,) = await enrollment_reads_since(db, since)
    # "No enrollments" is learnt about the person without one too, so both are covered.
    assert sorted(str(p) for p in event["person_ids"]) == sorted(shown)
    assert event["fields"] == ["status", "note", "service"]


async def test_a_pages_enrollment_event_counts_what_was_found_and_names_a_lone_enrollment(
    api: Api, db: Database
) -> None:
    with_one = await registered(api, "Sayılan")
    await registered(api, "Sayılan")
    values = {"personId": with_one, "serviceCode": HOME_CARE, "providerCode": "DOST-BAKI-1"}
    enrollment = (await api.execute(ENROLL, input=values)).payload("enrollInService")["enrollment"]
    since = await last_event_id(db)
    await api.execute(PAGE, text="Sayılan")
    (event,) = await enrollment_reads_since(db, since)
    assert event["details"]["enrollments"] == 1
    assert event["entity_type"] == "enrollment"
    assert event["entity_id"] == relay.GlobalID.from_id(enrollment["id"]).node_id
    assert event["person_id"] is None


async def test_a_page_with_no_persons_neither_reads_nor_logs_enrollments(api: Api, db: Database) -> None:
    since = await last_event_id(db)
    result = await api.execute(PAGE, text="Heçkimdir")
    assert result.ok()["persons"]["edges"] == []
    assert await enrollment_reads_since(db, since) == []


async def test_enrollments_skipped_by_a_directive_are_neither_read_nor_logged(api: Api, db: Database) -> None:
    await enrolled(api, await registered(api, "Atlanan"))
    since = await last_event_id(db)
    result = await api.execute(
        """query P($skip: Boolean!) {
             persons(filter: {text: "Atlanan"}) {
               edges { node { id enrollments @skip(if: $skip) { status } } }
             }
           }""",
        skip=True,
    )
    assert "enrollments" not in result.ok()["persons"]["edges"][0]["node"]
    assert await enrollment_reads_since(db, since) == []


async def test_enrollments_asked_twice_under_aliases_are_answered_and_logged_for_each(
    api: Api, db: Database
) -> None:
    await enrolled(api, await registered(api, "İkiqat"))
    since = await last_event_id(db)
    result = await api.execute(
        """{ persons(filter: {text: "İkiqat"}) { edges { node {
               active: enrollments(status: ACTIVE) { status }
               ended: enrollments(status: ENDED) { note }
           } } } }"""
    )
    node = result.ok()["persons"]["edges"][0]["node"]
    assert node["active"] == [{"status": "ACTIVE"}]
    assert node["ended"] == []
    logged = {tuple(e["fields"]) for e in await enrollment_reads_since(db, since)}
    assert logged == {("status",), ("note",)}


async def test_a_pages_enrollments_filtered_by_status_keep_only_that_status(api: Api) -> None:
    await enrolled(api, await registered(api, "Süzülən"))
    result = await api.execute(
        """{ persons(filter: {text: "Süzülən"}) {
               edges { node { ended: enrollments(status: ENDED) { status } all: enrollments { status } } }
           } }"""
    )
    node = result.ok()["persons"]["edges"][0]["node"]
    assert (node["ended"], node["all"]) == ([], [{"status": "ACTIVE"}])
    single = await api.execute(
        """{ persons(filter: {text: "Süzülən"}) {
               edges { node { enrollments(status: ACTIVE) { status } } }
           } }"""
    )
    assert single.ok()["persons"]["edges"][0]["node"]["enrollments"] == [{"status": "ACTIVE"}]
