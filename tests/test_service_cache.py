"""The process's copy of the service passports (sxvis.catalogue.cache): what a page of enrollments reads
its services from."""

from sqlalchemy import text

from sxvis.catalogue.cache import ServiceCache
from sxvis.database import Database

HOME_CARE = "01-09-15-00"
DOMESTIC_VIOLENCE = "09-03-00-00"


async def rename(database: Database, code: str, name: str) -> None:
    async with database.transaction() as session:
        await session.execute(
            text("UPDATE services SET name_az = :name WHERE code = :code"), {"name": name, "code": code}
        )


async def test_it_gives_the_passports_asked_for_and_leaves_out_codes_no_passport_has(
    database: Database,
) -> None:
    found = await ServiceCache(database).get_many([HOME_CARE, DOMESTIC_VIOLENCE, "00-00-00-99"])
    assert set(found) == {HOME_CARE, DOMESTIC_VIOLENCE}
    assert found[HOME_CARE].code == HOME_CARE


async def test_a_change_to_a_passport_is_seen_once_the_copy_is_older_than_its_ttl(database: Database) -> None:
    fresh, stale = ServiceCache(database, ttl=0.0), ServiceCache(database, ttl=3600.0)
    before = (await stale.get_many([HOME_CARE]))[HOME_CARE].name_az
    try:
        await rename(database, HOME_CARE, "Evdə qulluq (yeni ad)")
        assert (await fresh.get_many([HOME_CARE]))[HOME_CARE].name_az == "Evdə qulluq (yeni ad)"
        assert (await stale.get_many([HOME_CARE]))[HOME_CARE].name_az == before
    finally:
        await rename(database, HOME_CARE, before)
