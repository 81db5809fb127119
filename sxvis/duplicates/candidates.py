"""Pairs of persons who are probably one person, scored and explained (`duplicateCandidates`).

Found in SQL, over indexes, never by comparing every pair in Python:

- Names are compared on `persons.name_key`, the folded name (`sxvis_fold`, migration 0001) that gives one
  spelling to the Azerbaijani Latin, ASCII and Russian-Cyrillic forms (Məmmədov, Mammadov, Мамедов all
  fold to `mamadov`); `similarity` (pg_trgm) scores what folding does not erase (a typo, a missing
  patronymic).
- Two blocks make the pairs: the same birth date (`ix_persons_birth_date_name_key`) with similar names
  (similarity at least `NAME_WITH_BIRTH_DATE`), or the same address (district and folded address line)
  with very similar names (at least `NAME_WITH_ADDRESS`) and the same birth year, for a mistyped birth
  date. Persons of different sex are never paired.
- Score: `NAME_WEIGHT` × name similarity (1 when the folded names are equal) + `BIRTH_DATE_WEIGHT` for the
  same birth date + `ADDRESS_WEIGHT` for the same address; pairs come highest score first.

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
from sxvis.errors import ValidationFailed
from sxvis.pagination import Page, decode_cursor, encode_cursor, page_size
from sxvis.registry.records import PERSON_RECORD_COLUMNS, PersonRecord

READ = "duplicate:read"

NAME_WITH_BIRTH_DATE = 0.5
NAME_WITH_ADDRESS = 0.8
NAME_WEIGHT = 0.5
BIRTH_DATE_WEIGHT = 0.35
ADDRESS_WEIGHT = 0.15


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

# $1 agency, $2 registry-wide, $3 user, $4 rows to return (pairs × 2), $5 after score, $6 after first id,
# $7 after second id (all null on the first page).
_PAIRS = f"""
WITH seen AS (
  SELECT p.id, p.name_key, p.birth_date, p.sex, p.created_at, p.district_code, p.address_line,
    extract(year FROM p.birth_date) AS birth_year
  FROM persons p WHERE {_VISIBLE} AND {_DISCLOSED}
), near_address AS MATERIALIZED (
  -- Same district, birth year and sex, very similar names (which, at 0.8, begin with the same letter:
  -- a cheap key that spares most similarity calls). MATERIALIZED, so that the planner cannot join on
  -- the folded addresses, which would fold every address (~30 µs each) instead of these few.
  SELECT a.id AS a_id, b.id AS b_id, a.address_line AS a_line, b.address_line AS b_line
  FROM seen a JOIN seen b
    ON b.district_code = a.district_code AND b.birth_year = a.birth_year AND b.sex = a.sex
      AND left(b.name_key, 1) = left(a.name_key, 1) AND b.id <> a.id
  WHERE (a.created_at, a.id) < (b.created_at, b.id)
    AND similarity(a.name_key, b.name_key) >= {NAME_WITH_ADDRESS}
), pairs AS (
  SELECT a.id AS a_id, b.id AS b_id FROM seen a JOIN seen b
    ON b.birth_date = a.birth_date AND b.sex = a.sex AND b.id <> a.id
  WHERE (a.created_at, a.id) < (b.created_at, b.id)
    AND similarity(a.name_key, b.name_key) >= {NAME_WITH_BIRTH_DATE}
  UNION
  SELECT a_id, b_id FROM near_address WHERE sxvis_fold(a_line) = sxvis_fold(b_line)
), scored AS (
  SELECT x.a_id, x.b_id,
    CASE WHEN a.name_key = b.name_key THEN 1.0 ELSE similarity(a.name_key, b.name_key) END AS name_score,
    a.name_key = b.name_key AS same_key,
    (a.last_name, a.first_name, coalesce(a.patronymic, ''))
      = (b.last_name, b.first_name, coalesce(b.patronymic, '')) AS same_spelling,
    a.birth_date = b.birth_date AS same_birth_date,
    coalesce(a.district_code = b.district_code
      AND sxvis_fold(a.address_line) = sxvis_fold(b.address_line), false) AS same_address
  FROM pairs x JOIN persons a ON a.id = x.a_id JOIN persons b ON b.id = x.b_id
), ranked AS (
  SELECT s.*, round(({NAME_WEIGHT} * s.name_score
      + CASE WHEN s.same_birth_date THEN {BIRTH_DATE_WEIGHT} ELSE 0 END
      + CASE WHEN s.same_address THEN {ADDRESS_WEIGHT} ELSE 0 END)::numeric, 3)::float8 AS score
  FROM scored s
), page AS (
  SELECT * FROM ranked r
  WHERE $5::float8 IS NULL OR r.score < $5::float8
     OR (r.score = $5::float8 AND (r.a_id, r.b_id) > ($6::uuid, $7::uuid))
  ORDER BY r.score DESC, r.a_id, r.b_id
  LIMIT $4::int
)
SELECT {_PERSON}, pg.a_id, pg.b_id, pg.score, pg.name_score, pg.same_key, pg.same_spelling,
  pg.same_birth_date, pg.same_address, side.n AS side
FROM page pg
CROSS JOIN LATERAL (VALUES (pg.a_id, 0), (pg.b_id, 1)) AS side (person_id, n)
JOIN persons p ON p.id = side.person_id
ORDER BY pg.score DESC, pg.a_id, pg.b_id, side.n
"""  # noqa: S608  (built from constants and $n placeholders only)


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
        (limit + 1) * 2,
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
