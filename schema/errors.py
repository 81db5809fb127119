"""How failures reach a client.

Expected failures of a mutation are data: `errors: [RegistryError!]!` in its payload, each with the
input `field` (camelCase, as the client wrote it), a `code` from the domain's enum, and a `message`.
Failures of a query are GraphQL errors whose `extensions.code` says what happened (`BAD_USER_INPUT`,
`FORBIDDEN`); `PUBLIC_ERRORS` lists the exceptions whose messages may pass the mask, since any other
error (a database error, say) may carry a FIN in its text. Every error a client receives has an
`extensions.code` (`TypedErrors`), whichever part of GraphQL raised it.

Every other error is masked in every mode (`MaskUnexpected`): production says "Unexpected error.";
development adds the error's type; both give the request id (`extensions.requestId`), under which the
server log holds the rest (`log_unexpected`: where it happened and, for a database error, its SQLSTATE,
constraint and statement, never a message or a parameter).
"""

import traceback
from collections.abc import Awaitable, Callable, Iterable, Iterator
from enum import Enum
from typing import Any, TypeVar

import strawberry
import structlog
from graphql import GraphQLError, GraphQLSyntaxError
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.schema.exceptions import InvalidOperationTypeError

from schema.cost import TooLarge
from sxvis.errors import AccessDenied, DomainError, SxvisError
from sxvis.registry.errors import RegistryErrorCode

_log = structlog.get_logger("sxvis.graphql")

T = TypeVar("T")

RegistryErrorCodeType = strawberry.enum(
    Enum("RegistryErrorCode", {m.name: m.value for m in RegistryErrorCode}),  # type: ignore[misc]
    name="RegistryErrorCode",
    description="Why a registry mutation did not change anything.",
)

# Domain fields whose API name is not simply their camelCase.
_FIELD_NAMES = {"source_agency": "sourceAgencyCode", "household": "household"}


def api_field(name: str | None) -> str | None:
    if name is None:
        return None
    if name in _FIELD_NAMES:
        return _FIELD_NAMES[name]
    if "." in name:  # a field inside a nested input: `person.last_name` → `person.lastName`
        return ".".join(api_field(part) or part for part in name.split("."))
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@strawberry.type(description="An expected failure: nothing was changed.")
class RegistryError:
    field: str | None = strawberry.field(description="The input field at fault, as named in the input.")
    code: RegistryErrorCodeType  # type: ignore[valid-type]
    message: str

    @classmethod
    def of(cls, error: DomainError) -> "RegistryError":
        return cls(
            field=api_field(error.field), code=RegistryErrorCodeType(error.code.value), message=error.message
        )


class BadUserInput(GraphQLError):
    """A query argument that cannot be served (a malformed FIN, a page too large)."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(
            error.message,
            extensions={
                "code": "BAD_USER_INPUT",
                "field": api_field(error.field),
                "reason": error.code.value,
            },
        )


class Forbidden(GraphQLError):
    """The actor may not do this (never a payload error: a denial is not a correctable input)."""

    def __init__(self, error: AccessDenied) -> None:
        super().__init__(str(error), extensions={"code": "FORBIDDEN"})


OWN_ERRORS: tuple[type[BaseException], ...] = (BadUserInput, Forbidden, AccessDenied, TooLarge)
"""Errors whose messages we write ourselves (they name only what the caller sent), unlike GraphQL's."""

PUBLIC_ERRORS: tuple[type[BaseException], ...] = (
    *OWN_ERRORS,
    InvalidOperationTypeError,  # a query sent where only subscriptions are served (the websocket)
    # GraphQL's own errors about the request (a variable of the wrong type: graphql-core keeps the
    # inner error as `original_error`); they quote only what the client sent.
    GraphQLError,
)


def denial_of(error: GraphQLError) -> AccessDenied | None:
    """The denial behind a GraphQL error, raised directly (a mutation) or as a `Forbidden` (a query)."""
    original: BaseException | None = error.original_error
    while original is not None:
        if isinstance(original, AccessDenied):
            return original
        original = original.__cause__
    return None


def mark_forbidden(error: GraphQLError) -> None:
    """Give a denial's GraphQL error the `FORBIDDEN` code, however it was raised."""
    if denial_of(error) is not None:
        error.extensions = {**(error.extensions or {}), "code": "FORBIDDEN"}


def public_error(error: BaseException) -> GraphQLError | None:
    """The GraphQL error a domain exception becomes in a query, or None if it is not public."""
    if isinstance(error, DomainError):
        return BadUserInput(error)
    if isinstance(error, AccessDenied):
        return Forbidden(error)
    return None


async def answer(work: Callable[[], Awaitable[T]]) -> T:
    """Run a query resolver; a domain failure becomes a public GraphQL error (BAD_USER_INPUT, FORBIDDEN)."""
    try:
        return await work()
    except SxvisError as err:
        public = public_error(err)
        if public is None:
            raise
        raise public from err


def is_request_error(error: GraphQLError) -> bool:
    """An error GraphQL raised about the request itself, outside any field: a variable's value that does
    not fit its type. Its message describes what the caller sent (names it did not write are hidden in
    production, `schema.suggestions`); it is the caller's mistake, not a failure of the server."""
    return error.path is None and isinstance(error.original_error, GraphQLError)


def should_mask(error: GraphQLError) -> bool:
    """Production mask: keep our public errors, document (syntax, validation) and request errors; hide
    the rest."""
    original: Any = error.original_error
    if original is None or is_request_error(error):
        return False
    return not isinstance(original, PUBLIC_ERRORS)


def log_unexpected(
    errors: list[GraphQLError], operation_name: str | None, request_id: str | None = None
) -> None:
    """Log server-side failures without their messages.

    strawberry logs each error's message and full traceback, and an exception's message can carry
    personal data (a database error's detail names the duplicate FIN). Logged here instead: the error's
    type, its path, the operation, the request id the client was given, the traceback's frames (file,
    line, code) and, for a database error, what identifies it without values (`database_facts`); never
    a message. The client's own mistakes (bad input, document errors) are not server failures and are
    not logged.
    """
    for error in errors:
        original: BaseException | None = error.original_error
        if original is None or isinstance(original, PUBLIC_ERRORS) or is_request_error(error):
            continue
        _log.error(
            "graphql.unexpected_error",
            error_type=f"{type(original).__module__}.{type(original).__qualname__}",
            path=".".join(str(part) for part in error.path or ()),
            operation=operation_name,
            request_id=request_id,
            frames="".join(traceback.format_tb(original.__traceback__)),
            **database_facts(original),
        )


MAX_LOGGED_STATEMENT = 2000


def database_facts(error: BaseException) -> dict[str, str]:
    """What identifies a database error without quoting a value: its SQLSTATE, the constraint, table
    and column PostgreSQL names, and the statement as sent (placeholders, never the parameters).

    PostgreSQL's message and detail are left out: they quote values (`Key (fin)=(…)`, `Failing row
    contains (…)`, `invalid input syntax for type uuid: "…"`).
    """
    facts: dict[str, str] = {}
    statement = getattr(error, "statement", None)  # SQLAlchemy's DBAPIError/StatementError
    if isinstance(statement, str):
        facts["statement"] = statement[:MAX_LOGGED_STATEMENT]
    cause: BaseException | None = error
    while cause is not None:  # SQLAlchemy's error → the asyncpg adapter's → asyncpg's own
        for attribute, key in (
            ("sqlstate", "sqlstate"),
            ("constraint_name", "constraint"),
            ("table_name", "table"),
            ("column_name", "column"),
        ):
            value = getattr(cause, attribute, None)
            if isinstance(value, str) and key not in facts:
                facts[key] = value
        cause = getattr(cause, "orig", None) or cause.__cause__
    return facts


def request_id_of(context: object) -> str | None:
    """The request id of an operation's context (the actor's origin), if it has one."""
    actor = getattr(context, "actor", None)
    origin = getattr(actor, "origin", None)
    request_id = getattr(origin, "request_id", None)
    return request_id if isinstance(request_id, str) else None


class MaskUnexpected(MaskErrors):
    """The mask of every mode: an unexpected error's text never reaches the client.

    The answer names the request id, under which the log holds the rest; development also names the
    error's type (`IntegrityError`), which tells a developer where to look and the public nothing.
    """

    def __init__(self, *, show_type: bool) -> None:
        super().__init__(should_mask_error=should_mask)
        self.show_type = show_type

    def _process_result(self, result: object) -> None:
        # strawberry's own asks `isinstance(result, <a runtime-checkable Protocol>)`, which inspects the
        # protocol's members on every operation: 3% of a FIN lookup's server time. The attribute it
        # looks for is all that matters.
        errors = getattr(result, "errors", None)
        if errors:
            request_id = request_id_of(self.execution_context.context)
            result.errors = masked(errors, request_id=request_id, show_type=self.show_type)  # type: ignore[attr-defined]


def anonymised(error: GraphQLError, *, request_id: str | None, show_type: bool) -> GraphQLError:
    """`error` as the mask shows it: "Unexpected error." and the request id (and, with `show_type`, the
    error's type), nothing of its text."""
    extensions: dict[str, Any] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    message = "Unexpected error."
    if show_type and error.original_error is not None:
        error_type = type(error.original_error).__name__
        extensions["errorType"] = error_type
        message = (
            f"Unexpected error ({error_type}); the server log has the details under request {request_id}."
        )
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def masked(errors: list[GraphQLError], *, request_id: str | None, show_type: bool) -> list[GraphQLError]:
    """The errors `MaskUnexpected` lets through: each unexpected one anonymised (`should_mask`)."""
    return [
        anonymised(error, request_id=request_id, show_type=show_type) if should_mask(error) else error
        for error in errors
    ]


class TypedErrors(SchemaExtension):
    """Give every error an `extensions.code`, so a client can tell what happened without parsing text.

    Our own errors carry theirs (`BAD_USER_INPUT`, `FORBIDDEN`, `QUERY_TOO_COMPLEX`); the others get:

    | error | code |
    |---|---|
    | a syntax error | `GRAPHQL_PARSE_FAILED` (`QUERY_TOO_COMPLEX` past the token limit) |
    | validation given up (graphql-core's work budget or error limit) | `QUERY_TOO_COMPLEX` |
    | a validation rule's error | `GRAPHQL_VALIDATION_FAILED` |
    | any other error outside a field: variables, the operation's name | `BAD_USER_INPUT` |
    | an error in a field that is not ours (masked in production) | `INTERNAL_SERVER_ERROR` |

    List it before `MaskErrors`: extensions finish in reverse order, so the mask's errors get a code too.
    A denial's `FORBIDDEN` is set later still, by the HTTP door (`mark_forbidden`).
    """

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            _code(error, "GRAPHQL_VALIDATION_FAILED")

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:  # a syntax error leaves the operation as an exception
            _code(error, _code_of(error))
            raise
        code_errors(getattr(self.execution_context.result, "errors", None) or ())


def code_errors(errors: Iterable[GraphQLError]) -> None:
    """Give each error of an answer that has none the code its kind calls for (`TypedErrors`)."""
    for error in errors:
        _code(error, _code_of(error))


def _code_of(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError):
        return "QUERY_TOO_COMPLEX" if "tokens" in error.message else "GRAPHQL_PARSE_FAILED"
    if isinstance(error, ValidationAbortedError):
        return "QUERY_TOO_COMPLEX"
    if error.path is None:
        return "BAD_USER_INPUT"
    return "INTERNAL_SERVER_ERROR"


def _code(error: GraphQLError, code: str) -> None:
    if isinstance(error, ValidationAbortedError):
        code = "QUERY_TOO_COMPLEX"  # graphql-core gives up on a document costing too much to validate
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
