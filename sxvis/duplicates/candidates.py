"""A page of probable duplicate pairs, scored and explained (`duplicateCandidates`).

The pairs themselves are found in the background (`sxvis.duplicates.pairs`, which says what makes a
pair): a page reads `duplicate_pairs` in score order and joins each side's current record, so a
merged person's pairs disappear at once, and a person registered or changed since the last refresh
is paired at the next one (`SXVIS_DUPLICATES_REFRESH_SECONDS`, or `sxvis duplicates refresh`).

Only persons in the actor's remit whose identity is disclosed to them are paired: a protected person
never appears to anyone not entitled to who they are (a pseudonym beside a named twin would name them).
The page and the access event recording both persons of every pair shown are one statement.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sxvis import audit
from sxvis.access import remit
from sxvis.actors import Actor
from sxvis.database.driver import Reads, driver_connection
from sxvis.duplicates.pairs import ADDRESS_WEIGHT, BIRTH_DATE_WEIGHT, NAME_WEIGHT
from sxvis.errors import ValidationFailed
from sxvis.pagination import Page, decode_cursor, encode_cursor, page_size
from sxvis.registry.records import PERSON_RECORD_COLUMNS, PersonRecord

READ = "duplicate:read"


class MatchedField(StrEnum):
    NAME = "NAME"
    BIRTH_DATE = "BIRTH_DATE"
    ADDRESS = "ADDRESS"


class MatchKind(StrEnum):
    EXACT = "EXACT"  # the same spelling
    TRANSLITERATION = "TRANSLITERATION"  # different spellings of one name (the folded names are equal)
    SIMILAR = "SIMILAR"  # close, not equal (trigram similarity)


@dataclass(frozen=True, slots=True)
class MatchReason:
    field: MatchedField
    kind: MatchKind
    weight: float  # what this match adds to the score
    detail: str


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    person: PersonRecord  # the earlier registered of the two: the one to keep, unless told otherwise
    other: PersonRecord
    score: float
    reasons: tuple[MatchReason, ...]


_PERSON = ", ".join(f'p."{name}"' for name in PERSON_RECORD_COLUMNS)
_VISIBLE = remit.visible_sql(agency="$1", reads_all="$2")
_DISCLOSED = remit.disclosed_sql(agency="$1", user="$3")

# $1 agency, $2 registry-wide, $3 user, $4 pairs to return, $5 after score, $6 after first id, $7 after
# second id (all null on the first page).
_PAIRS = f"""
WITH page AS (
  SELECT d.a_id, d.b_id, d.score, d.name_score, d.same_key, d.same_spelling, d.same_birth_date,
    d.same_address
  FROM duplicate_pairs d
  WHERE ($5::float8 IS NULL OR d.score < $5::float8
      OR (d.score = $5::float8 AND (d.a_id, d.b_id) > ($6::uuid, $7::uuid)))
    AND EXISTS (SELECT 1 FROM persons p WHERE p.id = d.a_id AND {_VISIBLE} AND {_DISCLOSED})
    AND EXISTS (SELECT 1 FROM persons p WHERE p.id = d.b_id AND {_VISIBLE} AND {_DISCLOSED})
  ORDER BY d.score DESC, d.a_id, d.b_id
  LIMIT $4::int
)
SELECT {_PERSON}, pg.a_id, pg.b_id, pg.score, pg.name_score, pg.same_key, pg.same_spelling,
  pg.same_birth_date, pg.same_address, side.n AS side
FROM page pg
CROSS JOIN LATERAL (VALUES (pg.a_id, 0), (pg.b_id, 1)) AS side (person_id, n)
JOIN persons p ON p.id = side.person_id
ORDER BY pg.score DESC, pg.a_id, pg.b_id, side.n
"""  # noqa: S608  (built from constants and $n placeholders only)


# $1 agency, $2 registry-wide, $3 user.
_COUNT = f"""
SELECT count(*) FROM duplicate_pairs d
WHERE EXISTS (SELECT 1 FROM persons p WHERE p.id = d.a_id AND {_VISIBLE} AND {_DISCLOSED})
  AND EXISTS (SELECT 1 FROM persons p WHERE p.id = d.b_id AND {_VISIBLE} AND {_DISCLOSED})
"""  # noqa: S608  (built from constants and $n placeholders only)


async def count_candidates(reads: Reads, actor: Actor) -> int:
    """How many pairs `duplicate_candidates` lists, all pages together (a number, no person)."""
    actor.require(READ)
    connection = await driver_connection(reads)
    found = await connection.fetchval(_COUNT, actor.agency_code, actor.reads_whole_registry, actor.user_id)
    return int(found)


async def duplicate_candidates(
    reads: Reads,
    actor: Actor,
    *,
    first: int | None = None,
    after: str | None = None,
    fields: Sequence[str] = (),
) -> Page[DuplicateCandidate]:
    """A page of probable duplicate pairs within the actor's remit, highest score first."""
    actor.require(READ)
    limit = page_size(first)
    score: float | None = None
    after_a: uuid.UUID | None = None
    after_b: uuid.UUID | None = None
    if after:
        raw_score, raw_a, raw_b = decode_cursor(after, arity=3)
        try:
            score, after_a, after_b = float(raw_score), uuid.UUID(str(raw_a)), uuid.UUID(str(raw_b))
        except (TypeError, ValueError):
            raise ValidationFailed("The cursor is not one this API gave out.", field="after") from None
    connection = await driver_connection(reads)
    args = (
        actor.agency_code,
        actor.reads_whole_registry,
        actor.user_id,
        limit + 1,
        score,
        after_a,
        after_b,
    )
    rows = await audit.read_logged(
        connection,
        _PAIRS,
        args,
        actor=actor,
        action=READ,
        entity_type="duplicate_candidate",
        order_by="score DESC, a_id, b_id, side",
        logged_limit=limit * 2,
        fields=fields,
    )
    pairs = [_pair(rows[i], rows[i + 1]) for i in range(0, len(rows) - 1, 2)]
    items = pairs[:limit]
    cursors = [encode_cursor(c.score, str(c.person.id), str(c.other.id)) for c in items]
    return Page(items, cursors, has_next_page=len(pairs) > limit, has_previous_page=after is not None)


def _pair(first: Any, second: Any) -> DuplicateCandidate:
    return DuplicateCandidate(
        person=PersonRecord.of(first),
        other=PersonRecord.of(second),
        score=float(first["score"]),
        reasons=tuple(_reasons(first)),
    )


def _reasons(row: Any) -> list[MatchReason]:
    reasons = []
    name_score = float(row["name_score"])
    if row["same_spelling"]:
        reasons.append(MatchReason(MatchedField.NAME, MatchKind.EXACT, NAME_WEIGHT, "the same name"))
    elif row["same_key"]:
        reasons.append(
            MatchReason(
                MatchedField.NAME,
                MatchKind.TRANSLITERATION,
                NAME_WEIGHT,
                "the same name in another spelling (Azerbaijani Latin, ASCII or Cyrillic)",
            )
        )
    else:
        reasons.append(
            MatchReason(
                MatchedField.NAME,
                MatchKind.SIMILAR,
                round(NAME_WEIGHT * name_score, 3),
                f"similar names (trigram similarity {name_score:.2f})",
            )
        )
    if row["same_birth_date"]:
        reasons.append(
            MatchReason(MatchedField.BIRTH_DATE, MatchKind.EXACT, BIRTH_DATE_WEIGHT, "the same birth date")
        )
    if row["same_address"]:
        reasons.append(
            MatchReason(MatchedField.ADDRESS, MatchKind.EXACT, ADDRESS_WEIGHT, "the same district and street")
        )
    return reasons
