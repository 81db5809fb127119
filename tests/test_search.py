"""Name search that works for Azerbaijani names (issue: the registry, section 6)."""

from datetime import date

import pytest
from sqlalchemy import text

from sxvis.database.driver import driver_connection
from sxvis.database.scope import RowScope
from sxvis.registry import listing, persons
from sxvis.registry import search as name_search
from sxvis.registry.enums import ResidenceStatus, Sex
from sxvis.registry.persons import NewPerson, PersonFilter
from tests.conftest import Api
from tests.documents import PERSONS, REGISTER_PERSON
from tests.factories import WORKER, person_input

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


# --- relevance (issue 15, item 2; docs/api.md, "Name search") ---------------------------------------

RANKED = [
    ("RANK001", "Məmmədov", "Əli", "Həsən oğlu", Sex.MALE),
    ("RANK002", "Məmmədov", "Əli", "Cavid oğlu", Sex.MALE),
    ("RANK003", "Мамедов", "Али", "Гасан оглы", Sex.MALE),  # the Russian-Cyrillic spelling of one name
    ("RANK004", "Məmmədov", "Əlimərdan", "Vüqar oğlu", Sex.MALE),  # a first name beginning with "Əli"
    ("RANK005", "Məmmədov", "Rəşad", "Əli oğlu", Sex.MALE),  # Əli is his father
    ("RANK006", "Quliyev", "Rəşad", "Məmməd oğlu", Sex.MALE),
    ("RANK007", "Əliyev", "Məmməd", "Kamal oğlu", Sex.MALE),
    ("RANK008", "Məmmədova", "Aygün", "Əli qızı", Sex.FEMALE),
]


@pytest.fixture
async def ranked(db) -> None:
    async with db.transaction() as session:
        for fin, last, first, patronymic, sex in RANKED:
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


@pytest.mark.parametrize(
    ("text_", "expected"),
    [
        # Exact surname and first name in any spelling, either order; ties alphabetical (Cavid before
        # Həsən; the Cyrillic record after the Latin ones), then the first-name prefix (Əlimərdan),
        # then the father's name (Rəşad Məmmədov Əli oğlu), which used to come first.
        ("Mamedov Ali", ["RANK002", "RANK001", "RANK003", "RANK004", "RANK005"]),
        ("Мамедов Али", ["RANK002", "RANK001", "RANK003", "RANK004", "RANK005"]),
        ("Əli Məmmədov", ["RANK002", "RANK001", "RANK003", "RANK004", "RANK005"]),
        ("Məmmədov Əlimərdan", ["RANK004"]),
        # A first-name prefix: every first name that begins with it, alphabetically (Cyrillic last).
        ("Mammadov Al", ["RANK002", "RANK001", "RANK004", "RANK003"]),
        # One word: the surname or first name exactly (Məmməd Əliyev's first name too), before a
        # father's name.
        ("Mammadov", ["RANK002", "RANK001", "RANK004", "RANK005", "RANK003"]),
        ("Məmməd", ["RANK007", "RANK006"]),
        # The father's name: surname and father, first name and father.
        ("Mammadova Ali", ["RANK008"]),
        ("Rashad Ali", ["RANK005"]),
        # A misspelling is corrected to the registry's closest names.
        ("Mamedof Ali", ["RANK002", "RANK001", "RANK003"]),
        # Three words: surname, first name and father's name ("oğlu" is left out).
        ("Məmmədov Əli Həsən oğlu", ["RANK001", "RANK003"]),
    ],
)
async def test_search_ranks_by_the_relevance_rules(
    api: Api, ranked: None, text_: str, expected: list[str]
) -> None:
    found = await search(api, text_)
    assert found[: len(expected)] == expected, found


async def test_a_new_name_is_added_to_the_words_misspellings_are_corrected_to(db) -> None:
    async with db.transaction() as session:
        await persons.register_person(
            session,
            WORKER,
            data=NewPerson(
                fin="WORD001",
                last_name="Zülfüqarlı",
                first_name="Nəsimi",
                birth_date=date(1980, 1, 1),
                sex=Sex.MALE,
                residence_status=ResidenceStatus.CITIZEN,
            ),
        )
        words = set((await session.execute(text("SELECT word FROM person_name_words"))).scalars())
    assert {"zulfugarli", "nasimi"} <= words


async def test_a_page_of_exact_matches_never_starts_the_later_tiers(db) -> None:
    # The cost of a common name: with a full page of exact matches the later tiers (the father's name,
    # the corrected spellings) are never executed: PostgreSQL's Append stops under the LIMIT.
    async with db.transaction() as session:
        for i in range(25):
            await persons.register_person(
                session,
                WORKER,
                data=NewPerson(
                    fin=f"COMM{i:03d}",
                    last_name="Məmmədov",
                    first_name="Əli",
                    birth_date=date(1980, 1, 1),
                    sex=Sex.MALE,
                    residence_status=ResidenceStatus.CITIZEN,
                ),
            )
    async with db.transaction() as session:
        connection = await driver_connection(session)
        words = await name_search.fold_words(connection, ["Mammadov", "Ali"])
        where, args = persons._where(session, persons._conditions(PersonFilter(), WORKER))
        sql, args = name_search.search_sql(persons._SEARCH_COLUMNS, where, args, words, offset=0, limit=21)
        plan = [r[0] for r in await connection.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", *args)]
    later = [line for line in plan if "patronymic_key on persons" in line]  # its own index or a pair's
    assert later, "\n".join(plan)
    assert all("never executed" in line for line in later), "\n".join(plan)


async def test_a_first_name_of_two_words_is_found_by_the_trigram_tier(db, api: Api) -> None:
    async with db.transaction() as session:
        await persons.register_person(
            session,
            WORKER,
            data=NewPerson(
                fin="TWOW001",
                last_name="Məmmədov",
                first_name="Əli Əkbər",
                birth_date=date(1980, 1, 1),
                sex=Sex.MALE,
                residence_status=ResidenceStatus.CITIZEN,
            ),
        )
    assert await search(api, "Mammadov Ali Akbar") == ["TWOW001"]


async def test_under_row_level_security_the_exact_tier_uses_the_name_part_indexes(
    db, app_database, people: None
) -> None:
    # Only LEAKPROOF operators reach an index before the policy (migration 0004); text `=` is one.
    async with app_database.scoped_session(RowScope(agency="SXA", reads_all=True)) as session:
        connection = await driver_connection(session)
        words = await name_search.fold_words(connection, ["Mamedov", "Ali"])
        where, args = persons._where(session, persons._conditions(PersonFilter(), WORKER))
        sql, args = name_search.search_sql(persons._SEARCH_COLUMNS, where, args, words, offset=0, limit=21)
        await connection.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in await connection.fetch(f"EXPLAIN {sql}", *args))
    # On a table this small the planner may pick either part's index; what matters is an index range.
    assert any(f"ix_persons_{key}_key on persons" in plan for key in ("last_first", "last", "first")), plan
    assert "Index Cond: (first_key = 'ali'" in plan or "Index Cond: ((last_key = 'mamadov'" in plan, plan


async def test_under_row_level_security_the_fathers_name_tier_reads_one_range_per_pair_of_parts(
    db, app_database, people: None
) -> None:
    # "Mammadov Hasan": Hasan as the father's name beside the surname or the first name (migration
    # 0022). Without an index on both parts, a rare name read every bearer of the one part.
    async with app_database.scoped_session(RowScope(agency="SXA", reads_all=True)) as session:
        connection = await driver_connection(session)
        words = await name_search.fold_words(connection, ["Mammadov", "Hasan"])
        where, args = persons._where(session, persons._conditions(PersonFilter(), WORKER))
        sql, args = name_search.search_sql(persons._SEARCH_COLUMNS, where, args, words, offset=0, limit=21)
        await connection.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in await connection.fetch(f"EXPLAIN {sql}", *args))
    assert "ix_persons_last_patronymic_key on persons" in plan, plan
    assert "ix_persons_first_patronymic_key on persons" in plan, plan


@pytest.mark.parametrize("text", ["Mammadov", "Mammadov Ali", "Zzqxw", "Мамедов Али", "Ali Mammadov Hasan"])
async def test_a_search_on_an_empty_registry_finds_nobody(api: Api, text: str) -> None:
    # No name word to correct against: a word's parameter must not be sent unused (PostgreSQL refuses to
    # prepare a statement with a parameter of no type).
    found = (await api.execute(PERSONS, filter={"text": text})).ok()["persons"]
    assert (found["totalCount"], found["edges"]) == (0, [])


# --- an agency with a small remit searches its own persons (sxvis.registry.listing.persons_sql) -------


async def _search_with_count(api: Api, text_: str) -> tuple[list[str], int]:
    connection = (await api.execute(PERSONS, filter={"text": text_})).ok()["persons"]
    return [edge["node"]["fin"] for edge in connection["edges"]], connection["totalCount"]


@pytest.mark.parametrize(
    "text_",
    ["Mamedov Ali", "Mammadov Al", "Mamedof Ali", "Rashad Ali", "Məmməd", "Mammadov Ali Akbar", "Zzqxw"],
)
async def test_a_small_remit_is_searched_as_the_registry_would_be_within_it(
    api: Api, monkeypatch: pytest.MonkeyPatch, text_: str
) -> None:
    provider, dost = api.as_("social_worker", agency="DOST-BAKI-1"), api.as_("social_worker", agency="DOST")
    for fin, last, first, patronymic, sex in [*RANKED, ("RANK009", "Məmmədov", "Əli Əkbər", None, Sex.MALE)]:
        given = {"fin": fin, "lastName": last, "firstName": first, "patronymic": patronymic, "sex": sex.value}
        result = await provider.execute(REGISTER_PERSON, input=person_input(**given))
        assert result.payload("registerPerson")["errors"] == []
    for fin in ("OUTS001", "OUTS002"):  # the same names, outside the provider's remit
        result = await dost.execute(REGISTER_PERSON, input=person_input(fin=fin))
        assert result.payload("registerPerson")["errors"] == []
    from_remit = await _search_with_count(provider, text_)  # the remit's persons, read once
    monkeypatch.setattr(listing, "SMALL_SEARCH_REMIT", 0)  # as if the remit were large: the registry
    assert from_remit == await _search_with_count(provider, text_)
    assert not any(fin.startswith("OUTS") for fin in from_remit[0])
    assert from_remit[1] == len(from_remit[0])
