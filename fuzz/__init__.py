"""Fuzzing of SXVİS's GraphQL API (`python fuzz/graphql_fuzz.py`; `.ci/run` runs it, bounded)."""
