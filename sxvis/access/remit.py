"""The remit: which persons an agency sees, as SQL, for every query that reads persons.

An agency sees a person it registered, a person related to it by a row of `person_remit` (an active
enrollment at it, a consent in force naming it; referrals and cases add theirs), or every person when
it holds the registry-wide grant (`registry:read`). The rule is applied inside each query, so counts
and pages are right; row-level security (migration 0004) states the same rule for the application's
database role, as a second line.

Two renderings of the one rule live side by side here: SQLAlchemy conditions for the query builder,
and text for the few hot statements written in plain SQL.
"""

import re
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select, true

from sxvis.access.models import BreakGlassGrant, PersonRemit
from sxvis.actors import Actor
from sxvis.registry.models import Person

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


# The same rules in plain SQL, on `persons p`, with placeholders the caller names.
def visible_sql(*, agency: str, reads_all: str) -> str:
    _placeholders(agency, reads_all)
    return (
        f"({reads_all}::boolean OR p.registered_by = {agency} OR EXISTS ("  # noqa: S608  (placeholders only)
        f"SELECT 1 FROM person_remit r WHERE r.person_id = p.id AND r.agency_code = {agency}"
        " AND (r.until IS NULL OR r.until > now())))"
    )


def disclosed_sql(*, agency: str, user: str) -> str:
    _placeholders(agency, user)
    return (
        f"(NOT p.protected OR p.protected_by = {agency} OR EXISTS ("  # noqa: S608  (placeholders only)
        f"SELECT 1 FROM break_glass_grants g WHERE g.person_id = p.id AND g.user_id = {user}"
        f" AND g.agency_code = {agency} AND g.expires_at > now()))"
    )


def _placeholders(*names: str) -> None:
    for name in names:
        if not _PLACEHOLDER.match(name):
            raise ValueError(f"not a $n placeholder: {name!r}")
