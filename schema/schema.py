"""The schema object and its protections.

Limits apply in every mode: depth, aliases and fields counted with fragments expanded (`schema.cost`,
which measures each fragment once, so checking a document costs one pass over it however its fragments
are spread), tokens, list items per answer while executing (`schema.cost.create_executor`), and page
size in the services; and so does the mask of unexpected errors (`MaskUnexpected`: development names
the error's type, production does not). Production adds: no introspection and no suggestions of
names the caller did not write (`schema.suggestions`). Extensions are passed as factories, so no
extension instance (and its per-request state) is shared between requests.

The parser and validation caches spare a repeated document most of GraphQL's cost. The validation
cache is keyed by the document *and the tuple of validation-rule classes*: a rule class built per
request would make every lookup a cache miss (measured with strawberry's limiters, which did: 4.2 ms
instead of well under 1 ms for a FIN lookup). So the rule classes are built once per schema and each
request adds those very classes. The classes hold no state; each validation makes its own instances.
"""

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from schema.access.mutations import AccessMutation
from schema.admin.mutations import AdminMutation
from schema.applications.mutations import ApplicationMutation
from schema.applications.types import Application
from schema.arguments import serve_plain_arguments
from schema.calendar.mutations import CalendarMutation
from schema.cases.mutations import CaseMutation
from schema.cases.types import Case
from schema.catalogue.mutations import CapacityMutation
from schema.catalogue.types import Agency, Service
from schema.checks.mutations import CheckMutation
from schema.cost import create_cost_rule, create_executor
from schema.duplicates.mutations import DuplicateMutation
from schema.edges import SCALAR_OVERRIDES, guard_inputs
from schema.errors import MaskUnexpected, TypedErrors, log_unexpected, request_id_of
from schema.integrations.mutations import IntegrationMutation
from schema.prepared import PreparedDocuments, execute_prepared, reproduces
from schema.protection.mutations import ProtectionMutation
from schema.query import Query
from schema.referrals.mutations import ReferralMutation
from schema.referrals.subscription import ReferralSubscription
from schema.referrals.types import Referral
from schema.registry.mutations import RegistryMutation
from schema.registry.types import Circumstance, Enrollment, Household, Person, serve_known_relations
from schema.relay import serve_node_ids
from schema.suggestions import NoSuggestions
from schema.validation_cache import ValidationCacheByText
from sxvis.config import Settings


@strawberry.type
class Mutation(
    RegistryMutation,
    ReferralMutation,
    CaseMutation,
    CapacityMutation,
    CalendarMutation,
    AccessMutation,
    AdminMutation,
    IntegrationMutation,
    CheckMutation,
    DuplicateMutation,
    ProtectionMutation,
    ApplicationMutation,
):
    pass


@strawberry.type
class Subscription(ReferralSubscription):
    pass


class Schema(strawberry.Schema):
    """strawberry's schema, logging failures without their messages (see `log_unexpected`), executing a
    query text it has already found valid directly (`schema.prepared`)."""

    prepared: PreparedDocuments | None = None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        allowed = allowed_operation_types
        if allowed is None:
            allowed = DEFAULT_ALLOWED_OPERATION_TYPES
        prepared = self.prepared
        if prepared is not None and root_value is None and operation_extensions is None:
            document = prepared.document(query, operation_name, allowed)
            if document is not None and query is not None:
                return await execute_prepared(
                    self,
                    prepared,
                    document,
                    query=query,
                    variable_values=variable_values,
                    context_value=context_value,
                    operation_name=operation_name,
                    allowed_operation_types=allowed,
                )
        return await super().execute(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            allowed_operation_types=allowed_operation_types,
            operation_extensions=operation_extensions,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        if execution_context is None:
            log_unexpected(errors, None)
            return
        log_unexpected(errors, execution_context.operation_name, request_id_of(execution_context.context))


NODE_TYPES = [Person, Household, Circumstance, Enrollment, Agency, Service, Referral, Case, Application]


def build_schema(settings: Settings) -> strawberry.Schema:
    limits = [
        create_cost_rule(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_fields=settings.max_expanded_fields,
        )
    ]
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        TypedErrors,  # first, so it sees the errors last (after the production mask)
        partial(AddValidationRules, limits),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(ParserCache, maxsize=1024),
        partial(ValidationCacheByText, maxsize=1024),  # strawberry's hashes the document per request
    ]
    # Masked in every mode: a database error's text (SQL, parameters, a row) never reaches a client.
    extensions.append(partial(MaskUnexpected, show_type=not settings.is_production))
    if settings.is_production:
        extensions += [DisableIntrospection, NoSuggestions]
    schema = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=extensions,
        execution_context_class=create_executor(settings.max_list_items),
        config=StrawberryConfig(disable_field_suggestions=settings.is_production, relay_max_results=100),
        scalar_overrides=SCALAR_OVERRIDES,  # dates that do not parse are typed errors (schema.edges)
    )
    if reproduces(extensions) and not schema.directives:
        # A text found valid is executed directly after that (`schema.prepared`).
        schema.prepared = PreparedDocuments(
            maxsize=1024, quiet=settings.is_production, show_type=not settings.is_production
        )
    serve_plain_arguments(schema)  # scalar arguments passed without conversion (schema.arguments)
    guard_inputs(schema)  # every argument checked once, before its resolver (schema.edges)
    serve_node_ids(schema)  # ids without strawberry's per-field wrapper (schema.relay)
    serve_known_relations(schema)  # what a page read ahead, likewise (schema.registry.types)
    return schema
