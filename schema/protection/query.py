"""The interview records of a domestic-violence case (rule 10, passport 09-03-00-00 step 3)."""

import strawberry
from strawberry.types import Info

from resolvers import protection as resolve
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.errors import answer
from schema.protection.types import DomesticViolenceInterview, interview_of
from schema.relay import parse_id


@strawberry.type
class ProtectionQuery:
    @strawberry.field(
        description="The lawyer's and psychologist's interview records of a domestic-violence case: only "
        "for the case workers of the agency that registered it (FORBIDDEN for anyone else); every read "
        "is logged against the person."
    )
    async def domestic_violence_interviews(
        self, info: Info[Context, None], case_id: strawberry.ID
    ) -> list[DomesticViolenceInterview]:
        async def work() -> list[DomesticViolenceInterview]:
            ctx = info.context
            found_id = registry_resolvers.require_record_id(
                ctx, parse_id(case_id, type_name="Case", field="case_id"), kind="case", field="case_id"
            )
            return [interview_of(i) for i in await resolve.interviews(ctx, case_id=found_id)]

        return await answer(work)
