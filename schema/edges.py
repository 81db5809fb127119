"""The edge: every argument a client sends is checked here, once, before any resolver sees it.

Two kinds of input cannot be left to the resolvers, because no resolver would ever think of them:

- **Characters.** PostgreSQL cannot store NUL, and the other control characters (and unpaired
  surrogates, and the bidirectional overrides that make a name display as another) have no place in
  a code, a name or a FIN. A free-text field (`FREE_TEXT`: notes, reasons, outcomes, descriptions,
  goals) may hold tabs and line breaks, nothing else of the kind. The code is `INVALID_CHARACTERS`.
- **Dates.** The `Date` and `DateTime` scalars here (`SCALAR_OVERRIDES`) never fail while GraphQL
  coerces a value: a value they cannot read becomes an `Unparsed`, which the check turns into
  `INVALID_DATE` naming the field and the expected format (a date is `YYYY-MM-DD`, nothing else, in
  the years 1800 to 2999).

`guard_inputs(schema)` wraps the resolver of every field that takes arguments, on the built schema,
so no field is forgotten and a field without arguments pays nothing. The check walks the arguments
as GraphQL coerced them (literal or variable alike, input objects as dicts with their GraphQL names,
lists), and names the fault by its path in the API's words: `lastName`, `household.note`,
`serviceCodes[1]`, `filter.region`. A mutation's path starts inside its one `input`.

What a fault becomes follows the API's rule for expected failures: a mutation answers with its
payload, `errors` listing every fault (code, field, message) and nothing done; a query (or a
nested field) answers with a top-level `BAD_USER_INPUT` error whose `extensions` carry the `field`
and the `reason` (`INVALID_CHARACTERS`, `INVALID_DATE`).
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dateutil.parser
import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    default_field_resolver,
    get_named_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.scalar import ScalarDefinition

from schema.errors import BadUserInput
from sxvis.errors import ValidationFailed
from sxvis.registry.errors import RegistryErrorCode

# Fields whose text is written by a person for a person: tabs and line breaks belong there.
FREE_TEXT = frozenset({"note", "reason", "outcome", "description", "goals", "text"})
# Bidirectional embeddings, overrides and isolates: they make a name or code display as another.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# The control characters (Unicode category Cc: C0, DEL, C1) and unpaired surrogates (Cs), as one
# regular expression each way, so a clean string costs one scan in C.
_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_REFUSED_IN_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_REPORTED = 10  # faults listed in one payload; a client with more has one bug, not ten

# The years a date may fall in. No record of a living person, a service or a log lies outside them,
# and at the ends of Python's calendar a day after 9999-12-31 or a Baku midnight of 0001-01-01 in UTC
# is no date: the fuzz found both as unexpected errors of the statistics' periods.
FIRST_YEAR, LAST_YEAR = 1800, 2999
DATE_FORMAT = f"a date written YYYY-MM-DD (e.g. 1980-12-31) in the years {FIRST_YEAR} to {LAST_YEAR}"
DATETIME_FORMAT = (
    "an ISO 8601 date and time with its offset (e.g. 2026-03-01T09:30:00+04:00)"
    f" in the years {FIRST_YEAR} to {LAST_YEAR}"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Unparsed:
    """A `Date` or `DateTime` value that could not be read; the check refuses it by its field."""

    scalar: str


def _parse_date(value: object) -> object:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:  # 1980-02-30
            pass
        else:
            if FIRST_YEAR <= day.year <= LAST_YEAR:
                return day
    return Unparsed("Date")


def _parse_datetime(value: object) -> object:
    if isinstance(value, str):
        try:
            moment = dateutil.parser.isoparse(value)
        except (ValueError, OverflowError):
            pass
        else:
            if FIRST_YEAR <= moment.year <= LAST_YEAR:
                return moment
    return Unparsed("DateTime")


# The names, descriptions and output of strawberry's own Date and DateTime: the SDL does not change.
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    dt.date: ScalarDefinition(
        name="Date",
        description="Date (isoformat)",
        specified_by_url=None,
        serialize=dt.date.isoformat,
        parse_value=_parse_date,
        parse_literal=None,
        origin=dt.date,
    ),
    dt.datetime: ScalarDefinition(
        name="DateTime",
        description="Date with time (isoformat)",
        specified_by_url=None,
        serialize=dt.datetime.isoformat,
        parse_value=_parse_datetime,
        parse_literal=None,
        origin=dt.datetime,
    ),
}


# The codes a fault can carry: every domain's error enum that a mutation's payload uses must hold them.
EDGE_CODES = (RegistryErrorCode.INVALID_CHARACTERS, RegistryErrorCode.INVALID_DATE)


@dataclass(frozen=True, slots=True)
class Fault:
    """One refused input value: where, why, and a sentence for a person."""

    field: str
    code: RegistryErrorCode
    message: str


def character_fault(text: str, *, free_text: bool) -> str | None:
    """Why `text` may not be stored, or None: the first character it may not hold, by code point."""
    found = (_REFUSED_IN_FREE_TEXT if free_text else _REFUSED).search(text)
    if found is None:
        return None
    ch = found.group()
    allowed = "only tabs and line breaks, in free text" if free_text else "none in this field"
    name = unicodedata.name(ch, "a control character") if ch in BIDI_CONTROLS else "a control character"
    return f"contains U+{ord(ch):04X} ({name}); {allowed}"


def faults_in(
    args: Mapping[str, GraphQLArgument], values: Mapping[str, Any], *, prefix: str
) -> Iterator[Fault]:
    """Every refused value among a field's coerced arguments, in document order."""
    for name, argument in args.items():
        if name in values:
            path = "" if name == prefix else name
            yield from _walk(argument.type, values[name], path, leaf=name)


def _walk(type_: GraphQLInputType, value: Any, path: str, *, leaf: str) -> Iterator[Fault]:
    if value is None:
        return
    if isinstance(type_, GraphQLNonNull):
        yield from _walk(type_.of_type, value, path, leaf=leaf)
    elif isinstance(type_, GraphQLList):
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _walk(type_.of_type, item, f"{path}[{index}]", leaf=leaf)
        else:  # a single value given for a list (GraphQL input coercion allows it)
            yield from _walk(type_.of_type, value, path, leaf=leaf)
    elif isinstance(type_, GraphQLInputObjectType):
        if isinstance(value, Mapping):
            for name, field in type_.fields.items():
                if name in value:
                    yield from _walk(field.type, value[name], f"{path}.{name}" if path else name, leaf=name)
    elif isinstance(value, Unparsed):
        expected = DATE_FORMAT if value.scalar == "Date" else DATETIME_FORMAT
        yield Fault(path or leaf, RegistryErrorCode.INVALID_DATE, f"{path or leaf} must be {expected}.")
    elif isinstance(value, str) and isinstance(type_, GraphQLScalarType):
        problem = character_fault(value, free_text=leaf in FREE_TEXT)
        if problem is not None:
            yield Fault(path or leaf, RegistryErrorCode.INVALID_CHARACTERS, f"{path or leaf} {problem}.")


def _first_faults(field: GraphQLField, kwargs: Mapping[str, Any], prefix: str) -> list[Fault]:
    found: list[Fault] = []
    for fault in faults_in(field.args, kwargs, prefix=prefix):
        found.append(fault)
        if len(found) == MAX_REPORTED:
            break
    return found


def _payload_factory(field_name: str, field: GraphQLField) -> Callable[[list[Fault]], object]:
    """How a mutation answers refused input: its payload type, with `errors` and nothing else.

    Each payload lists errors of its own domain's type (`RegistryError`, `ApplicationError` …) whose
    `code` is that domain's enum, so a fault is built as that type with that enum's member. A domain
    enum without the edge's codes fails here, when the schema is built, not on the request that
    first needs one."""
    payload_type = get_named_type(field.type)
    definition = (
        payload_type.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if isinstance(payload_type, GraphQLObjectType)
        else None
    )
    if definition is None or "errors" not in payload_type.fields:  # type: ignore[union-attr]
        raise TypeError(f"Mutation.{field_name} must return a payload with `errors` (STYLE §3)")
    cls = definition.origin
    error_type = get_named_type(payload_type.fields["errors"].type)  # type: ignore[union-attr]
    error_cls = error_type.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].origin
    code_type = get_named_type(error_type.fields["code"].type)
    codes = code_type.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].wrapped_cls
    missing = sorted({code.value for code in EDGE_CODES} - {member.value for member in codes})
    if missing:
        raise TypeError(f"{code_type.name} (Mutation.{field_name}'s errors) lacks the edge's codes {missing}")

    def payload(faults: list[Fault]) -> object:
        return cls(
            errors=[error_cls(field=f.field, code=codes(f.code.value), message=f.message) for f in faults]
        )

    return payload


def guard_inputs(schema: strawberry.Schema) -> None:
    """Put the check in front of every field that takes arguments (see the module's docstring)."""
    graphql_schema: GraphQLSchema = schema._schema
    mutation, subscription = graphql_schema.mutation_type, graphql_schema.subscription_type
    for type_ in graphql_schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            if not field.args:
                continue
            resolve = field.resolve or default_field_resolver  # no field is left unchecked
            if type_ is mutation:
                field.resolve = _guard_mutation(field, resolve, _payload_factory(name, field))
            else:
                field.resolve = _guard_field(field, resolve)
            if type_ is subscription and field.subscribe is not None:
                field.subscribe = _guard_field(field, field.subscribe)  # checked before the stream opens


def _guard_mutation(field: GraphQLField, resolve: Any, payload: Callable[[list[Fault]], object]) -> Any:
    def guarded(source: Any, info: Any, **kwargs: Any) -> Any:
        faults = _first_faults(field, kwargs, "input")
        if faults:
            return payload(faults)
        return resolve(source, info, **kwargs)

    return guarded


def _guard_field(field: GraphQLField, resolve: Any) -> Any:
    def guarded(source: Any, info: Any, **kwargs: Any) -> Any:
        faults = _first_faults(field, kwargs, "")
        if faults:
            fault = faults[0]
            raise BadUserInput(ValidationFailed(fault.message, field=fault.field, code=fault.code))
        return resolve(source, info, **kwargs)

    return guarded
