"""`mergePersons`: one transaction; the merged id resolves to the kept person afterwards."""

import strawberry
from strawberry.types import Info

from resolvers import duplicates as resolve
from resolvers import registry as registry_resolvers
from resolvers.context import Context
from schema.duplicates.inputs import MergePersonsInput
from schema.errors import RegistryError
from schema.registry.types import Person, person_of
from schema.relay import parse_id
from sxvis.errors import DomainError


@strawberry.type
class MergePersonsPayload:
    person: Person | None = strawberry.field(default=None, description="The kept person, after the merge.")
    merge_id: strawberry.ID | None = strawberry.field(default=None, description="The merge record's id.")
    errors: list[RegistryError] = strawberry.field(default_factory=list)


@strawberry.type
class DuplicateMutation:
    @strawberry.mutation(
        description="Merge two records of one person (registry administrators): every enrollment, "
        "circumstance, consent, referral, case, fact… of `mergeId` moves to `keepId`, and `mergeId` "
        "keeps resolving to the kept person."
    )
    async def merge_persons(self, info: Info[Context, None], input: MergePersonsInput) -> MergePersonsPayload:
        ctx = info.context
        try:
            keep_id = registry_resolvers.require_person_id(
                ctx, parse_id(input.keep_id, type_name="Person", field="keep_id"), field="keep_id"
            )
            merge_id = registry_resolvers.require_person_id(
                ctx, parse_id(input.merge_id, type_name="Person", field="merge_id"), field="merge_id"
            )
            kept, record_id = await resolve.merge_persons(
                ctx, keep_id=keep_id, merge_id=merge_id, reason=input.reason
            )
        except DomainError as err:
            return MergePersonsPayload(errors=[RegistryError.of(err)])
        return MergePersonsPayload(person=person_of(kept), merge_id=strawberry.ID(str(record_id)))
