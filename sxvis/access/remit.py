"""The remit: which persons an agency sees, as SQL, for every query that reads persons.

An agency sees a person it registered, a person related to it by a row of `person_remit` (an active
enrollment at it, a consent in force naming it; referrals and cases add theirs), or every person when
it holds the registry-wide grant (`registry:read`). The rule is applied inside each query, so counts
and pages are right; row-level security (migration 0004) states the same rule for the application's
database role, as a second line.

Three renderings of the one rule live side by side here: SQLAlchemy conditions for the query builder,
text conditions for the few hot statements written in plain SQL, and the remit as rows in listing order
(`remit_rows_sql`), for a listing that must read about its own page, not the registry.
"""

import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true

from sxvis.access.models import BreakGlassGrant, PersonRemit
from sxvis.access.pseudonyms import via_pseudonym
from sxvis.actors import Actor
from sxvis.registry.models import Household, HouseholdMember, Person

_PLACEHOLDER = re.compile(r"^\$[0-9]{1,2}$")


def person_visible(actor: Actor) -> ColumnElement[bool]:
    """A condition on `persons`: the row is in the actor's remit."""
    if actor.reads_whole_registry:
        return true()
    return or_(
        Person.registered_by == actor.agency_code,
        exists().where(
            PersonRemit.person_id == Person.id,
            PersonRemit.agency_code == actor.agency_code,
            or_(PersonRemit.until.is_(None), PersonRemit.until > func.now()),
        ),
    )


def person_id_visible(actor: Actor, column: Any) -> ColumnElement[bool]:
    """A condition on a table that refers to a person: that person is in the actor's remit."""
    if actor.reads_whole_registry:
        return true()
    condition: ColumnElement[bool] = column.in_(select(Person.id).where(person_visible(actor)))
    return condition


def identity_disclosed(actor: Actor) -> ColumnElement[bool]:
    """A condition on `persons`: the actor may see who this is (not protected, or entitled)."""
    return or_(
        Person.protected.is_(False),
        Person.protected_by == actor.agency_code,
        exists().where(
            BreakGlassGrant.person_id == Person.id,
            BreakGlassGrant.user_id == actor.user_id,
            BreakGlassGrant.agency_code == actor.agency_code,
            BreakGlassGrant.expires_at > func.now(),
        ),
    )


def person_shown(actor: Actor) -> ColumnElement[bool]:
    """A condition on `persons`: in the remit and disclosed, i.e. findable by real id, FIN or name."""
    return and_(person_visible(actor), identity_disclosed(actor))


def person_reachable(actor: Actor, person_id: uuid.UUID) -> ColumnElement[bool]:
    """A condition on `persons`, for the person the caller named by `person_id`: in the remit, and,
    unless the caller reached them through the pseudonymous id it was shown, disclosed to it.

    A protected person hidden from the caller, named by their real id, is thus exactly a person who
    does not exist (the caller could only have the real id from outside; answering otherwise would
    confirm it and link it to the pseudonym)."""
    return person_visible(actor) if via_pseudonym(person_id) else person_shown(actor)


def reachable(actor: Actor, key: Any, person: Any, keys: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """A condition on a table of records about persons, for the records the caller named by `keys`
    (values of `key`; `person` is the record's person column): the same rule as `person_reachable`,
    per key. Records reached by a pseudonymous id need their person in the remit; by a real id, their
    person shown to the caller."""
    hidden = [uuid.UUID(int=k.int) for k in keys if via_pseudonym(k)]
    plain = [uuid.UUID(int=k.int) for k in keys if not via_pseudonym(k)]
    conditions: list[ColumnElement[bool]] = []
    if plain:
        shown = select(Person.id).where(person_shown(actor))
        conditions.append(and_(key.in_(plain), person.in_(shown)))
    if hidden:
        conditions.append(and_(key.in_(hidden), person_id_visible(actor, person)))
    return or_(*conditions) if conditions else false()


def household_shown(actor: Actor) -> ColumnElement[bool]:
    """A condition on `households`: the actor is shown its head or one of its members (in the remit and
    disclosed). A household whose only link to the actor is a protected person hidden from it is, to
    the actor, a household that does not exist: answering it, even empty, would confirm where that
    person lives."""
    shown = select(Person.id).where(person_shown(actor))
    member_shown = exists().where(
        HouseholdMember.household_id == Household.id, HouseholdMember.person_id.in_(shown)
    )
    return or_(Household.head_person_id.in_(shown), member_shown)


# The same rules in plain SQL, on `persons p`, with placeholders the caller names.
def visible_sql(*, agency: str, reads_all: str) -> str:
    _placeholders(agency, reads_all)
    return (
        f"({reads_all}::boolean OR p.registered_by = {agency} OR EXISTS ("  # noqa: S608  (placeholders only)
        f"SELECT 1 FROM person_remit r WHERE r.person_id = p.id AND r.agency_code = {agency}"
        " AND (r.until IS NULL OR r.until > now())))"
    )


def disclosed_sql(*, agency: str, user: str, person: str = "p") -> str:
    """`identity_disclosed` on `persons` aliased `person`."""
    _placeholders(agency, user)
    _alias(person)
    return (
        f"(NOT {person}.protected OR {person}.protected_by = {agency} OR EXISTS ("  # noqa: S608  (placeholders only)
        f"SELECT 1 FROM break_glass_grants g WHERE g.person_id = {person}.id AND g.user_id = {user}"
        f" AND g.agency_code = {agency} AND g.expires_at > now()))"
    )


def remit_rows_sql(*, agency: str, after: tuple[str, str] | None = None) -> str:
    """The agency's remit as rows `(sort_key, id, source, source_id)` in listing order, to be joined to
    `persons p ON p.id = <alias>.id` and filtered by `remit_row_first_sql`, which keeps one row a person.

    Two index ranges merged (migration 0019): the persons the agency registered, and its active
    `person_remit` rows, each already in listing order, so a page reads about its own rows whatever
    the registry's size. Each branch carries its own ORDER BY: a UNION ALL branch with a WHERE is
    planned on its own, and only an ORDER BY tells that plan the order is wanted (without it,
    PostgreSQL reads the whole remit and sorts it). `after` (`$n` placeholders of a sort key and an
    id) starts each range past a cursor, as an index bound.
    """
    _placeholders(agency, *(after or ()))
    registered_after = remit_after = ""
    if after is not None:
        key, last_id = after
        registered_after = f" AND (q.sort_key, q.id) > ({key}::text, {last_id}::uuid)"
        remit_after = f" AND (r.sort_key, r.person_id) > ({key}::text, {last_id}::uuid)"
    return (
        "((SELECT q.sort_key, q.id, NULL::text AS source, NULL::uuid AS source_id FROM persons q"  # noqa: S608
        f" WHERE q.registered_by = {agency}{registered_after} ORDER BY q.sort_key, q.id)"
        " UNION ALL "
        "(SELECT r.sort_key, r.person_id, r.source, r.source_id FROM person_remit r"
        f" WHERE r.agency_code = {agency} AND (r.until IS NULL OR r.until > now()){remit_after}"
        " ORDER BY r.sort_key, r.person_id))"
    )


def remit_row_first_sql(*, agency: str, rows: str, person: str = "p") -> str:
    """A condition on `remit_rows_sql`'s rows (aliased `rows`) joined to `persons` (aliased `person`):
    the row is the person's first reason to be in the remit, so each person is listed once. A person
    the agency registered comes by that; otherwise by their first active `person_remit` row (by
    source and source id, the table's key)."""
    _placeholders(agency)
    _alias(rows)
    _alias(person)
    return (
        f"({rows}.source IS NULL OR ({person}.registered_by <> {agency} AND NOT EXISTS ("  # noqa: S608
        f"SELECT 1 FROM person_remit e WHERE e.agency_code = {agency} AND e.person_id = {rows}.id"
        " AND (e.until IS NULL OR e.until > now())"
        f" AND (e.source, e.source_id) < ({rows}.source, {rows}.source_id))))"
    )


def _alias(name: str) -> None:
    if not re.match(r"^[a-z_]+$", name):
        raise ValueError(f"not an alias: {name!r}")


def _placeholders(*names: str) -> None:
    for name in names:
        if not _PLACEHOLDER.match(name):
            raise ValueError(f"not a $n placeholder: {name!r}")
