"""Name search that works for Azerbaijani names.

Both sides go through `sxvis_fold()` (migration 0001), which gives one spelling for the Azerbaijani
Latin, Russian-Cyrillic and ASCII forms of a name. Each word of the query must then occur in the
person's folded name (`<%`, pg_trgm's word similarity, answered from the GIN trigram index on
`persons.name_key`), and results rank by the summed *strict* word similarity, which respects word
boundaries: plain word similarity scores "aliav" (Əliyev) as fully present in "guliav" (Quliyev), so
the two tied. "Mamedov Ali" finds "Məmmədov Əli Həsən oğlu" first and tolerates a typo.
"""

from typing import Any

from sqlalchemy import ColumnElement, Float, func, literal
from sqlalchemy.sql import operators

from sxvis.registry.models import Person

MAX_TOKENS = 5
MIN_TOKEN_LENGTH = 2


def name_tokens(text: str | None) -> list[str]:
    """The words of a search text worth matching: at most five, each of two letters or more."""
    if not text:
        return []
    words = ["".join(ch for ch in word if ch.isalpha()) for word in text.split()]
    return [w for w in words if len(w) >= MIN_TOKEN_LENGTH][:MAX_TOKENS]


def _folded(token: str) -> ColumnElement[str]:
    return func.sxvis_fold(literal(token))


def search_conditions(tokens: list[str]) -> list[ColumnElement[bool]]:
    return [_folded(token).op("<%", is_comparison=True)(Person.name_key) for token in tokens]


def search_rank(tokens: list[str]) -> ColumnElement[Any]:
    similarities = [func.strict_word_similarity(_folded(t), Person.name_key, type_=Float) for t in tokens]
    total = similarities[0]
    for similarity in similarities[1:]:
        total = operators.add(total, similarity)
    return total
