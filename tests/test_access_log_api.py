"""The access log through the API: an auditor asks who read a person, by whom, when, and how it ended.

The log is append-only and shared by every test, so each test finds its own events through users and
persons of its own, never by counting the whole log.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from strawberry import relay

from sxvis.database import Database
from tests.conftest import Api, Result
from tests.documents import PERSON_BY_ID, REGISTER_PERSON
from tests.factories import person_input

ACCESS_LOG = """
query Log($filter: AccessLogFilter, $first: Int, $after: String) {
  accessLog(filter: $filter, first: $first, after: $after) {
    edges {
      cursor
      node {
        occurredAt actor { user agency roles } action entityType entityId personId personIds purpose
        operationName fields outcome reason requestId
      }
    }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def forbidden(result: Result) -> bool:
    return any(e.get("extensions", {}).get("code") == "FORBIDDEN" for e in result.errors)


def auditor(api: Api, **headers: str) -> Api:
    return api.as_("auditor", agency="VXSIDA", user=unique("auditor"), headers=headers or None)


async def log(reader: Api, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await reader.execute(ACCESS_LOG, **variables)).ok()["accessLog"]
    return result


def nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


async def register(api: Api) -> str:
    person_id: str = (await api.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")[
        "person"
    ]["id"]
    return person_id


async def db_now(db: Database) -> datetime:
    async with db.connect() as conn:
        value: datetime = (await conn.execute(text("SELECT clock_timestamp()"))).scalar_one()
        return value


async def test_an_auditor_sees_who_read_a_person(api: Api) -> None:
    person = await register(api)
    reader = api.as_("partner_agency", agency="EESMN", user=unique("eesmn"))  # a registry-wide reader
    assert (await reader.execute(PERSON_BY_ID, id=person)).ok()["person"]["id"] == person

    events = nodes(await log(auditor(api), filter={"personId": person}))
    assert [(e["actor"]["user"], e["action"], e["outcome"]) for e in events] == [
        (reader.user, "person:read", "ALLOWED"),
        ("test-worker", "person:register", "ALLOWED"),
    ]
    read = events[0]
    assert read["actor"] == {"user": reader.user, "agency": "EESMN", "roles": ["partner_agency"]}
    assert read["personId"] == person
    assert read["personIds"] == [person]
    assert read["operationName"] == "ById"
    assert read["purpose"] == "SERVICE_DELIVERY"
    assert {"fin", "phone"} <= set(read["fields"])
    assert read["requestId"]


async def test_a_search_that_returned_the_person_counts_as_reading_them(api: Api) -> None:
    person = await register(api)
    searcher = api.as_("social_worker", agency="SXA", user=unique("searcher"))
    listing = "query Listing { persons(first: 100) { edges { node { id } } } }"
    shown = [e["node"]["id"] for e in (await searcher.execute(listing)).ok()["persons"]["edges"]]
    assert person in shown
    events = nodes(await log(auditor(api), filter={"personId": person, "actorId": searcher.user}))
    assert len(events) == 1
    assert events[0]["personId"] is None
    assert person in events[0]["personIds"]


async def test_filters_by_actor_agency_action_outcome_and_time(api: Api, db: Database) -> None:
    person = await register(api)
    after_registration = await db_now(db)
    reader = api.as_("social_worker", agency="EESMN", user=unique("reader"))
    await reader.execute(PERSON_BY_ID, id=person)
    await reader.execute(PERSON_BY_ID, id=person)
    refused = api.as_("auditor", agency="DOST", user=unique("refused"))
    assert forbidden(await refused.execute(PERSON_BY_ID, id=person))
    watcher = auditor(api)

    by_actor = nodes(await log(watcher, filter={"actorId": reader.user}))
    assert [(e["actor"]["user"], e["action"]) for e in by_actor] == [(reader.user, "person:read")] * 2

    by_agency = nodes(await log(watcher, filter={"personId": person, "agencyCode": "EESMN"}))
    assert [e["actor"]["agency"] for e in by_agency] == ["EESMN", "EESMN"]

    by_action = nodes(await log(watcher, filter={"personId": person, "action": "person:register"}))
    assert [e["actor"]["user"] for e in by_action] == ["test-worker"]

    denied = nodes(await log(watcher, filter={"actorId": refused.user, "outcome": "DENIED"}))
    assert [(e["action"], e["outcome"]) for e in denied] == [("person:read", "DENIED")]
    assert nodes(await log(watcher, filter={"actorId": refused.user, "outcome": "ALLOWED"})) == []

    since = nodes(await log(watcher, filter={"personId": person, "from": after_registration.isoformat()}))
    # The watcher's own reads of this person's trail are accesses to it too, and are listed.
    assert [e["action"] for e in since if e["actor"]["user"] != watcher.user] == ["person:read"] * 2
    assert {e["action"] for e in since if e["actor"]["user"] == watcher.user} == {"access_log:read"}
    before = nodes(await log(watcher, filter={"personId": person, "to": after_registration.isoformat()}))
    assert [e["action"] for e in before] == ["person:register"]


async def test_pages_newest_first_with_cursors(api: Api) -> None:
    person = await register(api)
    requests = [f"req-{uuid.uuid4().hex}" for _ in range(5)]
    user = unique("pager")
    for request in requests:
        reader = api.as_("social_worker", agency="EESMN", user=user, headers={"X-Request-Id": request})
        (await reader.execute(PERSON_BY_ID, id=person)).ok()
    watcher = auditor(api)
    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = await log(watcher, filter={"actorId": user}, first=2, after=after)
        pages.append(page["pageInfo"])
        seen += [e["requestId"] for e in nodes(page)]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(requests))
    assert [(p["hasNextPage"], p["hasPreviousPage"]) for p in pages] == [
        (True, False),
        (True, True),
        (False, True),
    ]


async def test_a_bad_cursor_or_page_size_is_bad_user_input(api: Api) -> None:
    watcher = auditor(api)
    for variables in ({"after": "not-a-cursor"}, {"first": 1000}):
        result = await watcher.execute(ACCESS_LOG, **variables)
        assert [e["extensions"]["code"] for e in result.errors] == ["BAD_USER_INPUT"]


async def test_a_partner_agency_is_forbidden_and_the_denial_is_in_the_log(api: Api) -> None:
    partner = api.as_("partner_agency", agency="DOST", user=unique("partner"))
    result = await partner.execute(ACCESS_LOG)
    assert forbidden(result)
    assert "do not permit access_log:read" in result.errors[0]["message"]
    events = nodes(await log(auditor(api), filter={"actorId": partner.user}))
    assert [(e["action"], e["outcome"], e["actor"]["agency"]) for e in events] == [
        ("access_log:read", "DENIED", "DOST")
    ]
    assert "do not permit access_log:read" in events[0]["reason"]


async def test_reading_the_log_is_itself_logged(api: Api) -> None:
    person = await register(api)
    first = auditor(api)
    shown = nodes(await log(first, filter={"personId": person}))
    assert shown  # the registration

    second = auditor(api)
    events = nodes(await log(second, filter={"actorId": first.user}))
    assert len(events) == 1
    event = events[0]
    assert (event["action"], event["entityType"], event["outcome"]) == (
        "access_log:read",
        "access_event",
        "ALLOWED",
    )
    assert event["actor"] == {"user": first.user, "agency": "VXSIDA", "roles": ["auditor"]}
    assert event["purpose"] == "AUDIT"
    assert event["operationName"] == "Log"
    assert event["personIds"] == [person]  # whose trail the page showed
    assert event["entityId"] == relay.GlobalID.from_id(person).node_id  # the person whose trail it was


async def test_the_auditors_own_event_records_the_filter(api: Api, db: Database) -> None:
    request = f"req-{uuid.uuid4().hex}"
    watcher = auditor(api, **{"X-Request-Id": request})
    await log(watcher, filter={"action": "person:register", "outcome": "ALLOWED"}, first=3)
    async with db.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT details FROM access_events WHERE request_id = :r"), {"r": request}
            )
        ).one()
    assert row.details["filter"] == {"action": "person:register", "outcome": "ALLOWED"}
    assert row.details["first"] == 3
