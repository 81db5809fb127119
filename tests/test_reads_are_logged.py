"""Every read of personal data is logged before the data leaves, and fails when it cannot be (issue 3,
items 9 and 11; DESIGN, "Access log")."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from strawberry import relay

from sxvis.database import Database
from tests.conftest import Api
from tests.documents import ENROLL, PERSON_BY_FIN, PERSON_BY_ID, PERSONS, REGISTER_PERSON
from tests.factories import person_input


async def register(api: Api, **overrides: Any) -> dict[str, Any]:
    payload = (await api.execute(REGISTER_PERSON, input=person_input(**overrides))).payload("registerPerson")
    assert payload["errors"] == []
    return payload["person"]  # type: ignore[no-any-return]


def uuid_of(person: dict[str, Any]) -> str:
    return relay.GlobalID.from_id(person["id"]).node_id


async def events(db: Database, where: str = "true", **params: Any) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        rows = await session.execute(
            text(f"SELECT * FROM access_events WHERE {where} ORDER BY id"),
            params,
        )
        return [dict(row._mapping) for row in rows]


@asynccontextmanager
async def log_unwritable(db: Database) -> AsyncIterator[None]:
    """The app role may not write access events while the block runs. The role may insert only some
    columns (migration 0017): exactly those are given back after, since a table-wide GRANT would let
    it choose an event's id and time in the tests that follow."""
    async with db.transaction() as session:
        columns = (
            await session.execute(
                text(
                    "SELECT string_agg(quote_ident(column_name), ', ')"
                    " FROM information_schema.column_privileges WHERE table_name = 'access_events'"
                    " AND grantee = 'sxvis_app' AND privilege_type = 'INSERT'"
                )
            )
        ).scalar_one()
        await session.execute(text("REVOKE INSERT ON access_events FROM sxvis_app"))
    try:
        yield
    finally:
        async with db.transaction() as session:
            await session.execute(text(f"GRANT INSERT ({columns}) ON access_events TO sxvis_app"))


async def test_a_search_records_the_ids_of_the_persons_it_showed(api: Api, db: Database) -> None:
    shown = [await register(api, lastName="Axtarılan") for _ in range(3)]
    await register(api, lastName="Başqası")
    result = await api.execute(PERSONS, filter={"text": "Axtarılan"}, first=2)
    returned = [edge["node"]["id"] for edge in result.ok()["persons"]["edges"]]
    assert len(returned) == 2
    search = (await events(db, "action = 'person:search'"))[-1]
    assert sorted(str(p) for p in search["person_ids"]) == sorted(
        relay.GlobalID.from_id(gid).node_id for gid in returned
    )
    assert {uuid_of(p) for p in shown} >= {str(p) for p in search["person_ids"]}


async def test_a_read_by_fin_records_who_read_whom_why_and_through_which_operation(
    api: Api, db: Database
) -> None:
    person = await register(api)
    reader = api.as_("partner_agency", agency="SXA", headers={"X-Purpose-Of-Use": "ELIGIBILITY_CHECK"})
    await reader.execute(
        "query CheckFin($fin: String!) { person(fin: $fin) { fin phone } }", fin=person["fin"]
    )
    # Only this person's reads: the append-only log keeps other tests' reads by the same test user.
    (event,) = await events(
        db,
        "action = 'person:read' AND actor_agency = 'SXA' AND actor_user = :u AND person_id = :p",
        u=reader.user,
        p=uuid.UUID(uuid_of(person)),
    )
    assert str(event["person_id"]) == uuid_of(person)
    assert event["actor_roles"] == ["partner_agency"]
    assert event["purpose"] == "ELIGIBILITY_CHECK"
    assert event["operation_name"] == "CheckFin"
    assert event["fields"] == ["fin", "phone"]
    assert event["outcome"] == "ALLOWED"
    assert event["request_id"]


async def test_fields_asked_through_fragments_and_aliases_are_recorded_by_their_own_names(
    api: Api, db: Database
) -> None:
    person = await register(api)
    reader = api.as_("social_worker", agency="SXA", user=f"fragments-{uuid.uuid4().hex[:8]}")
    document = """
    query Fragmented($fin: String!) {
      person(fin: $fin) {
        __typename
        ...Identity
        ... on Person { telephone: phone }
      }
    }
    fragment Identity on Person { fin lastName }
    """
    assert (await reader.execute(document, fin=person["fin"])).ok()["person"]["fin"] == person["fin"]
    (event,) = await events(db, "action = 'person:read' AND actor_user = :u", u=reader.user)
    assert event["fields"] == ["fin", "lastName", "phone"]


async def test_without_a_purpose_header_the_roles_default_purpose_is_recorded(api: Api, db: Database) -> None:
    person = await register(api)
    await api.execute(PERSON_BY_ID, id=person["id"])
    event = (await events(db, "action = 'person:read'"))[-1]
    assert event["operation_name"] == "ById"
    assert event["purpose"] == "SERVICE_DELIVERY"


async def test_an_unknown_purpose_is_refused_with_a_clear_message(api: Api) -> None:
    caller = api.as_("social_worker", headers={"X-Purpose-Of-Use": "CURIOSITY"})
    response = await caller.client.post(
        "/graphql", json={"query": "{ agencies { code } }"}, headers=caller.headers
    )
    assert response.status_code == 400
    assert "CURIOSITY" in response.text
    assert "SERVICE_DELIVERY" in response.text


async def test_nested_reads_are_logged_with_the_persons_they_covered(api: Api, db: Database) -> None:
    person = await register(api)
    document = "query D($id: ID!) { person(id: $id) { circumstances { category } enrollments { id } } }"
    await api.execute(document, id=person["id"])
    logged = {
        e["action"] for e in await events(db, ":p = ANY(person_ids) OR person_id = :p", p=uuid_of(person))
    }
    assert {"person:read", "person:register"} <= logged


async def test_a_read_of_a_persons_one_enrollment_names_it_like_any_other_read_of_one_row(
    api: Api, db: Database
) -> None:
    person = await register(api)
    enrolled = await api.execute(
        ENROLL, input={"personId": person["id"], "serviceCode": "01-09-15-00", "providerCode": "DOST-BAKI-1"}
    )
    enrollment = enrolled.payload("enrollInService")["enrollment"]
    await api.execute("query E($id: ID!) { person(id: $id) { enrollments { id } } }", id=person["id"])
    (event,) = await events(db, "action = 'enrollment:read' AND :p = ANY(person_ids)", p=uuid_of(person))
    assert event["entity_id"] == relay.GlobalID.from_id(enrollment["id"]).node_id
    assert event["details"] == {"enrollments": 1}


async def test_when_the_log_cannot_be_written_the_request_fails_and_shows_nothing(
    api: Api, db: Database
) -> None:
    person = await register(api)
    async with log_unwritable(db):
        by_id = await api.execute(PERSON_BY_ID, id=person["id"])
        by_fin = await api.execute(PERSON_BY_FIN, fin=person["fin"])
        listing = await api.execute(PERSONS, first=10)
    for result in (by_id, by_fin, listing):
        assert result.errors, result.body
        assert person["fin"] not in str(result.body)
        assert person["lastName"] not in str(result.body)


async def test_a_failed_write_leaves_no_change_when_its_event_cannot_be_written(
    api: Api, db: Database
) -> None:
    async with log_unwritable(db):
        result = await api.execute(REGISTER_PERSON, input=person_input(fin="NOLOG01"))
    assert result.errors
    async with db.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM persons"))).scalar_one() == 0


async def test_a_denial_is_forbidden_with_what_is_missing_and_is_logged(api: Api, db: Database) -> None:
    partner = api.as_("partner_agency", agency="DIN", user="denied-partner")
    result = await partner.execute(REGISTER_PERSON, input=person_input())
    (error,) = result.errors
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "person:register" in error["message"]
    (event,) = await events(db, "outcome = 'DENIED' AND actor_user = 'denied-partner'")
    assert (event["actor_agency"], event["action"]) == ("DIN", "person:register")
    assert "person:register" in event["reason"]


async def test_a_search_records_the_fields_it_showed(api: Api, db: Database) -> None:
    await register(api, lastName="Sahəli")
    reader = api.as_("social_worker", agency="SXA", user=f"searcher-{uuid.uuid4().hex[:8]}")
    document = """
    query Find { persons(filter: {text: "Sahəli"}, first: 5) {
      totalCount edges { cursor node { ...Who birthDate } }
    } }
    fragment Who on Person { fin lastName }
    """
    assert (await reader.execute(document)).ok()["persons"]["totalCount"] == 1
    (event,) = await events(db, "action = 'person:search' AND actor_user = :u", u=reader.user)
    assert event["fields"] == ["fin", "lastName", "birthDate"]


async def test_a_listing_records_the_fields_it_showed(api: Api, db: Database) -> None:
    await register(api)
    reader = api.as_("social_worker", agency="SXA", user=f"lister-{uuid.uuid4().hex[:8]}")
    await reader.execute("{ persons(first: 5) { edges { node { id phone } } } }")
    (event,) = await events(db, "action = 'person:read' AND actor_user = :u", u=reader.user)
    assert event["fields"] == ["id", "phone"]


async def test_a_person_read_through_a_referral_records_the_fields_shown(api: Api, db: Database) -> None:
    dost = api.as_("social_worker", agency="DOST")
    person = (await dost.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")["person"]
    created = await dost.execute(
        'mutation($p: ID!) { createReferral(input: {personId: $p, toAgencyCode: "DSMF", reason: "aid",'
        ' urgency: ROUTINE, idempotencyKey: "fields-through-referral"}) { referral { id } } }',
        p=person["id"],
    )
    referral_id = created.payload("createReferral")["referral"]["id"]
    reader = api.as_("social_worker", agency="DSMF", user=f"receiver-{uuid.uuid4().hex[:8]}")
    document = "query R($r: ID!) { referral(id: $r) { status person { fin phone } } }"
    assert (await reader.execute(document, r=referral_id)).ok()["referral"]["person"]["fin"] == person["fin"]
    (event,) = await events(db, "action = 'person:read' AND actor_user = :u", u=reader.user)
    assert event["fields"] == ["fin", "phone"]
    assert str(event["person_ids"][0]) == uuid_of(person)


async def test_a_person_asked_again_for_other_fields_is_logged_again(api: Api, db: Database) -> None:
    dost = api.as_("social_worker", agency="DOST")
    person = (
        await dost.execute(REGISTER_PERSON, input=person_input(household={"relation": "HEAD"}))
    ).payload("registerPerson")["person"]
    reader = api.as_("social_worker", agency="DOST", user=f"twice-{uuid.uuid4().hex[:8]}")
    document = """
    query Twice($h: ID!) { household(id: $h) { head { id } members { person { fin email } } } }
    """
    assert (await reader.execute(document, h=person["household"]["id"])).ok()["household"]["head"]
    logged = await events(db, "action = 'person:read' AND actor_user = :u", u=reader.user)
    assert sorted(tuple(e["fields"]) for e in logged) == [("fin", "email"), ("id",)]


async def test_a_referrals_history_is_logged_with_the_fields_shown(api: Api, db: Database) -> None:
    dost = api.as_("social_worker", agency="DOST")
    person = (await dost.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")["person"]
    created = await dost.execute(
        'mutation($p: ID!) { createReferral(input: {personId: $p, toAgencyCode: "DSMF", reason: "aid",'
        ' urgency: ROUTINE, idempotencyKey: "history-is-logged"}) { referral { id } } }',
        p=person["id"],
    )
    referral_id = created.payload("createReferral")["referral"]["id"]
    reader = api.as_("social_worker", agency="DSMF", user=f"history-{uuid.uuid4().hex[:8]}")
    document = "query H($r: ID!) { referral(id: $r) { history { toStatus note } } }"
    assert (await reader.execute(document, r=referral_id)).ok()["referral"]["history"][0]["note"] == "aid"
    (event,) = await events(db, "entity_type = 'referral_move' AND actor_user = :u", u=reader.user)
    assert (event["action"], event["fields"]) == ("referral:read", ["toStatus", "note"])
    assert [str(p) for p in event["person_ids"]] == [uuid_of(person)]
