"""What a document may cost: its depth, its aliases and its fields once fragments are expanded.

A document's cost must be bounded by its size. A fragment spread twice in each of twenty fragments
expands to a million fields from 800 bytes: any check that re-walks every spread doubles its own cost
with each fragment (strawberry's depth and alias limiters did, and a 1 KB document stopped a worker).
Here each fragment is measured once and remembered, so measuring a document costs one pass over its
text, however many times its fragments are spread; what a spread contributes is then counted as often
as it is spread, so the limits see the document as the executor would expand it.

- depth: the deepest chain of fields with selections, per operation (introspection fields, whose
  own depth is fixed by GraphQL, are not counted, as strawberry did not);
- aliases: aliased fields in the whole document, with fragments expanded;
- fields: fields in the whole document, with fragments expanded (`SXVIS_MAX_EXPANDED_FIELDS`).

A cycle of fragments (refused by GraphQL's `NoFragmentCycles`, which may run before or after this rule)
counts as nothing here, so this rule ends whatever the order. Each refusal is one error with
`extensions.code` `QUERY_TOO_COMPLEX`, and `reason` `DEPTH`, `ALIASES` or `FIELDS`; a refused document
is not validated further, so no other rule spends time on it.

The document does not bound the data: lists nested in lists multiply within any depth. The executor
(`create_executor`) counts the list items of each answer and stops past `SXVIS_MAX_LIST_ITEMS`, with
the same code and `reason` `RESULT`; the request's wall-clock limit is the last line.
"""

from collections.abc import Sized
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation.validate import ValidationAbortedError

from schema.execution import LeafFirstExecutor

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"

# Counts stop growing here: numbers past it are all "too many", and stay small integers to add.
_CAP = 1 << 40


@dataclass(frozen=True, slots=True)
class Cost:
    depth: int = 0
    aliases: int = 0
    fields: int = 0

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(
            depth=max(self.depth, other.depth),
            aliases=min(self.aliases + other.aliases, _CAP),
            fields=min(self.fields + other.fields, _CAP),
        )


class _Measure:
    """Measures selection sets; each fragment once (`_fragments` remembers it)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self._definitions = fragments
        self._fragments: dict[str, Cost] = {}
        self._measuring: set[str] = set()

    def selection_set(self, selection_set: SelectionSetNode | None) -> Cost:
        total = Cost()
        if selection_set is None:
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def field(self, node: FieldNode) -> Cost:
        inner = self.selection_set(node.selection_set)
        introspection = node.name.value.startswith("__")
        depth = 0 if introspection or node.selection_set is None else inner.depth + 1
        return Cost(
            depth=depth,
            aliases=min(inner.aliases + (1 if node.alias else 0), _CAP),
            fields=min(inner.fields + 1, _CAP),
        )

    def fragment(self, name: str) -> Cost:
        known = self._fragments.get(name)
        if known is not None:
            return known
        definition = self._definitions.get(name)
        if definition is None or name in self._measuring:
            return Cost()  # unknown (KnownFragmentNames says so) or a cycle (NoFragmentCycles says so)
        self._measuring.add(name)
        try:
            cost = self.selection_set(definition.selection_set)
        finally:
            self._measuring.discard(name)
        self._fragments[name] = cost
        return cost


def document_costs(
    definitions: list[OperationDefinitionNode], fragments: dict[str, FragmentDefinitionNode]
) -> list[Cost]:
    """The cost of each operation, its fragments expanded (each fragment measured once)."""
    measure = _Measure(fragments)
    return [measure.selection_set(operation.selection_set) for operation in definitions]


def create_cost_rule(*, max_depth: int, max_aliases: int, max_fields: int) -> type[ValidationRule]:
    """The validation rule refusing documents past these limits. Build it once per schema: the
    validation cache keys on rule classes, so a class built per request would miss every time."""

    class CostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.refusals = _refusals(
                context.document, max_depth=max_depth, max_aliases=max_aliases, max_fields=max_fields
            )

        def enter_document(self, *_args: object) -> None:
            # Before any other rule visits a selection: a document refused here is not validated
            # further (graphql-core stops at a `ValidationAbortedError`, keeping it as the last error).
            if self.refusals:
                *others, last = self.refusals
                for refusal in others:
                    self.report_error(refusal)
                raise last

    return CostRule


class TooComplex(ValidationAbortedError):
    """A limit refused the document: validation stops here."""

    def __init__(self, message: str, reason: str, node: OperationDefinitionNode | None = None) -> None:
        super().__init__(message, node, extensions={"code": QUERY_TOO_COMPLEX, "reason": reason})


def _refusals(
    document: DocumentNode, *, max_depth: int, max_aliases: int, max_fields: int
) -> list[TooComplex]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    try:
        costs = document_costs(operations, fragments)
    except RecursionError:
        return [TooComplex("The document is nested too deeply.", "DEPTH")]
    refusals = []
    for operation, cost in zip(operations, costs, strict=True):
        if cost.depth > max_depth:
            name = operation.name.value if operation.name else "anonymous"
            message = f"'{name}' exceeds maximum operation depth of {max_depth} (it is {cost.depth} deep)."
            refusals.append(TooComplex(message, "DEPTH", operation))
    aliases = sum(cost.aliases for cost in costs)
    if aliases > max_aliases:
        message = f"{_count(aliases)} aliases found once fragments are expanded. Allowed: {max_aliases}."
        refusals.append(TooComplex(message, "ALIASES"))
    fields = sum(cost.fields for cost in costs)
    if fields > max_fields:
        message = (
            f"The document selects {_count(fields)} fields once fragments are expanded. "
            f"Allowed: {max_fields}."
        )
        refusals.append(TooComplex(message, "FIELDS"))
    return refusals


def _count(number: int) -> str:
    return f"more than {_CAP:,}" if number >= _CAP else f"{number:,}"


class TooLarge(GraphQLError):
    """The answer would hold more list items than a request may (`SXVIS_MAX_LIST_ITEMS`)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The answer would hold more than {limit:,} list items: ask for fewer, or for smaller pages.",
            extensions={"code": QUERY_TOO_COMPLEX, "reason": "RESULT"},
        )


def create_executor(max_list_items: int) -> type[LeafFirstExecutor]:
    """The executor counting the list items of one answer, stopping it past `max_list_items`.

    Validation bounds the document, not the data: lists nested in lists (services, their providers,
    each provider's capacities, each capacity's service, …) multiply, within any depth limit. One
    executor serves one operation, so the count is the request's. Build it once per schema.
    """

    class BoundedExecutor(LeafFirstExecutor):
        def count_list_items(self, count: int) -> None:
            self.list_items: int = getattr(self, "list_items", 0) + count
            if self.list_items > max_list_items:
                raise TooLarge(max_list_items)

        def complete_list_value(self, *args: Any, **kwargs: Any) -> Any:
            result = args[4] if len(args) > 4 else kwargs.get("result")
            if isinstance(result, Sized):
                self.count_list_items(len(result))
            return super().complete_list_value(*args, **kwargs)

    return BoundedExecutor
