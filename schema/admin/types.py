"""The types of policy administration and the access log: who I am, the policy's lines, access events.

An access event is shown as the log holds it, with one translation: person ids become `Person` global
ids, so an auditor can pass them straight to `accessLog(filter: {personId})` or to the registry.
"""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import strawberry

from authz.models import PolicyRule as PolicyRuleModel
from schema.relay import Counted, Edge, PageInfo, global_id
from schema.vocabulary import renamed
from sxvis.actors import Actor
from sxvis.audit.models import Outcome
from sxvis.audit.queries import LoggedEvent

AccessOutcome = strawberry.enum(Outcome, name="AccessOutcome", description="How an access ended.")


@strawberry.type(description="The caller, as SXVİS sees them in this request.")
class Me:
    user_id: str
    agency_code: str
    name: str
    roles: list[str] = strawberry.field(
        description="Effective roles: the token's, and those granted in SXVİS for this agency."
    )
    permissions: list[str] = strawberry.field(description="The actions the roles permit (`object:action`).")
    purpose_of_use: str | None = strawberry.field(description="This request's purpose of use.")


def me_of(actor: Actor) -> Me:
    return Me(
        user_id=actor.user_id,
        agency_code=actor.agency_code,
        name=actor.name,
        roles=sorted(actor.roles),
        permissions=sorted(actor.permissions),
        purpose_of_use=actor.origin.purpose,
    )


@strawberry.type(
    description="One line of the access policy: `p` (role, agency or *, object, action), `g` (user, role, "
    "agency: a grant) or `g2` (role, the role it inherits from)."
)
class PolicyRule:
    kind: str
    values: list[str]
    created_by: str
    created_at: datetime


def policy_rule_of(rule: PolicyRuleModel) -> PolicyRule:
    return PolicyRule(
        kind=rule.ptype, values=rule.values(), created_by=rule.created_by, created_at=rule.created_at
    )


@strawberry.type(description="Who acted: the user, their agency, and their effective roles then.")
class AccessEventActor:
    user: str = strawberry.field(deprecation_reason=renamed("userId"))
    agency: str = strawberry.field(deprecation_reason=renamed("agencyCode"))
    roles: list[str]

    @strawberry.field(description="The acting user's id.")
    def user_id(self) -> str:
        return self.user

    @strawberry.field(description="The acting user's agency's code.")
    def agency_code(self) -> str:
        return self.agency


@strawberry.type(description="Where one fact a check used came from.")
class Evidence:
    kind: str
    status: str
    source_system: str | None
    message_id: str | None = strawberry.field(description="The ministry message (X-Road-Id).")
    obtained_at: str | None
    reused: bool | None = strawberry.field(description="Reused while fresh, nothing asked.")


def evidence_of(item: Mapping[str, Any]) -> Evidence:
    return Evidence(
        kind=str(item.get("kind")),
        status=str(item.get("status")),
        source_system=item.get("source"),
        message_id=item.get("message_id"),
        obtained_at=item.get("obtained_at"),
        reused=item.get("reused"),
    )


@strawberry.type(description="One access: who, when, what, whose, why, and how it ended.")
class AccessEvent:
    occurred_at: datetime
    actor: AccessEventActor
    action: str
    entity_type: str
    entity_id: str | None
    person_id: strawberry.ID | None = strawberry.field(
        description="The subject (a read by id or FIN, an update), as a Person id."
    )
    person_ids: list[strawberry.ID] = strawberry.field(
        description="Every person the access returned (a search, a list), as Person ids."
    )
    purpose: str | None
    operation_name: str | None
    fields: list[str]
    outcome: AccessOutcome  # type: ignore[valid-type]
    reason: str | None
    request_id: str | None
    evidence: list[Evidence] = strawberry.field(
        description="For a check (check:run, check:read): each fact's provenance, so evidence can be traced "
        "to the ministry message that brought it."
    )
    replay: bool = strawberry.field(
        description="The request repeated an earlier one under its idempotency key (a createReferral sent "
        "again): the existing record was returned and shown, nothing was created."
    )


def access_event_of(event: LoggedEvent) -> AccessEvent:
    return AccessEvent(
        occurred_at=event.occurred_at,
        actor=AccessEventActor(
            user=event.actor_user, agency=event.actor_agency, roles=list(event.actor_roles)
        ),
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        person_id=None if event.person_id is None else global_id("Person", event.person_id),
        person_ids=[global_id("Person", p) for p in event.person_ids],
        purpose=event.purpose,
        operation_name=event.operation_name,
        fields=list(event.fields),
        outcome=event.outcome,
        reason=event.reason,
        request_id=event.request_id,
        evidence=[evidence_of(item) for item in event.evidence],
        replay=event.replay,
    )


@strawberry.type
class AccessEventConnection(Counted):
    edges: list[Edge[AccessEvent]]
    page_info: PageInfo


@strawberry.type(description="How many accesses one day (Baku time) had, by how they ended.")
class AccessLogDay:
    day: date
    allowed: int
    denied: int
    failed: int


@strawberry.type(
    description="The access log's hash chain as `sxvis audit verify` finds it (without the head kept "
    "outside the database: run the command with it for the full check). A server keeps its last answer "
    "and refreshes it in the background at most once a minute; `checkedAt` says when it was taken."
)
class AuditChainStatus:
    intact: bool
    events_checked: int = strawberry.field(description="Sealed events whose hashes were recomputed.")
    head_event_id: int = strawberry.field(description="The last sealed event.")
    head_hash: str = strawberry.field(description="Its hash, in hex: compare it with the head you keep.")
    waiting: int = strawberry.field(
        description="Events not sealed yet (the sealer runs off the request path)."
    )
    broken_at: int | None = strawberry.field(description="The first event where the chain breaks.")
    problem: str | None = strawberry.field(description="What is wrong there, in words.")
    checked_at: datetime
