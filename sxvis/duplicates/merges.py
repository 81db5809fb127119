"""Merging two records of one person (`mergePersons`): everything moves to the kept record, in one
transaction, and the merged id keeps resolving to the kept person.

- Both persons must be in the actor's remit, and both identities disclosed to them: merging a protected
  person needs the same entitlement as seeing who they are (the protecting agency, or an open glass).
- `sxvis_merge_person` (migration 0012) moves every row that refers to the merged person, for every
  foreign key on `persons.id` the catalogue knows (`pg_constraint`), tables added later included; a row
  that would collide with one the kept person already has (the same household twice, the same active
  enrollment twice) is removed and kept, as JSON, in the merge record.
- The kept record gains what only the merged one had (patronymic, address, phone, e-mail), keeps a
  protection either had, and the agency that registered the merged record keeps it in its remit
  (`person_remit`, source `MERGE`), so a merge takes no one's person away.
- `person_merges` maps the merged id to the kept one (`person(id:)` follows it), with a snapshot of the
  merged row; the merged row is deleted, so nothing points at it.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sxvis import audit
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.database.driver import driver_connection
from sxvis.errors import AccessDenied, NotFound, ValidationFailed
from sxvis.registry.models import Person

MERGE = "person:merge"
MIN_REASON_LENGTH = 10

# Fields the kept record takes from the merged one when it has none of its own.
_FILLED = ("patronymic", "address_line", "phone", "email")

_MERGE = "SELECT sxvis_merge_person($1, $2, $3, $4, $5, $6::text[])"


@dataclass(frozen=True, slots=True)
class MergeResult:
    kept: Person
    merge_id: uuid.UUID
    moved: dict[str, Any]


async def merge_persons(
    session: AsyncSession, actor: Actor, *, keep_id: uuid.UUID, merge_id: uuid.UUID, reason: str
) -> MergeResult:
    actor.require(MERGE)
    text = " ".join(reason.split())
    if len(text) < MIN_REASON_LENGTH:
        raise ValidationFailed(
            f"Say why these are one person (at least {MIN_REASON_LENGTH} characters).", field="reason"
        )
    if keep_id == merge_id:
        raise ValidationFailed("A person cannot be merged into themselves.", field="merge_id")
    kept = await _locked(session, actor, keep_id, field="keep_id")
    merged = await _locked(session, actor, merge_id, field="merge_id")
    for person in (kept, merged):
        if person.protected and not await _disclosed(session, actor, person.id):
            raise AccessDenied(
                "This protected person's identity is not disclosed to your agency, so you cannot merge "
                "their record; the agency that protects them can, or break the glass first.",
                action=MERGE,
                person_id=person.id,
            )
    filled = [name for name in _FILLED if getattr(kept, name) is None and getattr(merged, name) is not None]
    for name in filled:
        setattr(kept, name, getattr(merged, name))
    if kept.region_code is None and merged.region_code is not None:
        kept.region_code, kept.district_code = merged.region_code, merged.district_code
        filled += ["region_code", "district_code"]
    if merged.protected and not kept.protected:
        kept.protected, kept.protected_by = True, merged.protected_by
        filled.append("protected")
    await session.flush()
    merged_fin = merged.fin
    session.expunge(merged)  # the function deletes its row
    record_id = uuid.uuid4()
    connection = await driver_connection(session)
    moved = await connection.fetchval(_MERGE, kept.id, merge_id, record_id, text, actor.label, filled)
    moved_data: dict[str, Any] = orjson.loads(moved) if isinstance(moved, str | bytes) else dict(moved)
    await session.refresh(kept)
    await audit.record(
        session,
        actor,
        action=MERGE,
        entity_type="person",
        entity_id=kept.id,
        person_id=kept.id,
        person_ids=[kept.id, merge_id],
        reason=text,
        fields=sorted(filled),
        details={
            "merged_id": str(merge_id),
            "merged_fin": merged_fin,
            "merge_id": str(record_id),
            **moved_data,
        },
    )
    return MergeResult(kept=kept, merge_id=record_id, moved=moved_data)


async def _locked(session: AsyncSession, actor: Actor, person_id: uuid.UUID, *, field: str) -> Person:
    person = await session.scalar(
        select(Person)
        .where(Person.id == person_id, remit.person_reachable(actor, person_id))
        .with_for_update()
    )
    if person is None:
        raise NotFound("No person has this id.", field=field)
    return person


async def _disclosed(session: AsyncSession, actor: Actor, person_id: uuid.UUID) -> bool:
    query = select(Person.id).where(Person.id == person_id, remit.identity_disclosed(actor))
    return await session.scalar(query) is not None


def _json(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str).decode("utf-8")
