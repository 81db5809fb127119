"""Name search that works for Azerbaijani names (issue: the registry, section 6)."""

from datetime import date

import pytest
from sqlalchemy import text

from sxvis.database.scope import RowScope
from sxvis.registry import persons
from sxvis.registry.enums import ResidenceStatus, Sex
from sxvis.registry.persons import NewPerson, PersonFilter
from tests.conftest import Api
from tests.documents import PERSONS
from tests.factories import WORKER

PEOPLE = [
    ("SRCH001", "Məmmədov", "Əli", "Həsən oğlu", Sex.MALE),
    ("SRCH002", "Hüseynova", "Xədicə", "Rəşad qızı", Sex.FEMALE),
    ("SRCH003", "Cəfərov", "Şahin", "Vüqar oğlu", Sex.MALE),
    ("SRCH004", "Şükürova", "Gülnar", "Elnur qızı", Sex.FEMALE),
    ("SRCH005", "İsmayılov", "Tural", "Orxan oğlu", Sex.MALE),
    ("SRCH006", "Quliyev", "Rəşad", "Məmməd oğlu", Sex.MALE),
    ("SRCH007", "Əliyeva", "Ülviyyə", "Kərim qızı", Sex.FEMALE),
]


@pytest.fixture
async def people(db) -> None:
    async with db.transaction() as session:
        for fin, last, first, patronymic, sex in PEOPLE:
            await persons.register_person(
                session,
                WORKER,
                data=NewPerson(
                    fin=fin,
                    last_name=last,
                    first_name=first,
                    patronymic=patronymic,
                    birth_date=date(1980, 1, 1),
                    sex=sex,
                    residence_status=ResidenceStatus.CITIZEN,
                ),
            )


async def search(api: Api, text_: str) -> list[str]:
    result = await api.execute(PERSONS, filter={"text": text_})
    return [edge["node"]["fin"] for edge in result.ok()["persons"]["edges"]]


@pytest.mark.parametrize(
    ("spelling", "fin"),
    [
        ("Məmmədov", "SRCH001"),
        ("Mammadov", "SRCH001"),
        ("Mamedov", "SRCH001"),
        ("Мамедов", "SRCH001"),
        ("MƏMMƏDOV", "SRCH001"),
        ("Huseynova", "SRCH002"),
        ("Гусейнова", "SRCH002"),
        ("Khadija", "SRCH002"),
        ("Джафаров", "SRCH003"),
        ("Jafarov", "SRCH003"),
        ("Shukurova", "SRCH004"),
        ("Шукюрова", "SRCH004"),
        ("Ismayilov", "SRCH005"),
        ("Исмаилов", "SRCH005"),
        ("Guliyev", "SRCH006"),
        ("Кулиев", "SRCH006"),
        ("Aliyeva", "SRCH007"),
        ("Алиева", "SRCH007"),
    ],
)
async def test_any_usual_spelling_of_a_name_finds_the_person(
    api: Api, people: None, spelling: str, fin: str
) -> None:
    assert (await search(api, spelling))[0] == fin


async def test_search_is_case_insensitive(api: Api, people: None) -> None:
    assert await search(api, "cəfərov") == await search(api, "CƏFƏROV") == ["SRCH003"]


async def test_every_word_of_the_search_must_match(api: Api, people: None) -> None:
    assert await search(api, "Rashad Guliyev") == ["SRCH006"]
    assert await search(api, "Rashad Ismayilov") == []


async def test_a_typo_still_finds_the_person(api: Api, people: None) -> None:
    assert "SRCH005" in await search(api, "Ismailovv")


async def test_a_surname_inside_another_surname_does_not_tie_with_it(db, api: Api) -> None:
    # Every trigram of "aliav" (Əliyev) occurs in "guliav" (Quliyev); the real Əliyev must come first.
    async with db.transaction() as session:
        for fin, last in (("TIE0001", "Quliyev"), ("TIE0002", "Əliyev")):
            await persons.register_person(
                session,
                WORKER,
                data=NewPerson(
                    fin=fin,
                    last_name=last,
                    first_name="Əli",
                    birth_date=date(1980, 1, 1),
                    sex=Sex.MALE,
                    residence_status=ResidenceStatus.CITIZEN,
                ),
            )
    assert (await search(api, "Aliyev Ali"))[0] == "TIE0002"


async def test_the_closest_name_ranks_first(api: Api, people: None) -> None:
    # "Məmməd" is Rəşad Quliyev's patronymic and the root of Əli Məmmədov's surname; the full surname wins.
    assert (await search(api, "Mammadov"))[0] == "SRCH001"


async def test_search_counts_only_matching_persons(api: Api, people: None) -> None:
    result = await api.execute(PERSONS, filter={"text": "Huseynova"})
    assert result.ok()["persons"]["totalCount"] == 1


async def test_name_search_is_answered_from_the_trigram_index(db, people: None) -> None:
    # On a million persons a sequential scan is too slow; the plan must be able to use the GIN index.
    tokens = ["Mamedov", "Ali"]
    query = persons.select(persons.Person).where(*persons.search_conditions(tokens))
    compiled = query.compile(db.engine.sync_engine, compile_kwargs={"literal_binds": True})
    async with db.transaction() as session:
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in await session.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_persons_name_key_trgm" in plan


async def test_a_search_of_only_short_words_returns_everyone_in_name_order(db, people: None) -> None:
    async with db.session() as session:
        page = await persons.find_persons(session, WORKER, filter=PersonFilter(text="a"), first=3)
    assert [p.fin for p in page.items] == ["SRCH003", "SRCH007", "SRCH002"]  # Cəfərov, Əliyeva, Hüseynova


async def test_under_row_level_security_the_search_still_uses_the_trigram_index(
    db, app_database, people: None
) -> None:
    # RLS lets only LEAKPROOF operators reach an index before the policy is checked (migration 0004).
    tokens = ["Mamedov", "Ali"]
    query = persons.select(persons.Person).where(*persons.search_conditions(tokens))
    compiled = query.compile(db.engine.sync_engine, compile_kwargs={"literal_binds": True})
    async with app_database.scoped_session(RowScope(agency="SXA", reads_all=True)) as session:
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in await session.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_persons_name_key_trgm" in plan, plan
