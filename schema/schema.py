"""The schema object and its protections.

Limits apply in every mode: depth, aliases, tokens (strawberry >= 0.316, whose limiters have no known
bypass), and page size in the services. Production adds: no introspection, no "did you mean"
suggestions, and masked errors. Extensions are passed as factories, so no extension instance (and
its per-request state) is shared between requests.

The parser and validation caches spare a repeated document most of GraphQL's cost. The validation
cache is keyed by the document *and the tuple of validation-rule classes*, and strawberry's
`QueryDepthLimiter` and `MaxAliasesLimiter` create a new rule class in every instance: built per
request, they would make every lookup a cache miss (measured: 4.2 ms instead of well under 1 ms for a
FIN lookup). So the rule classes are built once per schema, from the same `create_validator` functions
those limiters use, and each request adds those very classes. The classes hold no state; each
validation makes its own instances.
"""

from collections.abc import Callable
from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.access.mutations import AccessMutation
from schema.admin.mutations import AdminMutation
from schema.applications.mutations import ApplicationMutation
from schema.applications.types import Application
from schema.calendar.mutations import CalendarMutation
from schema.cases.mutations import CaseMutation
from schema.cases.types import Case
from schema.catalogue.mutations import CapacityMutation
from schema.catalogue.types import Agency, Service
from schema.checks.mutations import CheckMutation
from schema.duplicates.mutations import DuplicateMutation
from schema.errors import log_unexpected, should_mask
from schema.integrations.mutations import IntegrationMutation
from schema.query import Query
from schema.referrals.mutations import ReferralMutation
from schema.referrals.subscription import ReferralSubscription
from schema.referrals.types import Referral
from schema.registry.mutations import RegistryMutation
from schema.registry.types import Circumstance, Enrollment, Household, Person
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
    ApplicationMutation,
):
    pass


@strawberry.type
class Subscription(ReferralSubscription):
    pass


class Schema(strawberry.Schema):
    """strawberry's schema, logging failures without their messages (see `log_unexpected`)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_unexpected(errors, execution_context.operation_name if execution_context else None)


NODE_TYPES = [Person, Household, Circumstance, Enrollment, Agency, Service, Referral, Case, Application]


def build_schema(settings: Settings) -> strawberry.Schema:
    limits = [
        query_depth_limiter.create_validator(settings.max_query_depth, None, None),
        max_aliases.create_validator(settings.max_aliases),
    ]
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        partial(AddValidationRules, limits),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(ParserCache, maxsize=1024),
        partial(ValidationCache, maxsize=1024),
    ]
    if settings.is_production:
        extensions += [DisableIntrospection, partial(MaskErrors, should_mask_error=should_mask)]
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.is_production, relay_max_results=100),
    )
