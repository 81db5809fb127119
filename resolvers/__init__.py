"""Resolver functions and DataLoaders: they turn GraphQL arguments into calls of the domain services
and hold no business rules themselves."""
