"""A check as GraphQL shows it: the fact, where it came from, how fresh it is, and its status."""

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from sxvis import clock
from sxvis.checks import CheckResult, shown
from sxvis.checks import enums as checks

CheckKind = strawberry.enum(
    checks.CheckKind,
    description="What is asked, and of which MEİS subsystem: DISABILITY (TSERAS), EMPLOYMENT (employment "
    "contracts), ADDRESS_RESIDENTS (address registration), TARGETED_AID (VEMTAS), PENSION.",
)
CheckStatus = strawberry.enum(
    checks.CheckStatus,
    description="OK: the ministry has a record. NOT_FOUND: it answered that it has none. PENDING: it could "
    "not answer now; asked again in the background until it does. FAILED: it refused the request.",
)


@strawberry.type(
    description="One check of a person against a ministry system, with the provenance of its fact. A "
    "fact is reused instead of asking again while it is fresh."
)
class Check:
    kind: CheckKind  # type: ignore[valid-type]
    status: CheckStatus  # type: ignore[valid-type]
    fact: JSON | None = strawberry.field(
        description="The ministry's record (null when it has none). For a person shown under a pseudonym, "
        "what would identify them (names, FINs, the address, the employer) is left out."
    )
    source_system: str | None = strawberry.field(description="The system that answered, e.g. TSERAS.")
    message_id: str | None = strawberry.field(
        description="The id of the message that brought the fact (X-Road-Id), logged by both sides."
    )
    obtained_at: datetime | None
    valid_until: datetime | None = strawberry.field(
        description="Until when the fact may be reused: the ministry's own limit, capped by the freshness."
    )
    fresh_until: datetime | None = strawberry.field(
        description="Until when it is reused under today's freshness settings."
    )
    fresh: bool
    reused: bool = strawberry.field(description="This run reused a fresh fact and asked nothing.")
    pending_since: datetime | None = strawberry.field(description="Since when a PENDING check waits.")
    error: str | None = strawberry.field(description="Why it is PENDING or FAILED.")


def check_of(result: CheckResult, *, disclosed: bool = True) -> Check:
    fact = result.fact
    return Check(
        kind=result.kind,
        status=result.status,
        fact=shown(result.kind, fact.value, disclosed=disclosed and result.disclosed) if fact else None,
        source_system=fact.source_system if fact else None,
        message_id=fact.message_id if fact else None,
        obtained_at=fact.obtained_at if fact else None,
        valid_until=fact.valid_until if fact else None,
        fresh_until=result.fresh_until,
        fresh=result.fresh(clock.now()),
        reused=result.reused,
        pending_since=result.pending_since,
        error=result.error,
    )
