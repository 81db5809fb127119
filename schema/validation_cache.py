"""Validation answered once per query text.

strawberry's `ValidationCache` keys its LRU by the parsed document, and a document's hash walks the whole
tree on every request: 3% of a FIN lookup's server time went to hashing the same few dozen nodes. The
query's text names the document just as well: `ParserCache` parses each text once, and parsing is a
function of the text, so the same text always validates the same. A `str` keeps its hash once computed.
The key also holds the schema and the validation rules, as strawberry's does; an operation given as a
document without its text is validated every time.

A text found valid is also remembered by the schema's prepared documents (`schema.prepared`), so that
its next requests are executed without strawberry's per-operation machinery.
"""

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

_validated: OrderedDict[tuple[Any, ...], list[GraphQLError]] = OrderedDict()


class ValidationCacheByText(SchemaExtension):
    """Keep the validation errors (usually none) of the last `maxsize` query texts, shared by every
    request and every schema."""

    def __init__(self, *, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        schema = context.schema._schema
        rules = tuple(context.validation_rules)
        if context.query is None:
            context.pre_execution_errors = validate_document(schema, context.graphql_document, rules)
            yield
            return
        key = (schema, context.query, rules)
        errors = _validated.get(key)
        if errors is None:
            errors = validate_document(schema, context.graphql_document, rules)
            _validated[key] = errors
            if len(_validated) > self.maxsize:
                _validated.popitem(last=False)
        else:
            _validated.move_to_end(key)
        context.pre_execution_errors = errors
        prepared = getattr(context.schema, "prepared", None)
        if not errors and prepared is not None and context.graphql_document is not None:
            prepared.remember(context.query, context.graphql_document)  # `schema.prepared`
        yield
