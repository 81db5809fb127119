"""Input of `mergePersons`."""

import strawberry


@strawberry.input(description="Merge `mergeId` into `keepId`: everything moves to the kept record.")
class MergePersonsInput:
    keep_id: strawberry.ID
    merge_id: strawberry.ID
    reason: str = strawberry.field(description="Why these are one person (kept in the merge record).")
