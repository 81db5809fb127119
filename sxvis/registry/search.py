"""Name search that works for Azerbaijani names, at a cost that does not grow with a name's popularity.

Both sides go through `sxvis_fold()` (migration 0001), which gives one spelling for the Azerbaijani
Latin, Russian-Cyrillic and ASCII forms of a name. Each word of the search is paired with a different
part of the person's name: the surname, the first name or the father's name (the patronymic's first
word; "oğlu"/"qızı" in the search are ignored). Every word must match. Results come in tiers
(docs/api.md, "Name search"):

1. exact: the words are the surname and the first name, in any spelling and either order (with one
   word: the surname or the first name; with three: also the father's name);
2. the surname exactly and a first name that begins with the other word ("Mammadov Al");
3. the father's name: the surname or first name exactly and the father's name exactly ("Mamedov Ali"
   finds Rəşad Məmmədov Əli oğlu, after every Əli Məmmədov);
4. close spellings: a word no person bears replaced by the registry's name words closest to it (a
   typo: "Mamedof"), matched as in 1 (`CLOSE`), then as in 3 (`CLOSE_FATHER`);
5. (`SIMILAR`) only where 1-4 cannot be the whole answer (`Words.complete`): every word occurs in the
   folded name (pg_trgm word similarity), ranked by the summed strict word similarity, which respects
   word boundaries.

Ties go in the listing's alphabetical order (`sort_key`, id); in tier 5, after the rank.

Why it is cheap: tiers 1-4 are unions of *probes*, each an equality (or a prefix range) on the folded
parts answered by a b-tree ending in `(sort_key, id)` (migration 0016), so a probe reads its first rows
in order and stops; the tiers are a UNION ALL under one LIMIT, and PostgreSQL's Append runs a tier only
if the ones before it did not fill the page. Two of the country's commonest words read a page's rows,
not the 75,000 persons that share them. A typo is corrected against `person_name_words` (a few
thousand words, trigram-indexed), not against a million persons. What was tried and lost:
docs/performance.md, "Name search".
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Any

from sqlalchemy import ColumnElement, Float, func, literal
from sqlalchemy.sql import operators

from sxvis.registry.models import Person

MAX_TOKENS = 5
MIN_TOKEN_LENGTH = 2
# Folded "oğlu", "qızı" and the Russian "оглы", "кызы": part of a patronymic, not a name.
STOP_WORDS = frozenset({"oglu", "gizi", "ogli"})
# A misspelt word stands for at most this many of the registry's name words (the closest ones).
CORRECTIONS = 3
EXACT, PREFIX, PATRONYMIC, CLOSE, CLOSE_FATHER, SIMILAR = 1, 2, 3, 4, 5, 6

# Each word goes to one of these parts of the name.
SURNAME, FIRST_NAME, FATHER = 0, 1, 2

# The folded words of a search and, for each, the closest name words of the registry (not a read of
# any person's data: the words are not linked to anyone). It also switches the transaction to generic
# plans (undone by `CUSTOM_PLANS` after the search): the search's statement has a
# dozen branches, and planning them afresh on every execution (PostgreSQL's default for the first
# runs and, here, for ever) cost 4-5 ms of PostgreSQL CPU per search, three times its execution; every
# branch is an equality or a range on parameters, which a generic plan serves as well.
FOLD_AND_CORRECT_SQL = """
SELECT q.w, coalesce(array_agg(v.word ORDER BY v.d, v.word) FILTER (WHERE v.word IS NOT NULL), '{}')
FROM (SELECT set_config('plan_cache_mode', 'force_generic_plan', true)) AS generic_plans,
  (SELECT i, sxvis_fold(t) AS w FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i)) AS q
LEFT JOIN LATERAL (
  SELECT word, word <-> q.w AS d FROM person_name_words
  WHERE q.w <> '' AND word % q.w ORDER BY word <-> q.w, word LIMIT $2
) AS v ON true
GROUP BY q.i, q.w ORDER BY q.i
"""
CUSTOM_PLANS = "SET LOCAL plan_cache_mode TO DEFAULT"


def name_tokens(text: str | None) -> list[str]:
    """The words of a search text worth matching: at most five, each of two letters or more."""
    if not text:
        return []
    words = ["".join(ch for ch in word if ch.isalpha()) for word in text.split()]
    return [w for w in words if len(w) >= MIN_TOKEN_LENGTH][:MAX_TOKENS]


@dataclass(frozen=True)
class Words:
    """A search's words: as typed (`tokens`), folded without stop words or repeats (`folded`), and for
    each folded word the registry's closest name words (`close`, the word itself first if it is one)."""

    tokens: list[str]
    folded: list[str]
    close: list[list[str]]

    @property
    def known(self) -> list[bool]:
        """Whether each folded word is one some person bears (or bore): only those can match exactly."""
        return [c[:1] == [w] for w, c in zip(self.folded, self.close, strict=True)]

    @property
    def complete(self) -> bool:
        """Whether tiers 1-5 are the whole answer: one to three words, each known to the registry or
        close to a name word, and none of those a name of two words ("Əli Əkbər"), which the parts'
        equalities cannot match word by word. Otherwise the trigram tier (6) runs too, when the
        others leave room on the page. It costs 20-30 ms of PostgreSQL CPU even for rare words (its
        GIN index reads the posting lists of common trigrams such as " ma" and "ov "), so it is kept
        for what only it can find."""
        return 1 <= len(self.folded) <= len(_PART_COLUMNS) and all(
            c and all(" " not in w for w in c) for c in self.close
        )


async def fold_words(connection: Any, tokens: list[str]) -> Words:
    """Fold the search's words and look up their corrections, in one round trip (an asyncpg connection)."""
    rows = await connection.fetch(FOLD_AND_CORRECT_SQL, tokens, CORRECTIONS)
    folded: list[str] = []
    close: list[list[str]] = []
    for word, corrections in rows:
        if word and word not in STOP_WORDS and word not in folded:
            folded.append(word)
            # A word some person bears is not corrected (a search engine's "did you mean" is for
            # unknown words only): "Ali" must not become "Aliyev".
            close.append([word] if corrections[:1] == [word] else list(corrections))
    return Words(tokens, folded, close)


class Params:
    """The statement's arguments, numbered after the ones already taken (the remit's and filters')."""

    def __init__(self, args: Sequence[object]) -> None:
        self.args = list(args)

    def __call__(self, value: object, cast: str) -> str:
        self.args.append(value)
        return f"${len(self.args)}::{cast}"


@dataclass(frozen=True)
class Probe:
    """One ordered index range: conditions on the folded parts (SQL on `persons`), and its tier."""

    tier: int
    conditions: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...] = ()  # (alias, text[] parameter): a close word per row of unnest


_PART_COLUMNS = ("last_key", "first_key", "patronymic_key")


def probes(words: Words, param: Params) -> list[Probe]:
    """The probes of tiers 1-5, best first. With four or more words only tier 6 (trigram) applies."""
    n = len(words.folded)
    if not 1 <= n <= len(_PART_COLUMNS):
        return []
    slots: dict[int, str] = {}

    class _Words:
        """The folded words as parameters, each numbered when a probe first uses it: a parameter the
        statement never mentions has no type, and PostgreSQL refuses to prepare the statement."""

        def __getitem__(self, i: int) -> str:
            if i not in slots:
                slots[i] = param(words.folded[i], "text")
            return slots[i]

    w = _Words()
    found: list[Probe] = []
    assignments = list(permutations(range(len(_PART_COLUMNS)), n))  # word i → part assignment[i]
    names = {SURNAME, FIRST_NAME}

    def both_names(assignment: tuple[int, ...]) -> bool:
        return set(assignment) >= names if n > 1 else assignment[0] in names

    def exact(assignment: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(f"{_PART_COLUMNS[part]} = {w[i]}" for i, part in enumerate(assignment))

    known = words.known

    def possible(assignment: tuple[int, ...], *, prefix: bool = False) -> bool:
        """A word no one bears cannot be matched exactly: such probes are left out of the statement."""
        return all(known[i] or (prefix and part == FIRST_NAME) for i, part in enumerate(assignment))

    found += [Probe(EXACT, exact(a)) for a in assignments if both_names(a) and possible(a)]
    if n > 1:
        for assignment in assignments:
            if set(assignment) >= names and possible(assignment, prefix=True):
                conditions = []
                for i, part in enumerate(assignment):
                    if (
                        part == FIRST_NAME
                    ):  # a prefix: a range of the byte-ordered key, the word itself left out
                        conditions += [f"first_key > {w[i]}", f"first_key < ({w[i]} || '{{')"]
                    else:
                        conditions.append(f"{_PART_COLUMNS[part]} = {w[i]}")
                found.append(Probe(PREFIX, tuple(conditions)))
    found += [Probe(PATRONYMIC, exact(a)) for a in assignments if not both_names(a) and possible(a)]
    if all(words.close) and not all(known):  # with every word known, tiers 1-3 said it all
        close = [param(c, "text[]") for c in words.close]
        for names_first in (True, False):
            for assignment in assignments:
                if both_names(assignment) == names_first:
                    found.append(
                        Probe(
                            CLOSE if names_first else CLOSE_FATHER,
                            tuple(f"{_PART_COLUMNS[part]} = c{i}.w" for i, part in enumerate(assignment)),
                            tuple((f"c{i}", close[i]) for i in range(n)),
                        )
                    )
    return found


def _trigram(tokens: Sequence[str], param: Params) -> tuple[list[str], str]:
    folded = [f"sxvis_fold({param(t, 'text')})" for t in tokens]
    return [f"{f} <% name_key" for f in folded], " + ".join(
        f"strict_word_similarity({f}, name_key)" for f in folded
    )


def search_conditions(tokens: list[str]) -> list[ColumnElement[bool]]:
    """Tier 6 as SQLAlchemy: every word occurs in the folded name (`<%`, the GIN trigram index)."""
    return [func.sxvis_fold(literal(t)).op("<%", is_comparison=True)(Person.name_key) for t in tokens]


def search_rank(tokens: list[str]) -> ColumnElement[Any]:
    """Tier 6's rank as SQLAlchemy: the summed strict word similarity (what the search was before 0016)."""
    similarities = [
        func.strict_word_similarity(func.sxvis_fold(literal(t)), Person.name_key, type_=Float) for t in tokens
    ]
    total = similarities[0]
    for similarity in similarities[1:]:
        total = operators.add(total, similarity)
    return total


TIER = "sxvis_tier"
RANK = "sxvis_rank"
ORDER_BY = f"{TIER}, {RANK} DESC, sort_key, id"
"""The order of the search's rows (the columns the statement adds, then the listing's order)."""


def _not(earlier: list[str]) -> str:
    return "".join(f" AND NOT ({e})" for e in earlier)


# The name `search_sql` and `count_sql` give the persons a `source` names (read once, as written).
_SOURCE = "searched_persons"


def _from(source: str | None) -> tuple[str, str]:
    """(the statement's WITH prefix, the FROM item each branch reads as `persons`)."""
    if source is None:
        return "", "persons"
    return f"WITH {_SOURCE} AS MATERIALIZED {source} ", f"{_SOURCE} AS persons"


def search_sql(
    columns: str,
    where: str,
    args: Sequence[object],
    words: Words,
    *,
    offset: int,
    limit: int,
    source: str | None = None,
) -> tuple[str, list[object]]:
    """The search: `limit` rows from `offset` in the tiers' order, each row with its tier and rank.

    `where` is the listing's conditions on `persons` (remit, filters) with `args` as `$1`…; the
    statement's text depends only on how many words there are and whether each has a correction, so
    asyncpg prepares it once per shape. No ORDER BY at the top: the Append returns each tier's rows
    in order and the LIMIT stops it, so a tier after a full page never starts (the logged read's
    ORDER BY, `ORDER_BY`, re-sorts the few rows it returns; the access event's INSERT already rules
    out a parallel plan that could interleave them).

    `source`, a parenthesised query of `persons` rows whose placeholders are among `args`, is searched
    instead of the registry: read once, and every branch reads what it gave."""
    with_, persons = _from(source)
    param = Params(args)
    wanted = param(offset + limit, "bigint")
    branches: list[str] = []
    earlier: list[str] = []
    by_tier: dict[int, list[Probe]] = {}
    for probe in probes(words, param):
        by_tier.setdefault(probe.tier, []).append(probe)
    for tier, tier_probes in by_tier.items():
        parts = []
        for probe in tier_probes:
            condition = " AND ".join(probe.conditions)
            # Each probe leaves out the rows of the probes before it: a person appears once.
            inner = (
                f"SELECT {columns}, {tier} AS {TIER}, 0.0::float8 AS {RANK} FROM {persons}"  # noqa: S608  (code and $n parameters only)
                f" WHERE ({where}) AND {condition}{_not(earlier)} ORDER BY sort_key, id LIMIT {wanted}"
            )
            if probe.pairs:  # one ordered range per combination of close words, each stopped early
                unnest = " CROSS JOIN ".join(f"unnest({array}) AS {alias}(w)" for alias, array in probe.pairs)
                inner = f"SELECT x.* FROM {unnest} CROSS JOIN LATERAL ({inner}) AS x"  # noqa: S608  (code and $n parameters only)
                # Outside the lateral query the close words are unknown: leave them out by value.
                earlier.append(
                    " AND ".join(
                        f"{c.split(' = ')[0]} = ANY({array})"
                        for c, (_, array) in zip(probe.conditions, probe.pairs, strict=True)
                    )
                )
            else:
                earlier.append(condition)
            parts.append(f"({inner})")
        branches.append(
            f"(SELECT * FROM ({' UNION ALL '.join(parts)}) AS t ORDER BY sort_key, id LIMIT {wanted})"  # noqa: S608  (code and $n parameters only)
        )
    if not words.complete:
        trigram, rank = _trigram(words.tokens, param)
        branches.append(
            f"(SELECT {columns}, {SIMILAR} AS {TIER}, ({rank})::float8 AS {RANK} FROM {persons}"  # noqa: S608  (code and $n parameters only)
            f" WHERE ({where}) AND {' AND '.join(trigram)}{_not(earlier)}"
            f" ORDER BY {RANK} DESC, sort_key, id LIMIT {wanted})"
        )
    sql = (
        f"{with_}SELECT * FROM ({' UNION ALL '.join(branches)}) AS found"  # noqa: S608  (code and $n parameters only)
        f" OFFSET {param(offset, 'bigint')} LIMIT {param(limit, 'bigint')}"
    )
    return sql, param.args


def count_sql(
    where: str, args: Sequence[object], words: Words, *, source: str | None = None
) -> tuple[str, list[object]]:
    """How many persons the search finds at all (any tier): for `totalCount`; `source` as in
    `search_sql`."""
    with_, persons = _from(source)
    param = Params(args)
    found = []
    for probe in probes(words, param):
        conditions = list(probe.conditions)
        if probe.pairs:
            conditions = [
                f"{c.split(' = ')[0]} = ANY({array})"
                for c, (_, array) in zip(probe.conditions, probe.pairs, strict=True)
            ]
        found.append("(" + " AND ".join(conditions) + ")")
    if not words.complete:
        trigram, _ = _trigram(words.tokens, param)
        found.append("(" + " AND ".join(trigram) + ")")
    sql = f"{with_}SELECT count(*) FROM {persons} WHERE ({where}) AND ({' OR '.join(found)})"  # noqa: S608  (code and $n parameters only)
    return sql, param.args
