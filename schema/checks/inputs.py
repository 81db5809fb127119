"""The input of `runChecks`."""

import strawberry

from schema.checks.types import CheckKind


@strawberry.input(description="Check a person against the ministry systems named in `checks`.")
class RunChecksInput:
    person_id: strawberry.ID
    checks: list[CheckKind]  # type: ignore[valid-type]
