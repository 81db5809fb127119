"""One DataLoader per relation (STYLE §4). Each batch opens its own session, so loaders that run at the
same time never share a connection, and returns one result per key, in key order.

A page of persons with their circumstances, enrollments, services and providers therefore costs one
statement per relation, whatever the page size.
"""

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from resolvers.application_loaders import ApplicationLoaders
from sxvis.actors import Actor
from sxvis.cases import service as cases
from sxvis.cases.models import Case, CaseEntry
from sxvis.catalogue import capacity
from sxvis.catalogue import service as catalogue
from sxvis.catalogue.capacity import Capacity
from sxvis.catalogue.models import Agency, RequiredDocument, Service
from sxvis.checks import CheckResult, Freshness
from sxvis.checks import service as checks
from sxvis.database import Database
from sxvis.database.scope import RowScope
from sxvis.referrals import service as referrals
from sxvis.referrals.models import Referral, ReferralMove
from sxvis.registry import circumstances, enrollments, households, persons
from sxvis.registry.models import Circumstance, Enrollment, Household, HouseholdMember
from sxvis.registry.records import PersonRecord

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one_each(
    db: Database,
    scope: RowScope | None,
    fetch: Callable[[AsyncSession, list[K]], Awaitable[Iterable[V]]],
    key: Callable[[V], K],
) -> DataLoader[K, V | None]:
    async def load(keys: list[K]) -> list[V | None]:
        async with _session(db, scope) as session:
            found = {key(row): row for row in await fetch(session, keys)}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _many_each(
    db: Database,
    scope: RowScope | None,
    fetch: Callable[[AsyncSession, list[K]], Awaitable[Iterable[Any]]],
    key: Callable[[Any], K],
    value: Callable[[Any], V],
) -> DataLoader[K, list[V]]:
    async def load(keys: list[K]) -> list[list[V]]:
        grouped: dict[K, list[V]] = defaultdict(list)
        async with _session(db, scope) as session:
            for row in await fetch(session, keys):
                grouped[key(row)].append(value(row))
        return [grouped.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


Fields = tuple[str, ...]


class Shown(Generic[K, V]):
    """A loader of personal data that logs what it showed: each load names the fields the query asks
    there (`schema.relay.selected_fields`), and the access event of the read records them. Keyed by
    (key, fields): a batch reads once per distinct set of fields (a page asks the same of each row, so
    it stays one statement), and a row asked again for other fields is read and logged again."""

    def __init__(self, load: Callable[[list[tuple[K, Fields]]], Awaitable[list[V]]]) -> None:
        self._loader: DataLoader[tuple[K, Fields], V] = DataLoader(load_fn=load)

    async def load(self, key: K, fields: Sequence[str]) -> V:
        return await self._loader.load((key, tuple(fields)))


def _by_fields(keys: list[tuple[K, Fields]]) -> dict[Fields, list[K]]:
    wanted: dict[Fields, list[K]] = defaultdict(list)
    for k, fields in keys:
        wanted[fields].append(k)
    return wanted


def _one_shown(
    db: Database,
    scope: RowScope,
    fetch: Callable[[AsyncSession, list[K], Fields], Awaitable[Iterable[V]]],
    key: Callable[[V], K],
) -> Shown[K, V | None]:
    async def load(keys: list[tuple[K, Fields]]) -> list[V | None]:
        found: dict[tuple[K, Fields], V] = {}
        async with _session(db, scope) as session:
            for fields, wanted in _by_fields(keys).items():
                for row in await fetch(session, wanted, fields):
                    found[(key(row), fields)] = row
        return [found.get(k) for k in keys]

    return Shown(load)


def _many_shown(
    db: Database,
    scope: RowScope,
    fetch: Callable[[AsyncSession, list[K], Fields], Awaitable[Iterable[Any]]],
    key: Callable[[Any], K],
) -> Shown[K, list[Any]]:
    async def load(keys: list[tuple[K, Fields]]) -> list[list[Any]]:
        grouped: dict[tuple[K, Fields], list[Any]] = defaultdict(list)
        async with _session(db, scope) as session:
            for fields, wanted in _by_fields(keys).items():
                for row in await fetch(session, wanted, fields):
                    grouped[(key(row), fields)].append(row)
        return [grouped.get(k, []) for k in keys]

    return Shown(load)


def _session(db: Database, scope: RowScope | None) -> AbstractAsyncContextManager[AsyncSession]:
    """A scoped transaction for rows about persons; the catalogue (no personal data, no row-level
    security) is read in autocommit, one round trip."""
    return db.reader() if scope is None else db.scoped_session(scope)


PersonKey = tuple[uuid.UUID, tuple[str, ...]]
"""A person reached through a relation, and the fields the query asks of them there."""


def _persons_by_id(db: Database, actor: Actor, scope: RowScope) -> DataLoader[PersonKey, PersonRecord | None]:
    """Keyed by the person and the fields asked, so that each read's access event records the fields
    it showed: one statement per distinct set of fields in a batch (a page of persons asks the same
    fields of each, so it stays one), and a person asked again for other fields is read, and logged,
    again rather than served from the cache."""

    # A connection, not a session: the person read is plain SQL on asyncpg (sxvis.database.driver).
    async def load(keys: list[PersonKey]) -> list[PersonRecord | None]:
        wanted: dict[tuple[str, ...], list[uuid.UUID]] = defaultdict(list)
        for person_id, fields in keys:
            wanted[fields].append(person_id)
        found: dict[PersonKey, PersonRecord] = {}
        async with db.scoped(scope) as connection:
            for fields, ids in wanted.items():
                for p in await persons.get_persons(connection, actor, ids=ids, fields=fields):
                    found[(p.id, fields)] = p
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _same(row: Any) -> Any:
    return row


class Loaders:
    def __init__(
        self, db: Database, actor: Actor, scope: RowScope, *, freshness: Freshness | None = None
    ) -> None:
        fresh = freshness or Freshness()
        self.checks: Shown[uuid.UUID, list[CheckResult]] = _many_shown(
            db,
            scope,
            lambda s, ids, f: checks.checks_of(s, actor, person_ids=ids, freshness=fresh, fields=f),
            lambda c: c.person_id,
        )
        self.person: DataLoader[PersonKey, PersonRecord | None] = _persons_by_id(db, actor, scope)
        self.household: Shown[uuid.UUID, Household | None] = _one_shown(
            db,
            scope,
            lambda s, ids, f: households.get_households(s, actor, ids=ids, fields=f),
            lambda h: h.id,
        )
        self.members: Shown[uuid.UUID, list[HouseholdMember]] = _many_shown(
            db,
            scope,
            lambda s, ids, f: households.members_of(s, actor, household_ids=ids, fields=f),
            lambda m: m.household_id,
        )
        self.circumstances: Shown[uuid.UUID, list[Circumstance]] = _many_shown(
            db,
            scope,
            lambda s, ids, f: circumstances.circumstances_of(s, actor, person_ids=ids, fields=f),
            lambda c: c.person_id,
        )
        self.enrollments: Shown[uuid.UUID, list[Enrollment]] = _many_shown(
            db,
            scope,
            lambda s, ids, f: enrollments.enrollments_of(s, actor, person_ids=ids, fields=f),
            lambda e: e.person_id,
        )
        self.enrollment: Shown[uuid.UUID, Enrollment | None] = _one_shown(
            db,
            scope,
            lambda s, ids, f: enrollments.get_enrollments(s, actor, ids=ids, fields=f),
            lambda e: e.id,
        )
        self.referral: Shown[uuid.UUID, Referral | None] = _one_shown(
            db, scope, lambda s, ids, f: referrals.get_referrals(s, actor, ids=ids, fields=f), lambda r: r.id
        )
        self.case: Shown[uuid.UUID, Case | None] = _one_shown(
            db, scope, lambda s, ids, f: cases.get_cases(s, actor, ids=ids, fields=f), lambda c: c.id
        )
        self.cases_of_person: Shown[uuid.UUID, list[Case]] = _many_shown(
            db,
            scope,
            lambda s, ids, f: cases.cases_of(s, actor, person_ids=ids, fields=f),
            lambda c: c.person_id,
        )
        self.case_timeline: Shown[uuid.UUID, list[CaseEntry]] = _many_shown(
            db,
            scope,
            lambda s, ids, f: cases.timeline_of(s, actor, case_ids=ids, fields=f),
            lambda e: e.case_id,
        )
        self.case_referrals: Shown[uuid.UUID, list[Referral]] = _many_shown(
            db,
            scope,
            lambda s, ids, f: referrals.referrals_of_cases(s, actor, case_ids=ids, fields=f),
            lambda r: r.case_id,
        )
        self.referral_history: Shown[uuid.UUID, list[ReferralMove]] = _many_shown(
            db,
            scope,
            lambda s, ids, f: referrals.history_of(s, actor, referral_ids=ids, fields=f),
            lambda m: m.referral_id,
        )
        self.service: DataLoader[str, Service | None] = _one_each(
            db, None, lambda s, codes: catalogue.get_services(s, codes=codes), lambda x: x.code
        )
        self.agency: DataLoader[str, Agency | None] = _one_each(
            db, None, lambda s, codes: catalogue.get_agencies(s, codes=codes), lambda a: a.code
        )
        self.providers: DataLoader[str, list[Agency]] = _many_each(
            db,
            None,
            lambda s, codes: catalogue.providers_of(s, service_codes=codes),
            lambda pair: pair[0],
            lambda pair: pair[1],
        )
        # Capacity is catalogue data (places and counts, no person): read like the catalogue.
        self.capacities_of_service: DataLoader[str, list[Capacity]] = _many_each(
            db,
            None,
            lambda s, codes: capacity.capacities_of_services(s, service_codes=codes),
            lambda c: c.service_code,
            _same,
        )
        self.capacities_of_agency: DataLoader[str, list[Capacity]] = _many_each(
            db,
            None,
            lambda s, codes: capacity.capacities_of_agencies(s, agency_codes=codes),
            lambda c: c.agency_code,
            _same,
        )
        self.applications = ApplicationLoaders(db, actor, scope)  # issue 16: applications and their relations
        self.required_documents: DataLoader[str, list[RequiredDocument]] = _many_each(
            db,
            None,
            lambda s, codes: catalogue.required_documents_of(s, service_codes=codes),
            lambda d: d.service_code,
            _same,
        )


__all__ = ["Loaders"]
