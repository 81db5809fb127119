"""Registering, changing and finding persons.

Module-level functions with the session and the actor explicit (STYLE §2). They validate, write and
return; they never commit: the caller's transaction decides, so a failed mutation leaves nothing behind.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import exists, func, literal, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import clock
from sxvis.actors import Actor
from sxvis.database.driver import Reads, driver_connection
from sxvis.errors import Duplicate, NotFound, ValidationFailed
from sxvis.pagination import Page, decode_cursor, encode_cursor, page_size
from sxvis.registry import validation
from sxvis.registry.enums import (
    CircumstanceCategory,
    EnrollmentStatus,
    HouseholdRelation,
    ResidenceStatus,
    Sex,
)
from sxvis.registry.models import Circumstance, Enrollment, Household, HouseholdMember, Person
from sxvis.registry.records import PERSON_RECORD_COLUMNS, PersonRecord
from sxvis.registry.search import name_tokens, search_rank
from sxvis.registry.search import search_conditions as search_conditions  # re-exported for plans


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Marks a field an update leaves as it is (as opposed to `None`, which clears it)."""


@dataclass(frozen=True, kw_only=True)
class HouseholdPlacement:
    """Where a newly registered person lives: an existing household, or a new one they head."""

    household_id: uuid.UUID | None
    relation: HouseholdRelation


@dataclass(frozen=True, kw_only=True)
class NewPerson:
    fin: str
    last_name: str
    first_name: str
    patronymic: str | None = None
    birth_date: date
    sex: Sex
    residence_status: ResidenceStatus
    region_code: str | None = None
    district_code: str | None = None
    address_line: str | None = None
    phone: str | None = None
    email: str | None = None
    protected: bool = False
    household: HouseholdPlacement | None = None


@dataclass(frozen=True, kw_only=True)
class PersonChanges:
    """An update: every field left `UNSET` stays as it is."""

    fin: Any = UNSET
    last_name: Any = UNSET
    first_name: Any = UNSET
    patronymic: Any = UNSET
    birth_date: Any = UNSET
    sex: Any = UNSET
    residence_status: Any = UNSET
    region_code: Any = UNSET
    district_code: Any = UNSET
    address_line: Any = UNSET
    phone: Any = UNSET
    email: Any = UNSET
    protected: Any = UNSET
    date_of_death: Any = UNSET

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not UNSET}


_NOT_NULL = {"fin", "last_name", "first_name", "birth_date", "sex", "residence_status", "protected"}


@dataclass(frozen=True, kw_only=True)
class PersonFilter:
    text: str | None = None
    category: CircumstanceCategory | None = None
    region_code: str | None = None
    district_code: str | None = None
    service_code: str | None = None
    agency_code: str | None = None
    min_age: int | None = None
    max_age: int | None = None


async def register_person(session: AsyncSession, actor: Actor, *, data: NewPerson) -> Person:
    today = clock.today()
    fin = validation.normalise_fin(data.fin)
    region_code, district_code = validation.address_codes(data.region_code, data.district_code)
    person = Person(
        id=uuid.uuid4(),
        fin=fin,
        last_name=validation.name(data.last_name, field="last_name"),
        first_name=validation.name(data.first_name, field="first_name"),
        patronymic=validation.optional_name(data.patronymic, field="patronymic"),
        birth_date=validation.birth_date(data.birth_date, today=today),
        sex=data.sex,
        residence_status=data.residence_status,
        region_code=region_code,
        district_code=district_code,
        address_line=(data.address_line or "").strip() or None,
        phone=validation.phone(data.phone),
        email=validation.email(data.email),
        protected=data.protected,
        registered_by=actor.agency_code,
    )
    await _require_free_fin(session, fin)
    session.add(person)
    await _flush_unique(session)
    if data.household is not None:
        await _place_in_household(session, person, data.household)
    return person


async def update_person(
    session: AsyncSession, actor: Actor, *, person_id: uuid.UUID, changes: PersonChanges
) -> Person:
    person = await _lock_person(session, person_id)
    given = changes.given()
    for name in _NOT_NULL & given.keys():
        if given[name] is None:
            raise ValidationFailed("This field cannot be cleared.", field=name)
    today = clock.today()
    if "fin" in given:
        fin = validation.normalise_fin(given["fin"])
        if fin != person.fin:
            await _require_free_fin(session, fin)
        person.fin = fin
    for name_field in ("last_name", "first_name"):
        if name_field in given:
            setattr(person, name_field, validation.name(given[name_field], field=name_field))
    if "patronymic" in given:
        person.patronymic = validation.optional_name(given["patronymic"], field="patronymic")
    if "birth_date" in given:
        person.birth_date = validation.birth_date(given["birth_date"], today=today)
    for plain in ("sex", "residence_status", "protected"):
        if plain in given:
            setattr(person, plain, given[plain])
    if "region_code" in given or "district_code" in given:
        region = given.get("region_code", person.region_code)
        district = given.get("district_code", person.district_code)
        if "region_code" in given and "district_code" not in given and region != person.region_code:
            district = None  # moving to another region leaves the old district behind
        person.region_code, person.district_code = validation.address_codes(region, district)
    if "address_line" in given:
        person.address_line = (given["address_line"] or "").strip() or None
    if "phone" in given:
        person.phone = validation.phone(given["phone"])
    if "email" in given:
        person.email = validation.email(given["email"])
    death = given.get("date_of_death", person.date_of_death)
    person.date_of_death = validation.date_of_death(death, born=person.birth_date, today=today)
    await _flush_unique(session)
    return person


_RECORD_COLUMNS = [Person.__table__.c[name] for name in PERSON_RECORD_COLUMNS]

# Built once from the record's own field names (constants, never input); the values are parameters.
_COLUMNS = ", ".join(f'"{name}"' for name in PERSON_RECORD_COLUMNS)
_BY_FIN = f"SELECT {_COLUMNS} FROM persons WHERE fin = $1"  # noqa: S608
_BY_IDS = f"SELECT {_COLUMNS} FROM persons WHERE id = ANY($1::uuid[])"  # noqa: S608


async def get_person(
    reads: Reads, actor: Actor, *, person_id: uuid.UUID | None = None, fin: str | None = None
) -> PersonRecord | None:
    """One person by id or FIN: the hottest read, so plain SQL on the session's connection
    (`sxvis.database.driver`)."""
    if (person_id is None) == (fin is None):
        raise ValidationFailed("Give either an id or a FIN.", field="id")
    connection = await driver_connection(reads)
    if person_id is not None:
        row = await connection.fetchrow(_BY_IDS, [person_id])
    else:
        row = await connection.fetchrow(_BY_FIN, validation.normalise_fin(fin or ""))
    return None if row is None else PersonRecord.of(row)


async def get_persons_unchecked(reads: Reads, *, ids: Sequence[uuid.UUID]) -> list[PersonRecord]:
    """Persons by id, for loaders resolving a relation of something the caller was already allowed to see."""
    connection = await driver_connection(reads)
    return [PersonRecord.of(row) for row in await connection.fetch(_BY_IDS, list(ids))]


async def find_persons(
    session: AsyncSession,
    actor: Actor,
    *,
    filter: PersonFilter,
    first: int | None = None,
    after: str | None = None,
) -> Page[PersonRecord]:
    """A page of persons matching `filter`: ranked by name similarity when `text` is given, otherwise
    in Azerbaijani alphabetical order of surname, first name and patronymic."""
    limit = page_size(first)
    tokens = name_tokens(filter.text)
    # Columns, not entities: a page is read, never changed, and rows cost a fraction of ORM instances.
    query = select(*_RECORD_COLUMNS).where(*_conditions(filter, tokens))
    if tokens:
        offset = int(decode_cursor(after, arity=1)[0]) if after else 0
        rank = search_rank(tokens)
        query = query.order_by(rank.desc(), Person.id).offset(offset).limit(limit + 1)
        rows = [PersonRecord.of(row) for row in (await session.execute(query)).mappings()]
        items = rows[:limit]
        cursors = [encode_cursor(offset + i + 1) for i in range(len(items))]
        return Page(items, cursors, has_next_page=len(rows) > limit, has_previous_page=offset > 0)
    if after:
        key, last_id = decode_cursor(after, arity=2)
        # A row comparison, not `a > k OR (a = k AND id > i)`: only the row form is an index bound,
        # so page 10,000 starts where it should instead of walking the index from the start.
        query = query.where(
            tuple_(Person.sort_key, Person.id) > tuple_(literal(str(key)), literal(_uuid(last_id)))
        )
    query = query.order_by(Person.sort_key, Person.id).limit(limit + 1)
    rows = [PersonRecord.of(row) for row in (await session.execute(query)).mappings()]
    items = rows[:limit]
    cursors = [encode_cursor(p.sort_key, p.id) for p in items]
    return Page(items, cursors, has_next_page=len(rows) > limit, has_previous_page=after is not None)


async def count_persons(session: AsyncSession, actor: Actor, *, filter: PersonFilter) -> int:
    query = select(func.count()).select_from(Person).where(*_conditions(filter, name_tokens(filter.text)))
    return int((await session.execute(query)).scalar_one())


def _conditions(filter: PersonFilter, tokens: list[str]) -> list[Any]:
    conditions: list[Any] = list(search_conditions(tokens))
    today = clock.today()
    if filter.region_code is not None:
        conditions.append(Person.region_code == filter.region_code)
    if filter.district_code is not None:
        conditions.append(Person.district_code == filter.district_code)
    if filter.min_age is not None:
        if filter.min_age < 0:
            raise ValidationFailed("An age cannot be negative.", field="min_age")
        conditions.append(Person.birth_date <= _years_before(today, filter.min_age))
    if filter.max_age is not None:
        if filter.max_age < 0:
            raise ValidationFailed("An age cannot be negative.", field="max_age")
        # Older than max_age means born on or before the day max_age + 1 years ago.
        conditions.append(Person.birth_date > _years_before(today, filter.max_age + 1))
    if filter.category is not None:
        conditions.append(
            exists().where(
                Circumstance.person_id == Person.id,
                Circumstance.category == filter.category,
                or_(Circumstance.until.is_(None), Circumstance.until >= today),
            )
        )
    if filter.service_code is not None or filter.agency_code is not None:
        enrolled = [Enrollment.person_id == Person.id, Enrollment.status == EnrollmentStatus.ACTIVE]
        if filter.service_code is not None:
            enrolled.append(Enrollment.service_code == filter.service_code)
        if filter.agency_code is not None:
            enrolled.append(Enrollment.provider_code == filter.agency_code)
        conditions.append(exists().where(*enrolled))
    return conditions


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationFailed("The cursor is not one this API gave out.", field="after") from None


async def _require_free_fin(session: AsyncSession, fin: str) -> None:
    taken = await session.scalar(select(exists().where(Person.fin == fin)))
    if taken:
        raise Duplicate("A person with this FIN is already registered.", field="fin")


async def _flush_unique(session: AsyncSession) -> None:
    """Flush, turning a lost race on the FIN into the same `Duplicate` the pre-check gives."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as err:
        if "uq_persons_fin" in str(err.orig):
            raise Duplicate("A person with this FIN is already registered.", field="fin") from None
        raise


async def _lock_person(session: AsyncSession, person_id: uuid.UUID) -> Person:
    person = await session.scalar(select(Person).where(Person.id == person_id).with_for_update())
    if person is None:
        raise NotFound("No person has this id.", field="id")
    return person


async def _place_in_household(session: AsyncSession, person: Person, placement: HouseholdPlacement) -> None:
    if placement.household_id is None:
        if placement.relation is not HouseholdRelation.HEAD:
            raise ValidationFailed(
                "A new household starts with its head; give a household id to join one.", field="household"
            )
        household = Household(
            id=uuid.uuid4(),
            head_person_id=person.id,
            region_code=person.region_code,
            district_code=person.district_code,
            address_line=person.address_line,
        )
        session.add(household)
        await session.flush()
    else:
        existing = await session.get(Household, placement.household_id, with_for_update=True)
        if existing is None:
            raise NotFound("No household has this id.", field="household")
        household = existing
        if placement.relation is HouseholdRelation.HEAD and household.head_person_id is not None:
            raise ValidationFailed("This household already has a head.", field="household")
        if placement.relation is HouseholdRelation.HEAD:
            household.head_person_id = person.id
    person.household_id = household.id
    session.add(HouseholdMember(person_id=person.id, household_id=household.id, relation=placement.relation))
    await session.flush()
