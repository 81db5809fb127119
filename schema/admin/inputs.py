"""Inputs of policy administration and the access log."""

from datetime import datetime

import strawberry

from schema.admin.types import AccessOutcome
from schema.vocabulary import renamed


@strawberry.input(description="Which access events to list. Every condition given must hold.")
class AccessLogFilter:
    person_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A Person id: events about this person, as subject or among the persons returned.",
    )
    actor_user_id: str | None = strawberry.field(default=None, description="The acting user's id.")
    actor_id: str | None = strawberry.field(
        default=None, description="The acting user's id.", deprecation_reason=renamed("actorUserId")
    )
    agency_code: str | None = strawberry.field(default=None, description="The acting user's agency.")
    action: str | None = strawberry.field(default=None, description="An action, e.g. person:read.")
    outcome: AccessOutcome | None = None  # type: ignore[valid-type]
    purpose: str | None = strawberry.field(
        default=None, description="The purpose the caller declared (X-Purpose-Of-Use), e.g. CASE_MANAGEMENT."
    )
    from_: datetime | None = strawberry.field(name="from", default=None, description="At or after this time.")
    to: datetime | None = strawberry.field(default=None, description="Before this time.")


@strawberry.input(description="A role for a user in an agency.")
class RoleGrantInput:
    user_id: str
    agency_code: str
    role: str = strawberry.field(description="One of the roles SXVİS knows, e.g. auditor.")
