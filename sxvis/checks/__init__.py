"""Checks on a person against the ministry systems, and the facts they leave (issue 7, items 2 and 6).

- `run_checks` asks (or reuses fresh facts), `checks_of` reads the latest state back,
  `retry_pending_checks` settles checks whose ministry was down; `retry_forever` runs it in the server.
- `Freshness` says how long a fact is reused per kind; `FactSources` is what the core needs of the
  ministries (`integrations.hub.Integrations` provides it).
"""

from sxvis.checks.enums import CheckKind, CheckStatus, RequestStatus
from sxvis.checks.freshness import DEFAULT_FRESHNESS, Freshness
from sxvis.checks.models import CheckRequest, Fact
from sxvis.checks.service import (
    READ,
    RUN,
    CheckResult,
    checks_of,
    retry_forever,
    retry_pending_checks,
    run_checks,
)
from sxvis.checks.sources import Answer, FactSources, NoSources, Requester
from sxvis.checks.values import shown

__all__ = [
    "DEFAULT_FRESHNESS",
    "READ",
    "RUN",
    "Answer",
    "CheckKind",
    "CheckRequest",
    "CheckResult",
    "CheckStatus",
    "Fact",
    "FactSources",
    "Freshness",
    "NoSources",
    "RequestStatus",
    "Requester",
    "checks_of",
    "retry_forever",
    "retry_pending_checks",
    "run_checks",
    "shown",
]
