"""One DataLoader per relation (STYLE §4). Each batch opens its own session, so loaders that run at the
same time never share a connection, and returns one result per key, in key order.

A page of persons with their circumstances, enrollments, services and providers therefore costs one
statement per relation, whatever the page size.
"""

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

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


def _session(db: Database, scope: RowScope | None) -> AbstractAsyncContextManager[AsyncSession]:
    """A scoped transaction for rows about persons; the catalogue (no personal data, no row-level
    security) is read in autocommit, one round trip."""
    return db.reader() if scope is None else db.scoped_session(scope)


def _persons_by_id(db: Database, actor: Actor, scope: RowScope) -> DataLoader[uuid.UUID, PersonRecord | None]:
    # A connection, not a session: the person read is plain SQL on asyncpg (sxvis.database.driver).
    async def load(keys: list[uuid.UUID]) -> list[PersonRecord | None]:
        async with db.scoped(scope) as connection:
            found = {p.id: p for p in await persons.get_persons(connection, actor, ids=keys)}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _same(row: Any) -> Any:
    return row


class Loaders:
    def __init__(
        self, db: Database, actor: Actor, scope: RowScope, *, freshness: Freshness | None = None
    ) -> None:
        self.checks: DataLoader[uuid.UUID, list[CheckResult]] = _many_each(
            db,
            scope,
            lambda s, ids: checks.checks_of(s, actor, person_ids=ids, freshness=freshness or Freshness()),
            lambda c: c.person_id,
            _same,
        )
        self.person: DataLoader[uuid.UUID, PersonRecord | None] = _persons_by_id(db, actor, scope)
        self.household: DataLoader[uuid.UUID, Household | None] = _one_each(
            db, scope, lambda s, ids: households.get_households(s, actor, ids=ids), lambda h: h.id
        )
        self.members: DataLoader[uuid.UUID, list[HouseholdMember]] = _many_each(
            db,
            scope,
            lambda s, ids: households.members_of(s, actor, household_ids=ids),
            lambda m: m.household_id,
            _same,
        )
        self.circumstances: DataLoader[uuid.UUID, list[Circumstance]] = _many_each(
            db,
            scope,
            lambda s, ids: circumstances.circumstances_of(s, actor, person_ids=ids),
            lambda c: c.person_id,
            _same,
        )
        self.enrollments: DataLoader[uuid.UUID, list[Enrollment]] = _many_each(
            db,
            scope,
            lambda s, ids: enrollments.enrollments_of(s, actor, person_ids=ids),
            lambda e: e.person_id,
            _same,
        )
        self.enrollment: DataLoader[uuid.UUID, Enrollment | None] = _one_each(
            db, scope, lambda s, ids: enrollments.get_enrollments(s, actor, ids=ids), lambda e: e.id
        )
        self.referral: DataLoader[uuid.UUID, Referral | None] = _one_each(
            db, scope, lambda s, ids: referrals.get_referrals(s, actor, ids=ids), lambda r: r.id
        )
        self.case: DataLoader[uuid.UUID, Case | None] = _one_each(
            db, scope, lambda s, ids: cases.get_cases(s, actor, ids=ids), lambda c: c.id
        )
        self.cases_of_person: DataLoader[uuid.UUID, list[Case]] = _many_each(
            db, scope, lambda s, ids: cases.cases_of(s, actor, person_ids=ids), lambda c: c.person_id, _same
        )
        self.case_timeline: DataLoader[uuid.UUID, list[CaseEntry]] = _many_each(
            db, scope, lambda s, ids: cases.timeline_of(s, actor, case_ids=ids), lambda e: e.case_id, _same
        )
        self.case_referrals: DataLoader[uuid.UUID, list[Referral]] = _many_each(
            db,
            scope,
            lambda s, ids: referrals.referrals_of_cases(s, actor, case_ids=ids),
            lambda r: r.case_id,
            _same,
        )
        self.referral_history: DataLoader[uuid.UUID, list[ReferralMove]] = _many_each(
            db,
            scope,
            lambda s, ids: referrals.history_of(s, actor, referral_ids=ids),
            lambda m: m.referral_id,
            _same,
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
