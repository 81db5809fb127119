"""Documents whose expansion grows much faster than their text: the shapes `tests/test_validation_cost.py`
sends and `bench/validation.py` times. Each shape takes `n` (fragments, or nesting levels) and gives a
document that is valid GraphQL against the SXVİS schema, whose fields multiply by 2, 3 or 4 per level
once its fragments are expanded.
"""

from collections.abc import Callable


def _chain(n: int, on: str, leaf: str, spreads: int, body: Callable[[str], str] | None = None) -> str:
    """Fragments F0 … F{n-1}: F0 selects `leaf`, each next one spreads the one before `spreads` times."""
    wrap = body or (lambda spread: spread)
    fragments = [f"fragment F0 on {on} {{ {leaf} }}"]
    for i in range(1, n):
        inner = " ".join(wrap(f"...F{i - 1}") for _ in range(spreads))
        fragments.append(f"fragment F{i} on {on} {{ {inner} }}")
    return " ".join(fragments)


def named_two_way(n: int) -> str:
    """The issue's document: `{ me { … } }`, each named fragment spreading the one before twice."""
    return f"{{ me {{ ...F{n - 1} }} }} " + _chain(n, "Me", "userId", 2)


def named_three_way(n: int) -> str:
    """On agencies (a list), each fragment spreading the one before three times."""
    return f"{{ agencies {{ ...F{n - 1} }} }} " + _chain(n, "Agency", "code nameEn", 3)


def named_four_way(n: int) -> str:
    """On persons, nested in a connection's list, each fragment spreading the one before four times."""
    return f"{{ persons(first: 5) {{ edges {{ node {{ ...F{n - 1} }} }} }} }} " + _chain(
        n, "Person", "fin", 4
    )


def inline_two_way(n: int) -> str:
    """Named fragments whose spreads sit in inline fragments (`... on Me { … }`)."""
    return f"{{ me {{ ...F{n - 1} }} }} " + _chain(n, "Me", "userId", 2, lambda s: f"... on Me {{ {s} }}")


def nested_fields_two_way(n: int) -> str:
    """Each fragment selects a field twice, each time spreading the one before: depth and width at once."""
    return f"{{ agencies {{ ...F{n - 1} }} }} " + _chain(
        n, "Agency", "code", 2, lambda s: f"parent {{ {s} }}"
    )


def aliased_two_way(n: int) -> str:
    """Each fragment adds an alias and spreads the one before twice: aliases multiply too."""
    fragments = ["fragment F0 on Me { a0: userId }"]
    for i in range(1, n):
        fragments.append(f"fragment F{i} on Me {{ a{i}: userId ...F{i - 1} ...F{i - 1} }}")
    return f"{{ me {{ ...F{n - 1} }} }} " + " ".join(fragments)


def nested_inline(n: int) -> str:
    """Inline fragments only, nested n deep (no reuse: the text itself is the cost)."""
    return "{ me { " + "... on Me { userId " * n + "}" * n + " } }"


def wide_duplicates(n: int) -> str:
    """One field selected n times (what field merging compares)."""
    return "{ me { " + " ".join(["userId"] * n) + " } }"


SHAPES: dict[str, Callable[[int], str]] = {
    "named_two_way": named_two_way,
    "named_three_way": named_three_way,
    "named_four_way": named_four_way,
    "inline_two_way": inline_two_way,
    "nested_fields_two_way": nested_fields_two_way,
    "aliased_two_way": aliased_two_way,
    "nested_inline": nested_inline,
    "wide_duplicates": wide_duplicates,
}
