"""The DataLoaders of applications (STYLE §4): one statement per relation per page, whatever its size.

Kept apart from `resolvers.loaders` so that the shared module only gains one attribute
(`Loaders.applications`)."""

import uuid
from collections import defaultdict
from collections.abc import Iterable

from strawberry.dataloader import DataLoader

from sxvis.actors import Actor
from sxvis.applications import service as applications
from sxvis.applications.models import Application, ApplicationDocument, ApplicationMove
from sxvis.catalogue.models import RequiredDocument
from sxvis.database import Database
from sxvis.database.scope import RowScope

Shown = tuple[uuid.UUID, tuple[str, ...]]
"""An application (or a person's applications) and the fields the query asks of it there."""


def _by_fields(keys: Iterable[Shown]) -> dict[tuple[str, ...], list[uuid.UUID]]:
    wanted: dict[tuple[str, ...], list[uuid.UUID]] = defaultdict(list)
    for key, fields in keys:
        wanted[fields].append(key)
    return wanted


class ApplicationLoaders:
    def __init__(self, db: Database, actor: Actor, scope: RowScope) -> None:
        self._db = db
        self._actor = actor
        self._scope = scope
        # Keyed by (id, fields) like `resolvers.loaders.Shown`: the read's access event records the fields
        # the query asks there (`schema.relay.selected_fields`), one statement per distinct set of them.
        self.application: DataLoader[Shown, Application | None] = DataLoader(load_fn=self._applications)
        self.of_person: DataLoader[Shown, list[Application]] = DataLoader(load_fn=self._of_persons)
        self.history: DataLoader[uuid.UUID, list[ApplicationMove]] = DataLoader(load_fn=self._history)
        self.evidence: DataLoader[uuid.UUID, list[applications.Evidence]] = DataLoader(load_fn=self._evidence)
        self.documents: DataLoader[uuid.UUID, list[ApplicationDocument]] = DataLoader(load_fn=self._documents)
        self.missing: DataLoader[uuid.UUID, list[RequiredDocument]] = DataLoader(load_fn=self._missing)
        self.queue_position: DataLoader[uuid.UUID, int | None] = DataLoader(load_fn=self._positions)
        self._read: set[Shown] = set()

    def prime(self, found: Iterable[Application]) -> None:
        """Applications moved by a mutation: what this request read of them before the move is stale."""
        moved = {a.id for a in found}
        for key in [k for k in self._read if k[0] in moved]:
            self.application.clear(key)
            self._read.discard(key)

    async def _applications(self, keys: list[Shown]) -> list[Application | None]:
        found: dict[Shown, Application] = {}
        async with self._db.scoped_session(self._scope) as session:
            for fields, ids in _by_fields(keys).items():
                for a in await applications.get_applications(session, self._actor, ids=ids, fields=fields):
                    found[(a.id, fields)] = a
        self._read.update(keys)
        return [found.get(k) for k in keys]

    async def _of_persons(self, keys: list[Shown]) -> list[list[Application]]:
        grouped: dict[Shown, list[Application]] = defaultdict(list)
        async with self._db.scoped_session(self._scope) as session:
            for fields, ids in _by_fields(keys).items():
                for a in await applications.applications_of(
                    session, self._actor, person_ids=ids, fields=fields
                ):
                    grouped[(a.person_id, fields)].append(a)
        return [grouped.get(k, []) for k in keys]

    async def _history(self, keys: list[uuid.UUID]) -> list[list[ApplicationMove]]:
        grouped: dict[uuid.UUID, list[ApplicationMove]] = defaultdict(list)
        async with self._db.scoped_session(self._scope) as session:
            for m in await applications.history_of(session, self._actor, application_ids=keys):
                grouped[m.application_id].append(m)
        return [grouped.get(k, []) for k in keys]

    async def _evidence(self, keys: list[uuid.UUID]) -> list[list[applications.Evidence]]:
        grouped: dict[uuid.UUID, list[applications.Evidence]] = defaultdict(list)
        async with self._db.scoped_session(self._scope) as session:
            for e in await applications.evidence_of(session, self._actor, application_ids=keys):
                grouped[e.application_id].append(e)
        return [grouped.get(k, []) for k in keys]

    async def _documents(self, keys: list[uuid.UUID]) -> list[list[ApplicationDocument]]:
        grouped: dict[uuid.UUID, list[ApplicationDocument]] = defaultdict(list)
        async with self._db.scoped_session(self._scope) as session:
            for d in await applications.documents_of(session, self._actor, application_ids=keys):
                grouped[d.application_id].append(d)
        return [grouped.get(k, []) for k in keys]

    async def _missing(self, keys: list[uuid.UUID]) -> list[list[RequiredDocument]]:
        async with self._db.scoped_session(self._scope) as session:
            # What this read shows of the applications is the documents they still miss.
            found = await applications.get_applications(
                session, self._actor, ids=keys, fields=("missingDocuments",)
            )
            evidence = await applications.evidence_of(session, self._actor, application_ids=keys, log=False)
            missing = await applications.missing_documents(session, applications=found, evidence=evidence)
        return [missing.get(k, []) for k in keys]

    async def _positions(self, keys: list[uuid.UUID]) -> list[int | None]:
        async with self._db.scoped_session(self._scope) as session:
            positions = await applications.queue_positions(session, application_ids=keys)
        return [positions.get(k) for k in keys]
