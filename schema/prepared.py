"""A query text already found valid is executed by graphql-core directly, past strawberry's operation.

strawberry's `Schema.execute` runs every request through its extension machinery: it builds an
instance of each of the schema's extensions, a context manager for each phase (operation, parsing,
validation, execution) that asks each extension for its hook, and the parser and validation caches'
lookups inside them. For a document it has parsed and validated before, none of that can change the
answer; only what the extensions do to the answer's errors can. That machinery was about 16 % of a FIN
lookup's server time (docs/performance.md, 7 December 2026).

So `Schema.execute` (`schema.schema`) looks the query's text up here first. A text is remembered when
validation finds it valid under this very schema's rules (`ValidationCacheByText`, which sees every
validation); remembered, a request with it goes straight to graphql-core's `execute` with the schema's
executor, and what the extensions do after execution is done by the same functions they call
(`finish_errors`). Everything else takes strawberry's path: a text not seen valid (a syntax or
validation error, the token limit, a first request), an operation name the document does not have, an
operation type the caller may not run (strawberry raises the error the HTTP door answers), a root value
or operation extensions. A schema with an extension whose work this module does not reproduce
(`REPRODUCED`) has no prepared documents at all. `tests/test_prepared_documents.py` runs answers, field
errors, variable errors, denials and masked failures both ways and compares them.
"""

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from graphql import DocumentNode, GraphQLError
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution import execute
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import AddValidationRules, DisableIntrospection, MaxTokensLimiter, ParserCache
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe
from strawberry.utils.operation import get_operation_type

from schema.errors import MaskUnexpected, TypedErrors, code_errors, masked, request_id_of
from schema.suggestions import NoSuggestions, quiet_errors
from schema.validation_cache import ValidationCacheByText

REPRODUCED = frozenset(
    {
        # Their work is done before execution, and a remembered text has passed it under this schema.
        AddValidationRules,
        DisableIntrospection,
        MaxTokensLimiter,
        ParserCache,
        ValidationCacheByText,
        # Their work on an answer's errors is done by `finish_errors`, with the functions they call.
        MaskUnexpected,
        NoSuggestions,
        TypedErrors,
    }
)
"""The extensions whose whole effect on a valid document's execution the direct path reproduces."""


class PreparedDocuments:
    """The last `maxsize` query texts validation found valid under one schema, with their documents."""

    def __init__(self, *, maxsize: int, quiet: bool, show_type: bool) -> None:
        self.maxsize = maxsize
        self.quiet = quiet  # production: GraphQL's own messages name nothing the caller did not write
        self.show_type = show_type  # development: a masked error names its type
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def remember(self, text: str, document: DocumentNode) -> None:
        """`text` parsed to `document`, and validation found no error in it."""
        self._documents[text] = document
        self._documents.move_to_end(text)
        if len(self._documents) > self.maxsize:
            self._documents.popitem(last=False)

    def document(
        self, text: str | None, operation_name: str | None, allowed: Iterable[OperationType]
    ) -> DocumentNode | None:
        """The document to execute directly, or None for strawberry's path (see the module)."""
        if text is None:
            return None
        document = self._documents.get(text)
        if document is None:
            return None
        try:
            operation_type = get_operation_type(document, operation_name)
        except RuntimeError:
            return None  # no such operation: strawberry's path raises what the door answers
        return document if operation_type in allowed else None


def reproduces(extensions: Iterable[Any]) -> bool:
    """Whether the direct path does all that `extensions` (classes, or factories of them) would do."""
    return all(getattr(extension, "func", extension) in REPRODUCED for extension in extensions)


async def execute_prepared(
    schema: Any,
    prepared: PreparedDocuments,
    document: DocumentNode,
    *,
    query: str,
    variable_values: dict[str, Any] | None,
    context_value: Any,
    operation_name: str | None,
    allowed_operation_types: Iterable[OperationType],
) -> ExecutionResult:
    """Execute a remembered `document` as strawberry's path would, without its operation machinery."""
    try:
        result: GraphQLExecutionResult = await await_maybe(
            execute(
                schema._schema,
                document,
                variable_values=variable_values,
                operation_name=operation_name,
                context_value=context_value,
                executor_class=schema.execution_context_class,
                is_awaitable=optimized_is_awaitable,
                operation_extensions=None,  # as strawberry passes it
            )
        )
    except Exception as exc:  # strawberry's path answers such an error, too (its `_coerce_error`)
        error = exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
        result = GraphQLExecutionResult(None, [error])
    errors = result.errors
    if errors:
        context = ExecutionContext(
            query=query,
            schema=schema,
            allowed_operations=allowed_operation_types,
            context=context_value,
            variables=variable_values,
            provided_operation_name=operation_name,
            graphql_document=document,
        )
        context.result = result
        errors = finish_errors(schema, prepared, errors, context)
    return ExecutionResult(data=result.data, errors=errors)


def finish_errors(
    schema: Any, prepared: PreparedDocuments, errors: list[GraphQLError], context: ExecutionContext
) -> list[GraphQLError]:
    """What strawberry's path does to an answer's errors, in its order: the schema logs them (and in
    production drops GraphQL's suggestions), then the extensions finish in reverse: `NoSuggestions`
    (production), `MaskUnexpected`, `TypedErrors`."""
    schema._process_errors(errors, context)
    if prepared.quiet:
        errors = quiet_errors(errors, schema._schema, context.query, context.variables)
    errors = masked(errors, request_id=request_id_of(context.context), show_type=prepared.show_type)
    code_errors(errors)
    return errors
