"""The README's example operations are valid against the schema: a partner developer copies them first."""

import re
from pathlib import Path

import pytest
from graphql import DocumentNode, parse, validate

from schema import build_schema
from sxvis.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"
OPERATIONS = [
    DocumentNode(definitions=(definition,))
    for block in re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    for definition in parse(block).definitions
]


def test_the_readme_has_example_operations() -> None:
    assert len(OPERATIONS) >= 8


def first_words(operation: DocumentNode) -> str:
    location = operation.definitions[0].loc
    return "" if location is None else location.source.body[location.start : location.start + 40]


@pytest.mark.parametrize("operation", OPERATIONS, ids=first_words)
def test_each_readme_example_is_valid_against_the_schema(operation: DocumentNode) -> None:
    assert validate(build_schema(Settings())._schema, operation) == []
