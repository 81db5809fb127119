"""Production errors name nothing the caller did not write.

GraphQL's messages teach the schema to whoever sends a wrong document: "Did you mean 'fin'?" after a
misspelt argument, the enum values near a misspelt one, the required fields of an input object, the
type a value was expected to have. With introspection off, that is how the schema would leak. In
production (`NoSuggestions`), every error that is not one of our own (those carry no schema names)
loses its "Did you mean …?" sentence, and each schema name in it the caller did not write (in the
document or in the variables) becomes "…":

    Unknown argument 'fi' on field 'Query.person'.      →  Unknown argument 'fi' on field '….person'.
    Field 'RecordCircumstanceInput.since' of required type 'Date!' was not provided.
                                                        →  Field '….…' of required type '…!' was not provided.

The rewriting applies to each error a request returns, after every validation rule and every
variable coercion, so a rule added later (by graphql-core or by us) cannot bring suggestions back;
`tests/test_suggestions.py` walks the rules to prove it.
"""

import functools
import json
import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)
from strawberry.extensions import SchemaExtension

from schema.errors import OWN_ERRORS

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_DID_YOU_MEAN = re.compile(r"\s*Did you mean [^?]*\?")
_PART = re.compile(r"(?P<quoted>'[^']*'|\"[^\"]*\")|[_A-Za-z][_0-9A-Za-z]*")
# Capitalised words of GraphQL's own messages ("Anonymous Subscription must select …").
_ENGLISH = frozenset({"Query", "Mutation", "Subscription"})
HIDDEN = "…"


@functools.cache  # one schema per mode and process: computed at its first production error
def schema_names(schema: GraphQLSchema) -> frozenset[str]:
    """Every name a schema defines: types, fields, arguments, input fields, enum values, directives."""
    names: set[str] = set()
    for name, type_ in schema.type_map.items():
        names.add(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                names.add(field_name)
                names.update(field.args)
        elif isinstance(type_, GraphQLInputObjectType):
            names.update(type_.fields)
        elif isinstance(type_, GraphQLEnumType):
            names.update(type_.values)
    for directive in schema.directives:
        names.add(directive.name)
        names.update(directive.args)
    return frozenset(names)


def written_names(query: str | None, variables: Any) -> set[str]:
    """The names a caller wrote: every name-like word of the document and of the variables' JSON."""
    text = (query or "") + " " + json.dumps(variables or {}, ensure_ascii=False, default=str)
    return set(_NAME.findall(text))


def quiet(message: str, *, written: set[str], names: frozenset[str]) -> str:
    """The message without suggestions, and without the schema names the caller did not write.

    GraphQL quotes the names in its messages ('Query.person', 'Date!'): within quotes every unwritten
    schema name is hidden. Outside quotes only names that are not plain lower-case words ('Int cannot
    represent …'), since the message's own English ("of type", "value") may also be a field's name.
    """
    message = _DID_YOU_MEAN.sub("", message)

    def hide(word: str, *, quoted: bool) -> str:
        if word not in names or word in written:
            return word
        if quoted or not (word.islower() or word in _ENGLISH):
            return HIDDEN
        return word

    def part(match: re.Match[str]) -> str:
        if match.group("quoted") is not None:
            return _NAME.sub(lambda m: hide(m.group(0), quoted=True), match.group(0))
        return hide(match.group(0), quoted=False)

    return _PART.sub(part, message)


class NoSuggestions(SchemaExtension):
    """Production: rewrite every error GraphQL wrote (not ours) with `quiet`."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        errors: list[GraphQLError] | None = getattr(context.result, "errors", None)
        if errors:
            quieted = quiet_errors(errors, context.schema._schema, context.query, context.variables)
            context.result.errors = quieted  # type: ignore[union-attr]


def quiet_errors(
    errors: list[GraphQLError], schema: GraphQLSchema, query: str | None, variables: dict[str, Any] | None
) -> list[GraphQLError]:
    """The errors `NoSuggestions` lets through: each of GraphQL's own rewritten with `quiet`."""
    names = schema_names(schema)
    written = written_names(query, variables)
    return [_quiet(error, written, names) for error in errors]


def _quiet(error: GraphQLError, written: set[str], names: frozenset[str]) -> GraphQLError:
    if isinstance(error, OWN_ERRORS) or isinstance(error.original_error, OWN_ERRORS):
        return error  # our own messages: written for the caller, naming only what they sent
    message = quiet(error.message, written=written, names=names)
    if message == error.message:
        return error
    # A new error: the validation cache keeps the original for the next request.
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )
