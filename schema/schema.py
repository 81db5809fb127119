"""The schema object and its protections.

Limits apply in every mode: depth, aliases, tokens (strawberry >= 0.316, whose limiters have no known
bypass), and page size in the services. Production adds: no introspection, no "did you mean"
suggestions, and masked errors. Extensions are passed as factories, so no state is shared between
requests. The parser and validation caches spare repeated documents the work, which is most of
GraphQL's cost on a FIN lookup.
"""

from collections.abc import Callable
from functools import partial

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from schema.catalogue.types import Agency, Service
from schema.errors import should_mask
from schema.query import Query
from schema.registry.mutations import RegistryMutation
from schema.registry.types import Circumstance, Enrollment, Household, Person
from sxvis.config import Settings


@strawberry.type
class Mutation(RegistryMutation):
    pass


NODE_TYPES = [Person, Household, Circumstance, Enrollment, Agency, Service]


def build_schema(settings: Settings) -> strawberry.Schema:
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        partial(QueryDepthLimiter, max_depth=settings.max_query_depth),
        partial(MaxAliasesLimiter, max_alias_count=settings.max_aliases),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(ParserCache, maxsize=1024),
        partial(ValidationCache, maxsize=1024),
    ]
    if settings.is_production:
        extensions += [DisableIntrospection, partial(MaskErrors, should_mask_error=should_mask)]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=NODE_TYPES,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.is_production, relay_max_results=100),
    )
