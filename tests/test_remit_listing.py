"""The listing of an agency without the registry-wide grant is read from its own remit, in listing order.

`persons` without a filter, for such an agency, merges the persons it registered with its active
`person_remit` rows (both in listing order, migration 0019) instead of walking the whole registry and
testing each person: the page is the same, and what it costs is the agency's own rows, not the
registry's (an NGO whose persons were all hidden from it paid 1.8 s of PostgreSQL per page on a
million persons). These tests hold the page to the rule and the statement to its bound.
"""

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import text

from sxvis.actors import Actor
from sxvis.database import Database
from sxvis.database.driver import driver_connection
from sxvis.database.scope import RowScope
from sxvis.registry import listing, persons
from sxvis.registry.enums import CircumstanceCategory
from sxvis.registry.persons import PersonFilter
from sxvis.seed.demo import seed_persons
from tests.conftest import Api
from tests.documents import (
    END_ENROLLMENT,
    ENROLL,
    PERSONS,
    RECORD_CIRCUMSTANCE,
    REGISTER_PERSON,
    UPDATE_PERSON,
)
from tests.factories import WORKER, person_input

HOME_CARE = "01-09-15-00"
OTHER_SERVICE = "01-09-07-00"
PROVIDER = "DOST-BAKI-1"
SMALL = "DSMF"  # registers nobody in the seeded registry and provides nothing there


async def register(api: Api, last_name: str, **overrides: Any) -> dict[str, Any]:
    result = await api.execute(REGISTER_PERSON, input=person_input(lastName=last_name, **overrides))
    payload = result.payload("registerPerson")
    assert payload["errors"] == [], payload["errors"]
    return payload["person"]  # type: ignore[no-any-return]


async def enroll(api: Api, person: dict[str, Any], service: str = HOME_CARE) -> str:
    result = await api.execute(
        ENROLL, input={"personId": person["id"], "serviceCode": service, "providerCode": PROVIDER}
    )
    payload = result.payload("enrollInService")
    assert payload["errors"] == [], payload["errors"]
    return payload["enrollment"]["id"]  # type: ignore[no-any-return]


async def listed(api: Api, first: int = 50) -> list[str]:
    """Every surname the caller's plain listing shows, page after page of `first`."""
    return await filtered(api, None, first)


def _dost(api: Api) -> Api:
    return api.as_("social_worker", agency="DOST")


def _provider(api: Api) -> Api:
    return api.as_("social_worker", agency=PROVIDER)


async def test_an_agency_lists_its_own_and_its_remits_persons_in_name_order(api: Api) -> None:
    await register(_provider(api), "Babayeva", sex="FEMALE", firstName="Aynur")
    enrolled = await register(_dost(api), "Abbasov", birthDate="1940-01-01")
    await enroll(_dost(api), enrolled)
    await register(_dost(api), "Cəfərov")  # DOST's alone
    assert await listed(_provider(api)) == ["Abbasov", "Babayeva"]


async def test_a_person_with_several_reasons_is_listed_once(api: Api) -> None:
    own = await register(_provider(api), "Əliyev", birthDate="1939-05-05")
    await enroll(_provider(api), own)  # registered by the provider and enrolled at it
    twice = await register(_dost(api), "Həsənov", birthDate="1938-02-02")
    await enroll(_dost(api), twice)
    await enroll(_dost(api), twice, OTHER_SERVICE)  # two enrollments, two rows of person_remit
    assert await listed(_provider(api)) == ["Əliyev", "Həsənov"]


async def test_paging_through_the_remit_shows_each_person_once_in_order(api: Api) -> None:
    names = ["Qasımov", "Abdullayev", "Zeynalov", "Çələbiyev", "Şükürov", "İsmayılov", "Məmmədov"]
    for name in names[:4]:
        await register(_provider(api), name)
    for name in names[4:]:
        await enroll(_dost(api), await register(_dost(api), name, birthDate="1941-03-03"))
    everyone = await listed(_provider(api), first=50)
    assert sorted(everyone) == sorted(names)
    assert await listed(_provider(api), first=2) == everyone
    # The Azerbaijani alphabet: Ç after C, İ after I, Q after K (before L), Ş after S.
    assert everyone == ["Abdullayev", "Çələbiyev", "İsmayılov", "Qasımov", "Məmmədov", "Şükürov", "Zeynalov"]


async def test_an_ended_enrollment_takes_the_person_out_of_the_listing(api: Api) -> None:
    person = await register(_dost(api), "Quliyev", birthDate="1940-01-01")
    enrollment = await enroll(_dost(api), person)
    assert await listed(_provider(api)) == ["Quliyev"]
    ended = await _dost(api).execute(END_ENROLLMENT, input={"id": enrollment, "reason": "PERSON_WITHDREW"})
    assert ended.payload("endEnrollment")["errors"] == []
    assert await listed(_provider(api)) == []


async def test_a_protected_person_hidden_from_the_agency_is_not_listed(api: Api) -> None:
    person = await register(_dost(api), "Rəhimova", sex="FEMALE", firstName="Leyla", protected=True)
    await enroll(_dost(api), person)
    await register(_provider(api), "Sadıqov")
    assert await listed(_provider(api)) == ["Sadıqov"]
    assert await listed(_dost(api)) == ["Rəhimova"]


async def test_a_renamed_person_moves_in_the_remit_listing(api: Api, db: Database) -> None:
    person = await register(_dost(api), "Zeynalov", birthDate="1940-01-01")
    await enroll(_dost(api), person)
    await register(_provider(api), "Məmmədov")
    assert await listed(_provider(api)) == ["Məmmədov", "Zeynalov"]
    renamed = await _dost(api).execute(UPDATE_PERSON, input={"id": person["id"], "lastName": "Abdullayev"})
    assert renamed.payload("updatePerson")["errors"] == []
    assert await listed(_provider(api)) == ["Abdullayev", "Məmmədov"]
    async with db.session() as session:
        stale = await session.scalar(
            text(
                "SELECT count(*) FROM person_remit r JOIN persons p ON p.id = r.person_id"
                " WHERE r.sort_key <> p.sort_key"
            )
        )
    assert stale == 0


async def test_the_listing_of_a_small_remit_reads_its_own_rows_not_the_registry(
    api: Api, db: Database, app_database: Database
) -> None:
    await seed_persons(db, count=3000, seed=7, batch_size=1000)
    await register(api.as_("social_worker", agency=SMALL), "Nəsibov")
    async with db.session() as session:
        await session.execute(text("ANALYZE persons"))
        await session.execute(text("ANALYZE person_remit"))
    remit_listing = await _persons_rows_read(app_database, persons._REMIT_LISTING_FIRST, [SMALL, "u", 51])
    registry_walk = await _persons_rows_read(app_database, persons._LISTING_FIRST, [SMALL, False, "u", 51])
    assert remit_listing <= 5
    assert registry_walk >= 3000  # the plan this replaced, for comparison: every person tested


async def _persons_rows_read(app: Database, sql: str, args: list[object]) -> int:
    """Rows of `persons` the statement's plan read (returned or filtered out, over all loops), run as
    the application's role in the agency's scope, on the generic plan the listing runs on."""
    async with app.scoped(RowScope(agency=str(args[0])), generic_plans=True) as connection:
        raw = await driver_connection(connection)
        [plan] = await raw.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
    return _rows_read(json.loads(plan) if isinstance(plan, str) else plan, "persons")


def _rows_read(plan: dict[str, Any], relation: str) -> int:
    node = plan.get("Plan", plan)
    own = 0
    if node.get("Relation Name") == relation:
        loops = node.get("Actual Loops", 1)
        own = int((node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops)
    return own + sum(_rows_read(child, relation) for child in node.get("Plans", []))


# Filtered pages: the remit or a category is the range walked (`sxvis.registry.listing`).


async def record(api: Api, person: dict[str, Any], category: str, until: str | None = None) -> None:
    circumstance = {"personId": person["id"], "category": category, "since": "2020-01-01"}
    if until is not None:
        circumstance["until"] = until
    result = await api.execute(RECORD_CIRCUMSTANCE, input=circumstance)
    assert result.payload("recordCircumstance")["errors"] == []


async def filtered(api: Api, filter: dict[str, Any] | None, first: int = 50) -> list[str]:
    """Every surname the caller's listing with `filter` shows, page after page of `first`; every
    page's `totalCount` is checked to be how many that is (the count reads the range the page walks)."""
    names: list[str] = []
    counts: set[int] = set()
    after = None
    while True:
        page = (await api.execute(PERSONS, filter=filter, first=first, after=after)).ok()["persons"]
        names += [edge["node"]["lastName"] for edge in page["edges"]]
        counts.add(page["totalCount"])
        if not page["pageInfo"]["hasNextPage"]:
            assert counts == {len(names)}, f"totalCount {counts} for {len(names)} persons listed"
            return names
        after = page["pageInfo"]["endCursor"]


async def test_a_filtered_page_of_an_agency_shows_only_its_remits_matches(api: Api) -> None:
    await register(_provider(api), "Babayev", regionCode="AZ-01")
    await register(_provider(api), "Vəliyev", regionCode="AZ-04", districtCode=None)
    enrolled = await register(_dost(api), "Abbasov", birthDate="1940-01-01", regionCode="AZ-01")
    await enroll(_dost(api), enrolled)
    await register(_dost(api), "Cəfərov", regionCode="AZ-01")  # DOST's alone
    assert await filtered(_provider(api), {"region": "AZ-01"}, first=1) == ["Abbasov", "Babayev"]


async def test_a_large_remits_filtered_page_is_the_same_on_postgresqls_own_plan(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(_provider(api), "Babayev", regionCode="AZ-01")
    enrolled = await register(_dost(api), "Abbasov", birthDate="1940-01-01", regionCode="AZ-01")
    await enroll(_dost(api), enrolled)
    await register(_dost(api), "Cəfərov", regionCode="AZ-01")  # DOST's alone
    walked: list[str | None] = []
    real = listing.choose

    async def spy(*args: Any) -> str | None:
        walked.append(await real(*args))
        return walked[-1]

    monkeypatch.setattr(listing, "choose", spy)
    monkeypatch.setattr(listing, "SMALL_REMIT", 0)  # as if the remit were large
    assert await filtered(_provider(api), {"region": "AZ-01"}, first=1) == ["Abbasov", "Babayev"]
    assert set(walked) == {None}  # the registry, under PostgreSQL's plan, the remit tested per person


async def test_a_category_lists_each_person_with_it_once_in_name_order(api: Api) -> None:
    dost = _dost(api)
    names = ["Şahbazov", "Əhmədov", "Quliyev", "Babayev", "Həsənov"]
    for name in names:
        person = await register(dost, name, birthDate="1940-01-01")
        await record(dost, person, "ELDERLY")
        if name == "Quliyev":
            await record(dost, person, "ELDERLY")  # a second record of the same circumstance
    await record(dost, await register(dost, "Kazımov", birthDate="1940-01-01"), "HOMELESS")
    expected = ["Babayev", "Əhmədov", "Həsənov", "Quliyev", "Şahbazov"]
    assert await filtered(api, {"category": "ELDERLY"}) == expected  # SXA: the registry's whole range
    assert await filtered(api, {"category": "ELDERLY"}, first=2) == expected
    assert await filtered(dost, {"category": "ELDERLY"}, first=2) == expected


async def test_a_protected_person_with_a_category_twice_is_listed_once_to_their_protector(api: Api) -> None:
    # SXA reads the whole registry: its page of a category tests each row for disclosure alone.
    person = await register(api, "Rəhimova", sex="FEMALE", firstName="Leyla", protected=True)
    await record(api, person, "ELDERLY")
    await record(api, person, "ELDERLY")
    await record(api, await register(api, "Babayev", birthDate="1940-01-01"), "ELDERLY")
    assert await filtered(api, {"category": "ELDERLY"}) == ["Babayev", "Rəhimova"]


async def test_an_ended_circumstance_no_longer_lists_the_person(api: Api) -> None:
    dost = _dost(api)
    await record(
        dost, await register(dost, "Musayev", birthDate="1940-01-01"), "HOMELESS", until="2021-01-01"
    )
    await record(dost, await register(dost, "Nəbiyev", birthDate="1941-01-01"), "HOMELESS")
    assert await filtered(api, {"category": "HOMELESS"}) == ["Nəbiyev"]


async def test_an_agency_gets_the_same_page_whichever_range_it_walks(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    dost = _dost(api)
    for name in ("Rəsulov", "Ağayev", "Tağıyev"):
        person = await register(dost, name, birthDate="1940-01-01")
        await record(dost, person, "ELDERLY")
        if name != "Tağıyev":
            await enroll(dost, person)
    await record(_provider(api), await register(_provider(api), "Kərimov", birthDate="1939-01-01"), "ELDERLY")
    await register(_provider(api), "Lətifov")
    expected = ["Ağayev", "Kərimov", "Rəsulov"]
    assert await filtered(_provider(api), {"category": "ELDERLY"}, first=2) == expected  # the remit, small
    monkeypatch.setattr(listing, "SMALL_REMIT", 0)  # as if the remit were large: the category is walked
    assert await filtered(_provider(api), {"category": "ELDERLY"}, first=2) == expected


async def test_a_category_hidden_from_the_reader_reads_its_own_rows_not_the_registry(
    db: Database, app_database: Database
) -> None:
    await seed_persons(db, count=3000, seed=7, batch_size=1000)
    async with db.session() as session:
        victims = await session.scalar(
            text("SELECT count(*) FROM circumstances WHERE category = 'DOMESTIC_VIOLENCE_VICTIM'")
        )
        hidden = await session.scalar(
            text(
                "SELECT count(*) FROM circumstances c JOIN persons p ON p.id = c.person_id"
                " WHERE c.category = 'DOMESTIC_VIOLENCE_VICTIM' AND p.protected"
            )
        )
        await session.execute(text("ANALYZE"))
    assert victims
    assert victims == hidden  # every victim protected (the seed's rule): none is listed to SXA
    filter = PersonFilter(category=CircumstanceCategory.DOMESTIC_VIOLENCE_VICTIM)
    read = await _page_rows_read(app_database, WORKER, filter)
    assert read <= 3 * victims  # each of its persons looked at (and row security asks again)
    assert read < 3000 / 10


async def _page_rows_read(app: Database, actor: Actor, filter: PersonFilter) -> int:
    """Rows of `persons` the plan of the page `find_persons` runs read, as the application runs it
    (its role, the actor's scope); the access event the EXPLAIN writes is rolled back."""
    seen: list[Any] = []
    async with app.scoped(RowScope.of(actor)) as connection:
        raw = await driver_connection(connection)
        raw.add_query_logger(seen.append)
        page = await persons.find_persons(connection, actor, filter=filter, first=50)
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
        raw.remove_query_logger(seen.append)
        assert page.items == []
        [statement] = [q for q in seen if "access_events" in q.query]
        await raw.execute("SAVEPOINT explained")
        [plan] = await raw.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement.query}", *statement.args)
        await raw.execute("ROLLBACK TO SAVEPOINT explained")
    return _rows_read(json.loads(plan) if isinstance(plan, str) else plan, "persons")


# The copies of a person's sort key stay the person's (migrations 0019, 0020).


async def _stale_copies(db: Database) -> int:
    async with db.session() as session:
        stale = await session.scalar(
            text(
                "SELECT (SELECT count(*) FROM person_remit r JOIN persons p ON p.id = r.person_id"
                "         WHERE r.sort_key <> p.sort_key)"
                " + (SELECT count(*) FROM circumstances c JOIN persons p ON p.id = c.person_id"
                "    WHERE c.sort_key <> p.sort_key)"
            )
        )
    return int(stale or 0)


async def test_a_circumstance_moved_to_another_person_takes_that_persons_sort_key(
    api: Api, db: Database
) -> None:
    dost = _dost(api)
    first = await register(dost, "Zülfüqarov", birthDate="1940-01-01")
    await register(dost, "Abbasova", sex="FEMALE", firstName="Gülnarə", birthDate="1941-01-01")
    await record(dost, first, "ELDERLY")
    async with db.transaction() as session:  # as a merge moves a merged person's records
        await session.execute(
            text("UPDATE circumstances SET person_id = (SELECT id FROM persons WHERE last_name = 'Abbasova')")
        )
    assert await _stale_copies(db) == 0
    assert await filtered(api, {"category": "ELDERLY"}) == ["Abbasova"]


async def test_a_renamed_persons_circumstances_follow_the_new_name(api: Api, db: Database) -> None:
    dost = _dost(api)
    person = await register(dost, "Zeynalov", birthDate="1940-01-01")
    await record(dost, person, "ELDERLY")
    await record(dost, await register(dost, "Məmmədov", birthDate="1941-01-01"), "ELDERLY")
    renamed = await dost.execute(UPDATE_PERSON, input={"id": person["id"], "lastName": "Abdullayev"})
    assert renamed.payload("updatePerson")["errors"] == []
    assert await _stale_copies(db) == 0
    assert await filtered(api, {"category": "ELDERLY"}) == ["Abdullayev", "Məmmədov"]
