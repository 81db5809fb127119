"""`referrals(filter: {personId})`: a person's referrals that the caller's agency sent or received, by the
id the caller was shown (real or pseudonymous), under the listing's remit rules and its access event."""

import uuid
from typing import Any

from sqlalchemy import text
from strawberry import relay

from sxvis.database import Database
from tests.conftest import Api
from tests.test_referrals import CREATE, register

BY_PERSON = """
query ByPerson($id: ID!) {
  referrals(filter: {personId: $id}, first: 100) {
    totalCount
    edges { node { id fromAgency { code } toAgency { code } person { id pseudonym } } }
  }
}
"""
PERSON_OF_INCOMING = (
    "query { referrals(filter: {direction: INCOMING}) { edges { node { id person { id pseudonym } } } } }"
)


async def referred(caller: Api, person_id: str, to: str, key: str) -> str:
    values = {
        "personId": person_id,
        "toAgencyCode": to,
        "reason": "Needs help at home",
        "urgency": "ROUTINE",
        "idempotencyKey": key,
    }
    payload = (await caller.execute(CREATE, input=values)).payload("createReferral")
    assert payload["errors"] == [], payload["errors"]
    return payload["referral"]["id"]  # type: ignore[no-any-return]


def listed(result: Any) -> set[str]:
    return {edge["node"]["id"] for edge in result.ok()["referrals"]["edges"]}


async def test_the_persons_referrals_sent_and_received_by_the_agency_are_listed_and_no_other(
    api: Api,
) -> None:
    dost = api.as_("social_worker", agency="DOST", user="by-person-dost")
    dsmf = api.as_("social_worker", agency="DSMF")
    person = (await register(api))["id"]
    someone_else = (await register(api))["id"]
    sent = await referred(dost, person, "DSMF", "by-person-sent")
    received = await referred(dsmf, person, "DOST", "by-person-received")
    between_others = await referred(dsmf, person, "DIN", "by-person-others")
    await referred(dost, someone_else, "DSMF", "by-person-someone-else")
    found = await dost.execute(BY_PERSON, id=person)
    assert listed(found) == {sent, received}
    assert found.ok()["referrals"]["totalCount"] == 2
    assert between_others in listed(await dsmf.execute(BY_PERSON, id=person))


async def test_the_persons_referrals_are_read_with_the_listings_access_event(api: Api, db: Database) -> None:
    dost = api.as_("social_worker", agency="DOST", user="by-person-logged")
    person = (await register(api))["id"]
    referral = await referred(dost, person, "DSMF", "by-person-logged")
    assert listed(await dost.execute(BY_PERSON, id=person)) == {referral}
    async with db.transaction() as session:
        events = (
            await session.execute(
                text(
                    "SELECT action, entity_type, entity_id, person_ids, outcome FROM access_events"
                    " WHERE actor_user = 'by-person-logged' AND action = 'referral:read'"
                )
            )
        ).all()
    real_person = uuid.UUID(relay.GlobalID.from_id(person).node_id)
    real_referral = uuid.UUID(relay.GlobalID.from_id(referral).node_id)
    assert [tuple(e) for e in events] == [
        ("referral:read", "referral", str(real_referral), [real_person], "ALLOWED")
    ]


async def test_a_person_the_agency_may_not_see_has_no_referrals_and_no_error(api: Api) -> None:
    dost = api.as_("social_worker", agency="DOST")
    person = (await register(api))["id"]
    await referred(dost, person, "DSMF", "by-person-outsider")
    outsider = api.as_("social_worker", agency="DIN")
    hidden = (await outsider.execute(BY_PERSON, id=person)).ok()["referrals"]
    nobody = str(relay.GlobalID("Person", str(uuid.UUID(int=987654321))))
    absent = (await outsider.execute(BY_PERSON, id=nobody)).ok()["referrals"]
    assert hidden == absent == {"totalCount": 0, "edges": []}


async def test_a_protected_persons_pseudonymous_id_finds_the_referrals_of_the_protecting_agencys_partner(
    api: Api,
) -> None:
    dost = api.as_("social_worker", agency="DOST")
    victim = (await register(api, protected=True))["id"]
    referral = await referred(dost, victim, "SXA", "by-person-protected")
    sxa = api.as_("social_worker", agency="SXA")
    incoming = (await sxa.execute(PERSON_OF_INCOMING)).ok()["referrals"]["edges"]
    shown = next(edge["node"]["person"] for edge in incoming if edge["node"]["id"] == referral)
    assert shown["pseudonym"] is not None
    by_pseudonym = await sxa.execute(BY_PERSON, id=shown["id"])
    assert listed(by_pseudonym) == {referral}
    assert by_pseudonym.ok()["referrals"]["edges"][0]["node"]["person"]["id"] == shown["id"]
    by_real_id = (await sxa.execute(BY_PERSON, id=victim)).ok()["referrals"]
    assert by_real_id == {"totalCount": 0, "edges": []}  # hidden is absent: the real id names no one here
    assert listed(await dost.execute(BY_PERSON, id=victim)) == {referral}
