"""The remit: an agency sees the persons related to it, and nobody else, on every path (issue 3, item 3).

A person registered by DOST is outside the remit of the police (DIN) until something relates them. On
every path (by id, by FIN, listed, through `node`, under an enrollment or a household) the outsider gets
exactly what a person who does not exist gets, and the denial is logged all the same.
"""

import uuid
from typing import Any

from sqlalchemy import text

from schema.relay import global_id
from sxvis.database import Database
from sxvis.database.scope import RowScope
from tests.conftest import Api
from tests.documents import (
    END_ENROLLMENT,
    ENROLL,
    PERSON_BY_FIN,
    PERSON_BY_ID,
    PERSONS,
    RECORD_CIRCUMSTANCE,
    REGISTER_PERSON,
)
from tests.factories import person_input

HOME_CARE = "01-09-15-00"
NOBODY_ID = global_id("Person", uuid.UUID(int=12345))
NOBODY_FIN = "ZZZZZZ9"


async def register(api: Api, **overrides: Any) -> dict[str, Any]:
    result = await api.execute(REGISTER_PERSON, input=person_input(**overrides))
    payload = result.payload("registerPerson")
    assert payload["errors"] == [], payload["errors"]
    return payload["person"]  # type: ignore[no-any-return]


async def denials(db: Database, person_uuid: str) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT actor_user, actor_agency, action, outcome, reason FROM access_events"
                " WHERE person_id = :p AND outcome = 'DENIED' ORDER BY id"
            ),
            {"p": person_uuid},
        )
        return [dict(row._mapping) for row in rows]


def uuid_of(person: dict[str, Any]) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(person["id"]).node_id


async def test_an_agency_sees_the_person_it_registered(api: Api) -> None:
    dost = api.as_("social_worker", agency="DOST")
    person = await register(dost)
    result = await dost.execute(PERSON_BY_ID, id=person["id"])
    assert result.ok()["person"]["fin"] == person["fin"]


async def test_by_id_an_outsider_gets_what_a_missing_person_gets_and_is_logged(
    api: Api, db: Database
) -> None:
    person = await register(api.as_("social_worker", agency="DOST"))
    police = api.as_("partner_agency", agency="DIN")
    hidden = await police.execute(PERSON_BY_ID, id=person["id"])
    missing = await police.execute(PERSON_BY_ID, id=NOBODY_ID)
    assert hidden.status == missing.status == 200
    assert hidden.body == missing.body == {"data": {"person": None}}
    logged = await denials(db, uuid_of(person))
    assert [(d["actor_agency"], d["action"]) for d in logged] == [("DIN", "person:read")]


async def test_by_fin_an_outsider_gets_what_a_missing_person_gets_and_is_logged(
    api: Api, db: Database
) -> None:
    person = await register(api.as_("social_worker", agency="DOST"))
    police = api.as_("partner_agency", agency="DIN")
    hidden = await police.execute(PERSON_BY_FIN, fin=person["fin"])
    missing = await police.execute(PERSON_BY_FIN, fin=NOBODY_FIN)
    assert hidden.body == missing.body == {"data": {"person": None}}
    assert len(await denials(db, uuid_of(person))) == 1


async def test_through_node_an_outsider_gets_null_and_is_logged(api: Api, db: Database) -> None:
    person = await register(api.as_("social_worker", agency="DOST"))
    police = api.as_("partner_agency", agency="DIN")
    document = "query N($id: ID!) { node(id: $id) { id ... on Person { fin } } }"
    hidden = await police.execute(document, id=person["id"])
    missing = await police.execute(document, id=NOBODY_ID)
    assert hidden.body == missing.body == {"data": {"node": None}}
    assert len(await denials(db, uuid_of(person))) == 1


async def test_persons_lists_and_counts_only_the_remit(api: Api) -> None:
    dost = api.as_("social_worker", agency="DOST")
    await register(dost, lastName="Remitova")
    await register(api.as_("social_worker", agency="DSMF"), lastName="Remitova")
    for caller, expected in ((dost, 1), (api.as_("social_worker", agency="DSMF"), 1), (api, 2)):
        result = await caller.execute(PERSONS, filter={"text": "Remitova"}, first=10)
        connection = result.ok()["persons"]
        assert len(connection["edges"]) == expected
        assert connection["totalCount"] == expected


async def test_an_active_enrollment_brings_the_person_into_the_providers_remit(api: Api) -> None:
    dost = api.as_("social_worker", agency="DOST")
    person = await register(dost, birthDate="1940-01-01")
    provider = api.as_("social_worker", agency="DOST-BAKI-1")
    assert (await provider.execute(PERSON_BY_ID, id=person["id"])).ok()["person"] is None
    enrolled = await dost.execute(
        ENROLL, input={"personId": person["id"], "serviceCode": HOME_CARE, "providerCode": "DOST-BAKI-1"}
    )
    enrollment = enrolled.payload("enrollInService")["enrollment"]
    assert (await provider.execute(PERSON_BY_ID, id=person["id"])).ok()["person"]["fin"] == person["fin"]
    ended = await dost.execute(END_ENROLLMENT, input={"id": enrollment["id"], "reason": "PERSON_WITHDREW"})
    assert ended.payload("endEnrollment")["errors"] == []
    assert (await provider.execute(PERSON_BY_ID, id=person["id"])).ok()["person"] is None


async def test_nested_under_an_enrollment_an_outsider_gets_nothing(api: Api) -> None:
    dost = api.as_("social_worker", agency="DOST")
    person = await register(dost, birthDate="1940-01-01")
    enrolled = await dost.execute(
        ENROLL, input={"personId": person["id"], "serviceCode": HOME_CARE, "providerCode": "DOST-BAKI-1"}
    )
    enrollment_id = enrolled.payload("enrollInService")["enrollment"]["id"]
    document = "query E($id: ID!) { node(id: $id) { ... on Enrollment { id person { fin } } } }"
    police = api.as_("partner_agency", agency="DIN")
    assert (await police.execute(document, id=enrollment_id)).body == {"data": {"node": None}}
    provider = api.as_("social_worker", agency="DOST-BAKI-1")
    seen = (await provider.execute(document, id=enrollment_id)).ok()["node"]
    assert seen["person"]["fin"] == person["fin"]


async def test_a_household_shows_only_the_members_in_the_remit(api: Api) -> None:
    dost = api.as_("social_worker", agency="DOST")
    head = await register(dost, household={"relation": "HEAD"})
    household_id = (
        await dost.execute(PERSON_BY_ID.replace("age", "age household { id }"), id=head["id"])
    ).ok()["person"]["household"]["id"]
    member = await register(
        dost, household={"householdId": household_id, "relation": "SPOUSE"}, birthDate="1941-02-02"
    )
    await dost.execute(
        ENROLL, input={"personId": member["id"], "serviceCode": HOME_CARE, "providerCode": "DOST-BAKI-1"}
    )
    document = (
        "query H($id: ID!) { household(id: $id) { id head { fin } members { relation person { fin } } } }"
    )
    provider = api.as_("social_worker", agency="DOST-BAKI-1")
    seen = (await provider.execute(document, id=household_id)).ok()["household"]
    assert seen["head"] is None
    assert [m["person"]["fin"] for m in seen["members"]] == [member["fin"]]
    police = api.as_("partner_agency", agency="DIN")
    assert (await police.execute(document, id=household_id)).ok()["household"] is None


async def test_a_registry_wide_agency_sees_every_person(api: Api) -> None:
    person = await register(api.as_("social_worker", agency="DOST"))
    for agency in ("SXA", "EESMN", "VXSIDA"):
        seen = await api.as_("social_worker", agency=agency).execute(PERSON_BY_ID, id=person["id"])
        assert seen.ok()["person"]["fin"] == person["fin"], agency


async def test_a_partner_agency_sees_no_contact_details_and_no_address_line(api: Api) -> None:
    person = await register(api.as_("social_worker", agency="DOST"))
    seen = (await api.as_("partner_agency", agency="SXA").execute(PERSON_BY_ID, id=person["id"])).ok()[
        "person"
    ]
    assert seen["fin"] == person["fin"]
    assert (seen["phone"], seen["email"], seen["addressLine"]) == (None, None, None)
    assert (seen["regionCode"], seen["districtCode"]) == (person["regionCode"], person["districtCode"])


async def test_an_outsider_cannot_change_a_person_and_learns_nothing(api: Api) -> None:
    person = await register(api.as_("social_worker", agency="DOST"))
    outsider = api.as_("social_worker", agency="DSMF")
    changed = await outsider.execute(
        "mutation U($input: UpdatePersonInput!) { updatePerson(input: $input) { errors { field code } } }",
        input={"id": person["id"], "phone": "+994 50 000 00 00"},
    )
    missing = await outsider.execute(
        "mutation U($input: UpdatePersonInput!) { updatePerson(input: $input) { errors { field code } } }",
        input={"id": NOBODY_ID, "phone": "+994 50 000 00 00"},
    )
    assert changed.body == missing.body
    assert changed.payload("updatePerson")["errors"] == [{"field": "id", "code": "NOT_FOUND"}]


class TestRowLevelSecurity:
    """The second line: the app's database role sees only the remit, whatever the query."""

    async def test_the_app_role_is_no_superuser_has_no_bypassrls_and_owns_nothing(
        self, app_database: Database
    ) -> None:
        async with app_database.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT r.rolsuper, r.rolbypassrls,"
                        " (SELECT count(*) FROM pg_tables"
                        "  WHERE schemaname = 'public' AND tableowner = current_user)"
                        " FROM pg_roles r WHERE r.rolname = current_user"
                    )
                )
            ).one()
        assert tuple(row) == (False, False, 0)

    async def test_every_table_about_persons_forces_row_level_security(self, db: Database) -> None:
        async with db.transaction() as session:
            rows = await session.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
                    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'person_id'"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relispartition"
                )
            )
            tables = {name: (enabled, forced) for name, enabled, forced in rows}
        assert tables, "no table with person_id found"
        assert {name for name, flags in tables.items() if flags != (True, True)} == set()

    async def test_without_a_scope_the_app_role_sees_no_person(
        self, api: Api, app_database: Database
    ) -> None:
        await register(api)
        async with app_database.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM persons"))).scalar_one() == 0

    async def test_scoped_to_an_outsider_the_app_role_sees_no_person(
        self, api: Api, app_database: Database
    ) -> None:
        await register(api.as_("social_worker", agency="DOST"))
        async with app_database.scoped_session(RowScope(agency="DIN")) as session:
            assert (await session.execute(text("SELECT count(*) FROM persons"))).scalar_one() == 0
            assert (await session.execute(text("SELECT count(*) FROM circumstances"))).scalar_one() == 0
        async with app_database.scoped_session(RowScope(agency="DOST")) as session:
            assert (await session.execute(text("SELECT count(*) FROM persons"))).scalar_one() == 1

    async def test_a_registry_wide_reader_reads_records_of_persons_without_a_lookup_of_each(
        self, api: Api, app_database: Database
    ) -> None:
        # Migration 0021: the grant is tested once per statement, before the person's visibility.
        for _ in range(3):
            person = await register(api)
            recorded = await api.execute(
                RECORD_CIRCUMSTANCE,
                input={"personId": person["id"], "category": "ELDERLY", "since": "2020-01-01"},
            )
            assert recorded.payload("recordCircumstance")["errors"] == []
        async with app_database.scoped_session(RowScope(agency="SXA", reads_all=True)) as session:
            [plan] = (
                await session.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM circumstances"))
            ).scalar_one()
        assert plan["Plan"]["Actual Rows"] == 3
        assert _persons_looked_up(plan["Plan"]) == 0
        async with app_database.scoped_session(RowScope(agency="DIN")) as session:
            assert (await session.execute(text("SELECT count(*) FROM circumstances"))).scalar_one() == 0

    async def test_an_empty_agency_setting_lets_nothing_through(
        self, api: Api, app_database: Database
    ) -> None:
        await register(api)
        async with app_database.transaction() as session:
            await session.execute(
                text("SELECT set_config('sxvis.agency', '', true), set_config('sxvis.remit', 'all', true)")
            )
            assert (await session.execute(text("SELECT count(*) FROM persons"))).scalar_one() == 0


def _persons_looked_up(node: dict[str, Any]) -> int:
    """Rows of `persons` a plan's nodes read (over all their loops)."""
    own = 0
    if node.get("Relation Name") == "persons":
        own = int(node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * node.get(
            "Actual Loops", 1
        )
    return own + sum(_persons_looked_up(child) for child in node.get("Plans", []))
