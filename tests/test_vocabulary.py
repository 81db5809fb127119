"""One vocabulary across the schema (issue 13, item 13): one name per concept, old names deprecated, not
removed; and every connection has `totalCount`."""

import uuid
from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLSchema, get_named_type

from schema.schema import build_schema
from schema.vocabulary import RENAMED
from sxvis.config import Settings
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input


@pytest.fixture(scope="module")
def graphql_schema() -> GraphQLSchema:
    schema: GraphQLSchema = build_schema(Settings())._schema
    return schema


def fields_of(schema: GraphQLSchema, type_name: str) -> dict[str, Any]:
    type_ = schema.get_type(type_name)
    assert type_ is not None, type_name
    return dict(type_.fields)  # type: ignore[attr-defined]


def test_every_connection_has_a_total_count(graphql_schema: GraphQLSchema) -> None:
    connections = [name for name in graphql_schema.type_map if name.endswith("Connection")]
    assert len(connections) >= 8
    lacking = []
    for name in connections:
        type_ = graphql_schema.type_map[name]
        assert isinstance(type_, GraphQLObjectType)
        field = type_.fields.get("totalCount")
        if field is None or not isinstance(field.type, GraphQLNonNull) or str(field.type) != "Int!":
            lacking.append(name)
    assert lacking == []


@pytest.mark.parametrize(("type_name", "old"), sorted(RENAMED))
def test_a_renamed_field_is_deprecated_in_favour_of_its_replacement_of_the_same_type(
    graphql_schema: GraphQLSchema, type_name: str, old: str
) -> None:
    new = RENAMED[(type_name, old)]
    fields = fields_of(graphql_schema, type_name)
    assert old in fields, "the old name stays until clients have moved"
    assert new in fields
    assert f"`{new}`" in (fields[old].deprecation_reason or "")
    assert fields[new].deprecation_reason is None
    assert str(fields[old].type) == str(fields[new].type)


def test_every_deprecated_name_is_listed_with_its_replacement(graphql_schema: GraphQLSchema) -> None:
    deprecated = {
        (name, field_name)
        for name, type_ in graphql_schema.type_map.items()
        if not name.startswith("__") and hasattr(type_, "fields")
        for field_name, field in type_.fields.items()
        if field.deprecation_reason
    }
    assert deprecated == set(RENAMED)


def test_an_agency_code_has_one_name(graphql_schema: GraphQLSchema) -> None:
    # A string field about an agency is its code, and says so; a field named for an agency without
    # `Code` is the Agency itself (deprecated names aside).
    offenders = []
    for name, type_ in graphql_schema.type_map.items():
        if name.startswith("__") or not hasattr(type_, "fields"):
            continue
        for field_name, field in type_.fields.items():
            if field.deprecation_reason or "agency" not in field_name.lower():
                continue
            named = get_named_type(field.type).name
            if named == "String" and not field_name.endswith(("AgencyCode", "agencyCode", "AgencyCodes")):
                offenders.append(f"{name}.{field_name}")
    assert offenders == []


# --- the old names answer what the new ones answer --------------------------------------------

CREATE = """
mutation C($input: CreateReferralInput!) { createReferral(input: $input) { referral { id } errors { code } } }
"""
HISTORY = """
query H($id: ID!) {
  referral(id: $id) {
    history { at occurredAt actorUser actorUserId actorAgencyCode }
    person { registeredBy { code } registeredByAgency { code } }
  }
}
"""
REFERRALS = """
query R($first: Int) {
  referrals(first: $first) { totalCount edges { node { id } } pageInfo { hasNextPage } }
}
"""
PERSONS = """
query P($filter: PersonFilter) { persons(filter: $filter) { totalCount } }
"""


async def make_referral(api: Api) -> str:
    dost = api.as_("social_worker", agency="DOST", user="vocab-worker")
    person = (await dost.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")["person"]
    created = await dost.execute(
        CREATE,
        input={
            "personId": person["id"],
            "toAgencyCode": "DSMF",
            "reason": "Needs targeted social assistance",
            "urgency": "ROUTINE",
            "idempotencyKey": uuid.uuid4().hex,
        },
    )
    return str(created.payload("createReferral")["referral"]["id"])


async def test_deprecated_fields_answer_what_their_replacements_answer(api: Api) -> None:
    referral_id = await make_referral(api)
    dost = api.as_("social_worker", agency="DOST", user="vocab-worker")
    found = (await dost.execute(HISTORY, id=referral_id)).ok()["referral"]
    [move] = found["history"]
    assert move["at"] == move["occurredAt"]
    assert move["actorUser"] == move["actorUserId"] == "vocab-worker"
    assert found["person"]["registeredBy"] == found["person"]["registeredByAgency"] == {"code": "DOST"}


async def test_a_deprecated_filter_field_still_filters_and_the_new_one_wins(api: Api) -> None:
    await api.execute(REGISTER_PERSON, input=person_input(regionCode="AZ-01", districtCode="AZ-01-03"))

    async def total(filter: dict[str, str]) -> int:
        return int((await api.execute(PERSONS, filter=filter)).ok()["persons"]["totalCount"])

    assert await total({"region": "AZ-01"}) == await total({"regionCode": "AZ-01"}) == 1
    assert await total({"regionCode": "AZ-99", "region": "AZ-01"}) == 0


async def test_referrals_total_count_counts_every_page_within_the_remit(api: Api) -> None:
    for _ in range(3):
        await make_referral(api)
    dost = api.as_("social_worker", agency="DOST")
    page = (await dost.execute(REFERRALS, first=1)).ok()["referrals"]
    assert page["totalCount"] == 3
    assert len(page["edges"]) == 1
    assert page["pageInfo"]["hasNextPage"]
    other = (await api.as_("social_worker", agency="DMX").execute(REFERRALS, first=1)).ok()["referrals"]
    assert other["totalCount"] == 0


async def test_the_other_connections_count_too(api: Api) -> None:
    services = (await api.execute("{ services(first: 1) { totalCount } }")).ok()["services"]
    assert services["totalCount"] >= 4  # the four passports of the sources
    notices = await api.execute("{ notices(first: 1) { totalCount } }")
    assert notices.ok()["notices"]["totalCount"] == 0
    cases = await api.as_("case_manager").execute("{ cases(first: 1) { totalCount } }")
    assert cases.ok()["cases"]["totalCount"] == 0
    auditor = api.as_("auditor", agency="VXSIDA", user="vocab-auditor")
    events = await auditor.execute(
        'query { accessLog(filter: {actorUserId: "nobody-at-all"}) { totalCount } }'
    )
    assert events.ok()["accessLog"]["totalCount"] == 0
    glass = await auditor.execute("{ breakGlassEvents(first: 1) { totalCount } }")
    assert glass.ok()["breakGlassEvents"]["totalCount"] == 0
