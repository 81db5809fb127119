"""The synthetic registry: generated records keep the registry's rules, and the loader puts them into
PostgreSQL with COPY, continuing where an earlier load stopped."""

import re
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import text

from sxvis.catalogue.agencies import AGENCIES
from sxvis.catalogue.passports import PASSPORTS
from sxvis.database.engine import Database
from sxvis.seed.catalogue import provider_pairs
from sxvis.seed.demo import Batch, fin_for, generate, seed_demo, seed_persons
from sxvis.seed.names import female_surname

TODAY = date(2026, 3, 1)
FIN = re.compile(r"^[0-9A-Z]{7}$")
PHONE = re.compile(r"^\+994 \d{2} \d{3} \d{2} \d{2}$")
IRP = re.compile(r"^IRP-\d{4}-\d{6}$")
CHILD_CATEGORIES = {"CHILD_WITHOUT_PARENTAL_CARE", "CHILD_WITH_DISABILITY", "NEGLECTED_CHILD"}
AGENCY_CODES = {agency.code for agency in AGENCIES}
PASSPORT = {passport.code: passport for passport in PASSPORTS}


def _generated(seed: int, count: int, *, start: int = 0) -> Batch:
    everything = Batch()
    for batch in generate(seed, count, start=start, today=TODAY, batch_size=1000):
        everything.persons += batch.persons
        everything.households += batch.households
        everything.members += batch.members
        everything.circumstances += batch.circumstances
        everything.enrollments += batch.enrollments
    return everything


def _age(born: date, on: date = TODAY) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@pytest.fixture(scope="module")
def population() -> Batch:
    return _generated(2026, 20_000)


async def _count(db: Database, table: str) -> int:
    async with db.session() as session:
        return int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


# Generation (pure)


def test_same_seed_generates_the_same_records() -> None:
    assert _generated(7, 2000) == _generated(7, 2000)


def test_another_seed_generates_other_people() -> None:
    first, second = _generated(7, 2000), _generated(8, 2000)
    assert {p.id for p in first.persons}.isdisjoint(p.id for p in second.persons)
    assert [p.last_name for p in first.persons] != [p.last_name for p in second.persons]


def test_fins_are_distinct_seven_character_codes() -> None:
    fins = [fin_for(index) for index in range(200_000)]
    assert len(set(fins)) == len(fins)
    assert all(FIN.match(fin) for fin in fins)


def test_generation_gives_exactly_the_persons_asked_for_with_their_indexes_fins() -> None:
    generated = _generated(3, 2503, start=1000)
    assert [p.fin for p in generated.persons] == [fin_for(index) for index in range(1000, 3503)]


def test_batches_close_at_the_end_of_a_household_near_the_batch_size() -> None:
    for batch in generate(5, 5000, today=TODAY, batch_size=700):
        in_batch = {p.id for p in batch.persons}
        assert len(batch.persons) < 700 + 6
        assert all(m.person_id in in_batch for m in batch.members)
        assert all(h.head_person_id in in_batch for h in batch.households)


def test_circumstance_categories_fit_the_persons_ages(population: Batch) -> None:
    born = {p.id: p.birth_date for p in population.persons}
    for c in population.circumstances:
        age = _age(born[c.person_id])
        assert born[c.person_id] <= c.since <= TODAY
        if c.category == "ELDERLY":
            assert age >= 65
        if c.category in CHILD_CATEGORIES:
            assert age < 18
        if c.category == "CARE_LEAVER_WITHOUT_HOME":
            assert 18 <= age <= 23


def test_persons_average_about_one_circumstance_and_a_fifth(population: Batch) -> None:
    assert 1.1 <= len(population.circumstances) / len(population.persons) <= 1.3


def test_persons_average_about_six_tenths_of_an_enrollment(population: Batch) -> None:
    assert 0.5 <= len(population.enrollments) / len(population.persons) <= 0.7


def test_protected_persons_are_exactly_the_domestic_violence_victims(population: Batch) -> None:
    protected = {p.id for p in population.persons if p.protected}
    victims = {c.person_id for c in population.circumstances if c.category == "DOMESTIC_VIOLENCE_VICTIM"}
    assert protected == victims
    assert 0.002 <= len(protected) / len(population.persons) <= 0.01


def test_ages_spread_from_newborns_to_ninety_five(population: Batch) -> None:
    ages = [_age(p.birth_date) for p in population.persons]
    assert min(ages) == 0
    assert max(ages) == 95
    assert 0.05 <= sum(age >= 65 for age in ages) / len(ages) <= 0.2


def test_households_have_one_to_six_members_and_their_head(population: Batch) -> None:
    members = defaultdict(list)
    for m in population.members:
        members[m.household_id].append(m)
    for household in population.households:
        relations = [m.relation for m in members[household.id]]
        assert 1 <= len(relations) <= 6
        assert relations.count("HEAD") == 1
        assert (household.head_person_id, "HEAD") in {
            (m.person_id, m.relation) for m in members[household.id]
        }


def test_members_share_the_heads_surname_root(population: Batch) -> None:
    person = {p.id: p for p in population.persons}
    root = {h.id: person[h.head_person_id] for h in population.households}
    for m in population.members:
        head, member = root[m.household_id], person[m.person_id]
        male_surname = head.last_name if head.sex == "MALE" else head.last_name.removesuffix("a")
        expected = female_surname(male_surname) if member.sex == "FEMALE" else male_surname
        assert member.last_name == expected


def test_children_of_a_male_head_carry_his_name_as_patronymic(population: Batch) -> None:
    person = {p.id: p for p in population.persons}
    head = {h.id: person[h.head_person_id] for h in population.households}
    children = [m for m in population.members if m.relation == "CHILD" and head[m.household_id].sex == "MALE"]
    assert children
    for m in children:
        child, father = person[m.person_id], head[m.household_id]
        assert child.patronymic == f"{father.first_name} {'qızı' if child.sex == 'FEMALE' else 'oğlu'}"


def test_most_adults_have_an_azerbaijani_mobile_number(population: Batch) -> None:
    adults = [p for p in population.persons if _age(p.birth_date) >= 18]
    assert all(PHONE.match(p.phone) for p in population.persons if p.phone is not None)
    assert sum(p.phone is not None for p in adults) / len(adults) >= 0.8


def test_residence_is_mostly_citizenship(population: Batch) -> None:
    citizens = sum(p.residence_status == "CITIZEN" for p in population.persons) / len(population.persons)
    assert 0.9 <= citizens < 1


def test_generated_agency_codes_are_known_agencies(population: Batch) -> None:
    codes = (
        {p.registered_by for p in population.persons}
        | {c.source_agency for c in population.circumstances}
        | {e.provider_code for e in population.enrollments}
    )
    assert codes <= AGENCY_CODES


def test_enrollments_are_open_only_to_eligible_residence_statuses(population: Batch) -> None:
    status = {p.id: p.residence_status for p in population.persons}
    for e in population.enrollments:
        assert status[e.person_id] in {user.value for user in PASSPORT[e.service_code].eligible_users}


def test_enrollments_carry_an_irp_reference_where_the_passport_requires_one(population: Batch) -> None:
    for e in population.enrollments:
        if PASSPORT[e.service_code].requires_irp:
            assert e.irp_reference is not None
            assert IRP.match(e.irp_reference)
        else:
            assert e.irp_reference is None


def test_ended_enrollments_end_on_a_reason_the_passport_allows(population: Batch) -> None:
    ended = [e for e in population.enrollments if e.status == "ENDED"]
    assert ended
    for e in ended:
        allowed = {"COMPLETED", "PERSON_WITHDREW"} | {
            g.value for g in PASSPORT[e.service_code].refusal_grounds
        }
        assert e.end_reason in allowed
        assert e.ended_on is not None
        assert e.started_on <= e.ended_on <= TODAY


# Loading (PostgreSQL)


async def test_seed_persons_loads_what_it_reports(db: Database) -> None:
    report = await seed_persons(db, count=500, seed=1, batch_size=200)
    assert report.persons == await _count(db, "persons") == 500
    assert report.households == await _count(db, "households")
    assert report.circumstances == await _count(db, "circumstances")
    assert report.enrollments == await _count(db, "enrollments")
    assert await _count(db, "household_members") == await _count(db, "persons WHERE household_id IS NOT NULL")
    assert report.persons_per_second > 0


async def test_seed_persons_reports_progress_after_each_batch(db: Database) -> None:
    progress: list[int] = []
    await seed_persons(db, count=500, seed=1, batch_size=200, on_progress=progress.append)
    assert len(progress) == 3
    assert sum(progress) == 500


async def test_seeded_enrollments_are_at_declared_providers(db: Database) -> None:
    await seed_persons(db, count=500, seed=1)
    async with db.session() as session:
        rows = await session.execute(text("SELECT service_code, provider_code FROM enrollments"))
        used = {(service, provider) for service, provider in rows}
    assert used
    assert used <= set(provider_pairs())


async def test_seeded_households_are_headed_by_their_head_member(db: Database) -> None:
    await seed_persons(db, count=500, seed=1, batch_size=200)
    headed = await _count(
        db,
        "households h JOIN household_members m ON m.household_id = h.id AND m.person_id = h.head_person_id"
        " WHERE m.relation = 'HEAD'",
    )
    assert headed == await _count(db, "households") > 0


async def test_second_load_continues_without_fin_clashes(db: Database) -> None:
    await seed_persons(db, count=500, seed=1)
    await seed_persons(db, count=300, seed=1)
    async with db.session() as session:
        fins = set((await session.execute(text("SELECT fin FROM persons"))).scalars())
    assert fins == {fin_for(index) for index in range(800)}


async def test_load_tells_the_planner_the_table_sizes(db: Database) -> None:
    await seed_persons(db, count=500, seed=1)
    async with db.session() as session:
        estimate = await session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'persons'"))
    assert estimate == 500


async def test_seed_demo_fills_an_empty_registry(db: Database) -> None:
    report = await seed_demo(db, persons=300)
    assert report is not None
    assert await _count(db, "persons") == report.persons == 300


async def test_seed_demo_refuses_a_non_empty_registry(db: Database) -> None:
    await seed_persons(db, count=5, seed=1)
    assert await seed_demo(db, persons=300) is None
    assert await _count(db, "persons") == 5
