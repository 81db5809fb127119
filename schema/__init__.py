"""GraphQL: strawberry types, inputs, enums, Query/Mutation, and the schema object.

`sxvis.graphql` beside this file is the exported SDL; a test keeps it in step with the code.
"""

from schema.schema import build_schema

__all__ = ["build_schema"]
