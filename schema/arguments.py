"""Resolvers whose arguments are plain scalars are called without strawberry's argument conversion.

strawberry calls a field's resolver through a wrapper made for every case: it converts each argument
by walking its type (an optional, a list, an input object, an enum, a relay id), lets field extensions
reshape them, builds a chain of partials for the field's extensions, and only then calls the function.
For a root field like `person(id, fin)` whose arguments are strings that graphql-core has already
coerced, the conversion returns each value as it came: on a FIN lookup the wrapper was about 6 % of the
server's time, argument conversion most of it.

`serve_plain_arguments` gives such a field a resolver that renames the arguments to their Python names
and calls the function, with the `Info` strawberry would give it. Only a field where that is all
strawberry would do is served so (`_plainly_called`): a resolver of its own, no field extension (a
permission class is one), no exception handler, no parent or root parameter, a plain `StrawberryField`,
and every argument a built-in scalar (`str`, `int`, `float`, `bool`, `ID`) or an optional one. Any other
field (input objects, enums, lists, relay ids, `Maybe`) keeps strawberry's wrapper.
"""

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

_PLAIN_SCALARS = (str, int, float, bool, strawberry.ID)


def serve_plain_arguments(schema: Any) -> list[str]:
    """Give every field whose resolver strawberry would merely call with its arguments a resolver that
    does just that (see the module), and name them (`Type.field`). Run before anything wraps the
    fields' resolvers."""
    served = []
    converter = schema.schema_converter
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if isinstance(definition, StrawberryField) and _plainly_called(converter, definition, field):
                field.resolve = _called_plainly(schema, definition, type_.name, name)
                served.append(f"{type_.name}.{name}")
    return served


def _plainly_called(converter: Any, definition: StrawberryField, field: GraphQLField) -> bool:
    resolver = definition.base_resolver
    return (
        bool(field.args)
        and resolver is not None
        and callable(resolver.wrapped_func)
        and type(definition).get_result is StrawberryField.get_result
        and not definition.extensions
        and not definition.is_subscription
        and not converter._get_field_exception_handlers(definition)
        and resolver.parent_parameter is None
        and resolver.root_parameter is None
        and all(_is_plain(argument.type) for argument in definition.arguments)
    )


def _is_plain(type_: object) -> bool:
    if isinstance(type_, StrawberryOptional) and type(type_) is StrawberryOptional:  # not `Maybe`
        type_ = type_.of_type
    return any(type_ is scalar for scalar in _PLAIN_SCALARS)


def _called_plainly(
    schema: Any, definition: StrawberryField, type_name: str, field_name: str
) -> Callable[..., Any]:
    resolver = definition.base_resolver
    assert resolver is not None
    function = resolver.wrapped_func
    name_of = schema.config.name_converter.from_argument
    names = tuple((name_of(argument), argument.python_name) for argument in definition.arguments)
    info_class = schema.config.info_class
    info_parameter = resolver.info_parameter
    info_name = None if info_parameter is None else info_parameter.name
    takes_self = resolver.self_parameter is not None

    def resolve(source: Any, info: Any, **given: Any) -> Any:
        arguments = {python: given[graphql] for graphql, python in names if graphql in given}
        if info_name is not None:
            arguments[info_name] = info_class(_raw_info=info, _field=definition)
        return function(source, **arguments) if takes_self else function(**arguments)

    resolve.__qualname__ = f"{type_name}.{field_name}"
    return resolve
