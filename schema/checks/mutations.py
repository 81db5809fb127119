"""`runChecks`: ask the ministries about a person now (reusing fresh facts), each check with its status.

A ministry that cannot answer within its budget leaves its check PENDING at once; the server asks again
in the background and `Person.checks` shows the answer when it comes.
"""

import strawberry
from strawberry.types import Info

from resolvers import checks as resolve
from resolvers.context import Context
from schema.checks.inputs import RunChecksInput
from schema.checks.types import Check, check_of
from schema.errors import RegistryError
from schema.relay import parse_id
from sxvis.checks import CheckKind
from sxvis.errors import DomainError


@strawberry.type
class RunChecksPayload:
    checks: list[Check] = strawberry.field(default_factory=list)
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class CheckMutation:
    @strawberry.mutation(
        description="Check a person against ministry systems (disability, employment, residents at the "
        "address, targeted aid, pension): a fresh fact is reused, the rest asked now."
    )
    async def run_checks(self, info: Info[Context, None], input: RunChecksInput) -> RunChecksPayload:
        try:
            results = await resolve.run_checks(
                info.context,
                public_id=parse_id(input.person_id, type_name="Person", field="person_id"),
                kinds=[CheckKind(kind.value) for kind in input.checks],
            )
        except DomainError as err:
            return RunChecksPayload(errors=[RegistryError.of(err)])
        return RunChecksPayload(checks=[check_of(result) for result in results])
