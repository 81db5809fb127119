"""Registering, changing and finding persons.

Module-level functions with the session and the actor explicit (STYLE §2). They validate, write and
return; they never commit: the caller's transaction decides, so a failed mutation leaves nothing behind.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import exists, func, literal, literal_column, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit, clock
from sxvis.access import notices, remit
from sxvis.actors import Actor
from sxvis.database import routines
from sxvis.database.driver import Reads, compiled, dialect_of, driver_connection
from sxvis.database.engine import Database
from sxvis.database.scope import RowScope
from sxvis.errors import AccessDenied, Duplicate, NotFound, ValidationFailed
from sxvis.pagination import Cursors, Page, decode_cursor, page_size
from sxvis.registry import listing, search, validation
from sxvis.registry.enums import (
    CircumstanceCategory,
    EnrollmentStatus,
    HouseholdRelation,
    ResidenceStatus,
    Sex,
)
from sxvis.registry.models import Circumstance, Enrollment, Household, HouseholdMember, Person
from sxvis.registry.records import PERSON_RECORD_COLUMNS, PersonRecord
from sxvis.registry.search import name_tokens
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

    def only_text(self) -> bool:
        """Nothing asked beyond (at most) a name: every other condition is unset."""
        return all(
            value is None
            for value in (
                self.category,
                self.region_code,
                self.district_code,
                self.service_code,
                self.agency_code,
                self.min_age,
                self.max_age,
            )
        )


async def register_person(session: AsyncSession, actor: Actor, *, data: NewPerson) -> Person:
    """Register a person for the actor's agency (which then has them in its remit). A protected
    person is protected by the registering agency: only it sees who they are."""
    actor.require(REGISTER)
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
        protected_by=actor.agency_code if data.protected else None,
        registered_by=actor.agency_code,
    )
    await _require_free_fin(session, fin)
    session.add(person)
    await _flush_unique(session)
    if data.household is not None:
        await _place_in_household(session, actor, person, data.household)
    await _log_write(
        session, actor, REGISTER, person, sorted(f.name for f in fields(data) if f.name != "household")
    )
    return person


async def update_person(
    session: AsyncSession, actor: Actor, *, person_id: uuid.UUID, changes: PersonChanges
) -> Person:
    actor.require(UPDATE)
    person = await person_for_change(session, actor, person_id, field="id")
    given = changes.given()
    if (
        person.protected
        and person.protected_by != actor.agency_code
        and not await _glass_open(session, actor, person.id)
    ):
        raise AccessDenied(
            "This protected person's identity is not disclosed to your agency, so you cannot change "
            "their record; the agency that protects them can, or break the glass first.",
            action=UPDATE,
            person_id=person.id,
        )
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
    for plain in ("sex", "residence_status"):
        if plain in given:
            setattr(person, plain, given[plain])
    if "protected" in given and given["protected"] != person.protected:
        # Protecting makes the actor's agency the holder; lifting it is the holder's decision alone
        # (a user who broke the glass may read the identity, not end its protection).
        if person.protected and person.protected_by != actor.agency_code:
            raise AccessDenied(
                f"Only the agency that protects this person ({person.protected_by}) may lift the protection.",
                action=UPDATE,
                person_id=person.id,
            )
        person.protected = bool(given["protected"])
        person.protected_by = actor.agency_code if person.protected else None
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
    await _log_write(session, actor, UPDATE, person, sorted(given))
    return person


async def person_for_change(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID, *, field: str
) -> Person:
    """The person, locked for a change, if the actor's remit holds them and the id reaches them (a
    protected person hidden from the actor only by the pseudonymous id it was shown,
    `remit.person_reachable`); `NotFound` otherwise, the same answer as for an id that names nobody."""
    person = await session.scalar(
        select(Person)
        .where(Person.id == person_id, remit.person_reachable(actor, person_id))
        .with_for_update()
    )
    if person is None:
        raise NotFound("No person has this id.", field=field)
    return person


async def _glass_open(session: AsyncSession, actor: Actor, person_id: uuid.UUID) -> bool:
    query = select(Person.id).where(Person.id == person_id, remit.identity_disclosed(actor))
    return await session.scalar(query) is not None


async def _log_write(
    session: AsyncSession, actor: Actor, action: str, person: Person, changed: Sequence[str]
) -> None:
    await audit.record(
        session,
        actor,
        action=action,
        entity_type="person",
        entity_id=person.id,
        person_id=person.id,
        fields=changed,
    )


_RECORD_COLUMNS = [Person.__table__.c[name] for name in PERSON_RECORD_COLUMNS]
_SEARCH_COLUMNS = ", ".join(f'"{name}"' for name in PERSON_RECORD_COLUMNS)

READ = "person:read"
SEARCH = "person:search"
REGISTER = "person:register"
UPDATE = "person:update"

# Built once from the record's own field names and the remit's SQL (constants, never input).
# $1 the id or FIN, $2 the agency, $3 registry-wide, $4 the user, $5 reached through a pseudonymous id.
_COLUMNS = ", ".join(f'p."{name}"' for name in PERSON_RECORD_COLUMNS)
_DISCLOSED = remit.disclosed_sql(agency="$2", user="$4")
_VISIBLE = remit.visible_sql(agency="$2", reads_all="$3")
# The disclosure test is written once and read twice (the `disclosed` column, and the filter that keeps
# a hidden person out unless reached by pseudonym): `OFFSET 0` keeps PostgreSQL from pulling the inner
# SELECT up and copying the test into the filter. Each copy is a subplan on `break_glass_grants` carrying
# that table's row policy, and the one on `persons` inside it, and PostgreSQL initialises every subplan of
# a statement on each execution, run or not: the copy made this read about 1.6x the PostgreSQL CPU of the
# same read without it (docs/performance.md).
_ONE = (
    f"SELECT * FROM (SELECT {_COLUMNS}, {_DISCLOSED} AS disclosed FROM persons p"  # noqa: S608
    f" WHERE {{key}} AND {_VISIBLE} OFFSET 0) p WHERE ($5::boolean OR p.disclosed)"
)
# A merged person's id resolves to the kept person (`person_merges`, `sxvis.duplicates.merges`).
_BY_ID = _ONE.format(
    key="p.id = coalesce((SELECT m.kept_id FROM person_merges m WHERE m.merged_id = $1::uuid), $1::uuid)"
)
_BY_FIN = _ONE.format(key="p.fin = $1::text")
_BY_IDS = (
    f"SELECT {_COLUMNS}, {_DISCLOSED} AS disclosed FROM persons p"  # noqa: S608
    f" WHERE p.id = ANY($1::uuid[]) AND {_VISIBLE} AND $5::boolean IS NOT NULL"
)
_HIDDEN = "SELECT id, protected_by FROM sxvis_hidden_person($1::uuid, $2::text)"
_BY_ID_AT_ONCE = routines.ScopedRead("person_by_id", audit.logged_read_sql(_BY_ID, 5))
_BY_FIN_AT_ONCE = routines.ScopedRead("person_by_fin", audit.logged_read_sql(_BY_FIN, 5))
SCOPED_READS = (_BY_ID_AT_ONCE, _BY_FIN_AT_ONCE)
"""The reads of this module run in one call (`read_person`), for the upgrade to make their functions."""


async def get_person(
    reads: Reads,
    actor: Actor,
    *,
    person_id: uuid.UUID | None = None,
    fin: str | None = None,
    via_pseudonym: bool = False,
    fields: Sequence[str] = (),
) -> PersonRecord | None:
    """One person by id or FIN, if the actor's remit holds them: the hottest read, so plain SQL
    (`sxvis.database.driver`), and logged by the same statement that reads (`audit.read_logged`).

    A protected person whose identity the actor may not see is found only through the pseudonymous id
    the actor was shown (`via_pseudonym`), never by real id or FIN. Whatever hides a person, the answer
    is None, exactly as for a person who does not exist; the denial is logged against the person.
    `reads` must be in a scoped transaction (`Database.scoped`).
    """
    actor.require(READ)
    plain_id, key = _person_key(person_id, fin)
    connection = await driver_connection(reads)
    sql = _BY_ID if plain_id is not None else _BY_FIN
    args = (key, actor.agency_code, actor.reads_whole_registry, actor.user_id, via_pseudonym)
    rows = await audit.read_logged(
        connection, sql, args, actor=actor, action=READ, subject=True, fields=fields
    )
    if rows:
        return PersonRecord.of(rows[0])
    await _deny_if_hidden(connection, actor, plain_id, key, fields)
    return None


async def read_person(
    db: Database,
    actor: Actor,
    *,
    person_id: uuid.UUID | None = None,
    fin: str | None = None,
    via_pseudonym: bool = False,
    fields: Sequence[str] = (),
) -> PersonRecord | None:
    """`get_person` as a request of its own, in one round trip where it finds the person: the row
    scope, the read and its access event in one call, committed before the row is returned
    (`sxvis.database.routines`). The same answer and the same events as `get_person` in a scoped
    transaction, which is how it runs where the database lacks the call's function. Finding nobody,
    it tells a hidden person from an absent one, and logs the denial, in a scoped transaction."""
    actor.require(READ)
    plain_id, key = _person_key(person_id, fin)
    scope = RowScope.of(actor)
    read = _BY_ID_AT_ONCE if plain_id is not None else _BY_FIN_AT_ONCE
    args = (
        key,
        actor.agency_code,
        actor.reads_whole_registry,
        actor.user_id,
        via_pseudonym,
        *audit.read_event_args(actor, action=READ, subject=True, fields=fields),
    )
    async with db.autocommit() as pg:
        rows = await routines.fetch(pg, read, args, scope)
    if rows:
        return PersonRecord.of(rows[0])
    async with db.scoped(scope) as connection:
        if rows is None:  # no function for this read in the database: the read as three round trips
            return await get_person(
                connection, actor, person_id=person_id, fin=fin, via_pseudonym=via_pseudonym, fields=fields
            )
        await _deny_if_hidden(await driver_connection(connection), actor, plain_id, key, fields)
    return None


def _person_key(person_id: uuid.UUID | None, fin: str | None) -> tuple[uuid.UUID | None, object]:
    """The plain id (a pseudonymous id's subclass dropped) or the normalised FIN a read looks up."""
    if (person_id is None) == (fin is None):
        raise ValidationFailed("Give either an id or a FIN.", field="id")
    plain_id = None if person_id is None else uuid.UUID(int=person_id.int)
    return plain_id, (plain_id if plain_id is not None else validation.normalise_fin(fin or ""))


async def _deny_if_hidden(
    connection: Any, actor: Actor, plain_id: uuid.UUID | None, key: object, fields: Sequence[str]
) -> None:
    """Log a denial against the person a read by id or FIN found nothing of, if it exists but is hidden
    from the actor (protected, or outside the agency's remit); the answer stays "nobody"."""
    hidden = await connection.fetchrow(_HIDDEN, plain_id, None if plain_id else key)
    if hidden is not None:
        await audit.record(
            connection,
            actor,
            action=READ,
            entity_type="person",
            entity_id=hidden["id"],
            person_id=hidden["id"],
            outcome=audit.Outcome.DENIED,
            reason="protected identity" if hidden["protected_by"] else "outside the agency's remit",
            fields=fields,
        )


async def get_persons(
    reads: Reads, actor: Actor, *, ids: Sequence[uuid.UUID], fields: Sequence[str] = ()
) -> list[PersonRecord]:
    """Persons by id, reached through a relation (an enrollment's person, a household's members): those
    in the actor's remit, protected ones included (the caller shows them under a pseudonym)."""
    actor.require(READ)
    connection = await driver_connection(reads)
    args = (list(ids), actor.agency_code, actor.reads_whole_registry, actor.user_id, True)
    rows = await audit.read_logged(connection, _BY_IDS, args, actor=actor, action=READ, fields=fields)
    return [PersonRecord.of(row) for row in rows]


def lists_on_generic_plans(filter: PersonFilter) -> bool:
    """Whether `find_persons` with this filter is the plain listing, whose statements (`_LISTING_FIRST`,
    `_LISTING_AFTER`, and the enrollments a page reads with it) run as well on PostgreSQL's generic
    plans as on custom ones: an index walk in listing order, whatever the parameters. Planned afresh on
    every run (PostgreSQL's choice here), the listing's plan under row-level security cost 1.3 ms of
    PostgreSQL CPU a page against 0.5 ms to run it; on a generic plan the whole statement costs 0.5 ms.
    Measured equal for agencies with a small remit, where both plans walk the same index. A name search
    and the other filters keep custom plans."""
    return not name_tokens(filter.text) and filter.only_text()


async def find_persons(
    session: Reads,
    actor: Actor,
    *,
    filter: PersonFilter,
    first: int | None = None,
    after: str | None = None,
    fields: Sequence[str] = (),
) -> Page[PersonRecord]:
    """A page of persons matching `filter` within the actor's remit: ranked by name similarity when
    `text` is given, otherwise in Azerbaijani alphabetical order of surname, first name and patronymic.

    Protected persons whose identity the actor may not see are never listed (a pseudonym placed in
    name order, or found by name, would give the name away). The page and the access event that
    records which persons it showed are one statement.
    """
    tokens = name_tokens(filter.text)
    actor.require(SEARCH if tokens else READ)
    limit = page_size(first)
    if not tokens and filter.only_text():
        return await _listing(session, actor, after=after, limit=limit, fields=fields)
    if tokens:
        offset = int(decode_cursor(after, arity=1)[0]) if after else 0
        connection = await driver_connection(session)
        words = await search.fold_words(connection, tokens)
        where, args, source = await _searched(session, connection, actor, filter)
        sql, args = search.search_sql(
            _SEARCH_COLUMNS, where, args, words, offset=offset, limit=limit + 1, source=source
        )
        found = await audit.read_logged(
            session,
            sql,
            args,
            actor=actor,
            action=SEARCH,
            order_by=search.ORDER_BY,
            logged_limit=limit,
            fields=fields,
        )
        await connection.execute(search.CUSTOM_PLANS)
        rows = [PersonRecord.of(row) for row in found]
        items = rows[:limit]
        cursors = Cursors(range(offset + 1, offset + 1 + len(items)), _rank_key)
        return Page(items, cursors, has_next_page=len(rows) > limit, has_previous_page=offset > 0)
    connection = await driver_connection(session)
    walked = await listing.choose(connection, actor, filter.category)
    if walked is not None:
        return await _driven_page(session, actor, filter, walked, after=after, limit=limit, fields=fields)
    query = select(*_RECORD_COLUMNS).where(*_conditions(filter, actor))
    if after:
        key, last_id = decode_cursor(after, arity=2)
        # A row comparison, not `a > k OR (a = k AND id > i)`: only the row form is an index bound,
        # so page 10,000 starts where it should instead of walking the index from the start.
        query = query.where(
            tuple_(Person.sort_key, Person.id) > tuple_(literal(str(key)), literal(_uuid(last_id)))
        )
    query = query.order_by(Person.sort_key, Person.id).limit(limit + 1)
    rows = await _logged(session, actor, query, "sort_key, id", limit, fields)
    items = rows[:limit]
    cursors = Cursors(items, _listing_key)
    return Page(items, cursors, has_next_page=len(rows) > limit, has_previous_page=after is not None)


# The listing without a filter, the registry's most common page (a desk browsing, a partner paging
# through): written once from the record's fields and the remit's own SQL, as `_BY_IDS` is. Building and
# keying the same statement in SQLAlchemy cost 5% of a page. $1 the agency, $2 registry-wide, $3 the
# user, $4 the rows to read; after a cursor, $5 its sort key and $6 its id (a row comparison, an index
# bound at any depth).
_LISTING = (
    f"SELECT {_COLUMNS} FROM persons p"  # noqa: S608
    f" WHERE {remit.visible_sql(agency='$1', reads_all='$2')}"
    f" AND {remit.disclosed_sql(agency='$1', user='$3')}"
    "{after} ORDER BY p.sort_key, p.id LIMIT $4"
)
_LISTING_FIRST = _LISTING.format(after="")
_LISTING_AFTER = _LISTING.format(after=" AND (p.sort_key, p.id) > ($5::text, $6::uuid)")

# The same listing for an agency without the registry-wide grant, read from its own remit in listing
# order (`remit.remit_rows_sql`): walking the registry's order and testing each person against the
# remit cost a page whatever lay before the agency's fiftieth person (1.8 s of PostgreSQL for an NGO
# whose persons were all hidden from it, on a million persons; docs/performance.md, "A page of the
# listing costs its own range"). $1 the agency, $2 the user, $3 the rows to read; after a cursor, $4
# its sort key and $5 its id.
_REMIT_LISTING = (
    f"SELECT {_COLUMNS} FROM {{rows}} c JOIN persons p ON p.id = c.id"  # noqa: S608
    f" WHERE {remit.remit_row_first_sql(agency='$1', rows='c')}"
    f" AND {remit.disclosed_sql(agency='$1', user='$2')}"
    " ORDER BY c.sort_key, c.id LIMIT $3"
)
_REMIT_LISTING_FIRST = _REMIT_LISTING.format(rows=remit.remit_rows_sql(agency="$1"))
_REMIT_LISTING_AFTER = _REMIT_LISTING.format(rows=remit.remit_rows_sql(agency="$1", after=("$4", "$5")))


def _rank_key(rank: int) -> tuple[int]:
    return (rank,)


def _listing_key(person: PersonRecord) -> tuple[str, uuid.UUID]:
    return person.sort_key, person.id


async def _listing(
    reads: Reads, actor: Actor, *, after: str | None, limit: int, fields: Sequence[str]
) -> Page[PersonRecord]:
    if actor.reads_whole_registry:
        args: list[object] = [actor.agency_code, True, actor.user_id, limit + 1]
        sql, sql_after = _LISTING_FIRST, _LISTING_AFTER
    else:
        args = [actor.agency_code, actor.user_id, limit + 1]
        sql, sql_after = _REMIT_LISTING_FIRST, _REMIT_LISTING_AFTER
    if after:
        key, last_id = decode_cursor(after, arity=2)
        args += [str(key), _uuid(last_id)]
        sql = sql_after
    return await _page_in_listing_order(reads, actor, sql, args, limit=limit, after=after, fields=fields)


async def _driven_page(
    reads: Reads,
    actor: Actor,
    filter: PersonFilter,
    walked: str,
    *,
    after: str | None,
    limit: int,
    fields: Sequence[str],
) -> Page[PersonRecord]:
    """A filtered page that walks the range `listing.choose` picked (the remit or a category) instead
    of the registry; the range stands for its own condition, the filter's others are tested on it."""
    cursor = None
    if after:
        key, last_id = decode_cursor(after, arity=2)
        cursor = (str(key), _uuid(last_id))
    range_, where, args = _range_and_where(reads, actor, filter, walked, after=cursor)
    args.append(limit + 1)
    sql = listing.page_sql(range_, where, limit=f"${len(args)}")
    return await _page_in_listing_order(reads, actor, sql, args, limit=limit, after=after, fields=fields)


def _range_and_where(
    reads: Reads, actor: Actor, filter: PersonFilter, walked: str, *, after: tuple[str, uuid.UUID] | None
) -> tuple[listing.Range, str, list[object]]:
    """The range `walked` names and the filter's other conditions on it, with their arguments in
    placeholder order (the conditions', then the range's)."""
    conditions = _conditions(filter, actor, remit_test=walked != "remit", category=walked != "category")
    where, args = _where(reads, conditions)
    start = len(args) + 1
    if walked == "remit":
        range_ = listing.remit_range(actor, start=start, after=after)
    else:
        assert filter.category is not None
        range_ = listing.category_range(filter.category, clock.today(), start=start, after=after)
    return range_, where, [*args, *range_.args]


async def _page_in_listing_order(
    reads: Reads,
    actor: Actor,
    sql: str,
    args: Sequence[object],
    *,
    limit: int,
    after: str | None,
    fields: Sequence[str],
) -> Page[PersonRecord]:
    """Run a listing statement (reading `limit + 1` rows in `(sort_key, id)` order) as a logged read,
    and make its page: the rows shown, their keyset cursors, and whether another page follows."""
    found = await audit.read_logged(
        reads,
        sql,
        args,
        actor=actor,
        action=READ,
        order_by="sort_key, id",
        logged_limit=limit,
        fields=fields,
    )
    rows = [PersonRecord.of(row) for row in found]
    items = rows[:limit]
    cursors = Cursors(items, _listing_key)
    return Page(items, cursors, has_next_page=len(rows) > limit, has_previous_page=after is not None)


async def _logged(
    session: Reads, actor: Actor, query: Any, order_by: str, shown: int, fields: Sequence[str]
) -> list[PersonRecord]:
    sql, args = compiled(query, dialect_of(session))
    rows = await audit.read_logged(
        session,
        sql,
        args,
        actor=actor,
        action=READ,
        order_by=order_by,
        logged_limit=shown,
        fields=fields,
    )
    return [PersonRecord.of(row) for row in rows]


async def count_persons(session: AsyncSession, actor: Actor, *, filter: PersonFilter) -> int:
    """How many persons a listing with `filter` has: the same conditions, remit included (with a
    name, the persons any tier of the search finds)."""
    tokens = name_tokens(filter.text)
    actor.require(SEARCH if tokens else READ)
    conditions = _conditions(filter, actor)
    if tokens:
        connection = await driver_connection(session)
        where, args, source = await _searched(session, connection, actor, filter)
        sql, args = search.count_sql(where, args, await search.fold_words(connection, tokens), source=source)
        count = await connection.fetchval(sql, *args)
        await connection.execute(search.CUSTOM_PLANS)
        return int(count)
    connection = await driver_connection(session)
    if await listing.choose(connection, actor, filter.category) == "remit":
        # The persons of a small remit, not the registry tested person by person: an NGO's count cost
        # 60 ms to 4 s whatever its size (docs/performance.md, "A count and a search cost a small
        # remit"). A category's range is not counted: under row-level security it cost more than the
        # registry's plan (4.5-6.1 s against 3.8-4.7 s for 301,483 adults with a disability).
        range_, where, args = _range_and_where(session, actor, filter, "remit", after=None)
        return int(await connection.fetchval(listing.count_sql(range_, where), *args))
    query = select(func.count()).select_from(Person).where(*conditions)
    return int((await session.execute(query)).scalar_one())


async def _searched(
    reads: Reads, connection: Any, actor: Actor, filter: PersonFilter
) -> tuple[str, list[object], str | None]:
    """A name search's conditions on `persons`, their arguments, and the persons it reads: a small
    remit's, read once (`listing.persons_sql`), or None for the registry. In the registry, each of a
    common name's bearers is tested against the remit: an NGO of 408 persons paid 350 ms for
    "Məmmədov Əli", none of whose bearers it could see (docs/performance.md, "A count and a search
    cost a small remit")."""
    if await listing.searches_remit(connection, actor):
        range_, where, args = _range_and_where(reads, actor, filter, "remit", after=None)
        return where, args, listing.persons_sql(range_)
    if actor.reads_whole_registry and filter.only_text():
        # The most common search, a name and nothing else: its one condition written once, as the
        # listing's is (building and compiling it in SQLAlchemy twice cost a fifth of the search's
        # Python time; docs/performance.md, "The same code on another host").
        return _DISCLOSED_IN_REGISTRY, [actor.agency_code, actor.user_id], None
    where, args = _where(reads, _conditions(filter, actor))
    return where, args, None


# `_conditions` for a registry-wide reader and a filter of a name only: disclosure. $1 the agency, $2
# the user.
_DISCLOSED_IN_REGISTRY = remit.disclosed_sql(agency="$1", user="$2", person="persons")


def _where(session: Reads, conditions: list[Any]) -> tuple[str, list[object]]:
    """The listing's conditions as SQL on `persons` with `$n` arguments (compiled once per shape)."""
    sql, args = compiled(
        select(literal_column("1")).select_from(Person).where(*conditions), dialect_of(session)
    )
    return sql[sql.index("WHERE ") + len("WHERE ") :], args


async def report_taken_fin(session: AsyncSession, actor: Actor, *, fin: str) -> None:
    """After a registration was refused as a duplicate: if the FIN is a protected person's, tell the
    agency that protects them that someone tried (the caller was told only `DUPLICATE`)."""
    connection = await driver_connection(session)
    hidden = await connection.fetchrow(_HIDDEN, None, validation.normalise_fin(fin))
    if hidden is None or hidden["protected_by"] is None:
        return
    await notices.post(
        session,
        agency_code=hidden["protected_by"],
        kind=notices.NoticeKind.DUPLICATE_FIN,
        person_id=hidden["id"],
        message=(
            f"{actor.label} tried to register a person with the FIN of a person your agency protects; "
            "they were told only that the FIN is taken."
        ),
        details={"user": actor.user_id, "agency": actor.agency_code},
    )
    await audit.record(
        session,
        actor,
        action="person:register",
        entity_type="person",
        entity_id=hidden["id"],
        person_id=hidden["id"],
        outcome=audit.Outcome.DENIED,
        reason="the FIN belongs to a protected person",
    )


def _conditions(
    filter: PersonFilter, actor: Actor, *, remit_test: bool = True, category: bool = True
) -> list[Any]:
    """The filter's conditions on `persons`, the remit's and disclosure's included; a page that walks
    the remit (`remit_test=False`) or the category (`category=False`) leaves out what its range
    already guarantees."""
    conditions: list[Any] = [remit.identity_disclosed(actor)]
    if remit_test:
        conditions.insert(0, remit.person_visible(actor))
    today = clock.today()
    if filter.region_code is not None:
        conditions.append(Person.region_code == filter.region_code)
    if filter.district_code is not None:
        conditions.append(Person.district_code == filter.district_code)
    if filter.min_age is not None:
        _require_age(filter.min_age, field="min_age")
        conditions.append(Person.birth_date <= _years_before(today, filter.min_age))
    if filter.max_age is not None:
        _require_age(filter.max_age, field="max_age")
        # Older than max_age means born on or before the day max_age + 1 years ago.
        conditions.append(Person.birth_date > _years_before(today, filter.max_age + 1))
    if filter.category is not None and category:
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


# No one alive is older; an age past it is a typing error, and a year before year 1 cannot be a date.
MAX_AGE = 150


def _require_age(age: int, *, field: str) -> None:
    if age < 0:
        raise ValidationFailed("An age cannot be negative.", field=field)
    if age > MAX_AGE:
        raise ValidationFailed(f"An age is at most {MAX_AGE} years.", field=field)


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


async def _place_in_household(
    session: AsyncSession, actor: Actor, person: Person, placement: HouseholdPlacement
) -> None:
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
        # Only a household the actor is shown: joining one it may not see would confirm it exists.
        existing = await session.scalar(
            select(Household)
            .where(Household.id == placement.household_id, remit.household_shown(actor))
            .with_for_update(of=Household)
        )
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
