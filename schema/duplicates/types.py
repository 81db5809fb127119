"""Pairs of records that are probably one person, with the score and the reasons."""

import strawberry

from resolvers.duplicates import CandidateView
from schema.registry.types import Person, person_of
from schema.relay import Counted, Edge, PageInfo
from sxvis.duplicates import candidates

MatchedField = strawberry.enum(candidates.MatchedField, description="Which field of the two records matched.")
MatchKind = strawberry.enum(
    candidates.MatchKind,
    description="How: the same spelling, the same name in another alphabet or transliteration "
    "(Azerbaijani Latin, ASCII, Russian Cyrillic), or close (trigram similarity).",
)


@strawberry.type(description="One reason two records look like one person, and what it adds to the score.")
class DuplicateReason:
    field: MatchedField  # type: ignore[valid-type]
    kind: MatchKind  # type: ignore[valid-type]
    weight: float
    detail: str


@strawberry.type(
    description="Two records that are probably one person. `person` was registered first (the one to "
    "keep, unless you know better); `score` is between 0 and 1."
)
class DuplicateCandidate:
    person: Person
    other: Person
    score: float
    reasons: list[DuplicateReason]


def candidate_of(c: CandidateView) -> DuplicateCandidate:
    return DuplicateCandidate(
        person=person_of(c.person),
        other=person_of(c.other),
        score=c.score,
        reasons=[
            DuplicateReason(field=r.field, kind=r.kind, weight=r.weight, detail=r.detail) for r in c.reasons
        ],
    )


@strawberry.type
class DuplicateCandidateConnection(Counted):
    edges: list[Edge[DuplicateCandidate]]
    page_info: PageInfo
