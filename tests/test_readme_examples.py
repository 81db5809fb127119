"""The README's example operations are valid against the schema and, in "Example queries", work as
written: a partner developer copies them first, into GraphiQL, as its development user.

An operation's variables are the ```json block right after it. `<id from FindPerson>` stands for an
`id` from FindPerson's answer (the README says to paste one): the chain below fills it in exactly so.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import DocumentNode, OperationDefinitionNode, OperationType, parse, validate

from schema import build_schema
from sxvis.config import Settings
from sxvis.web.graphiql import DEMO_USER
from tests.conftest import Api

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text(encoding="utf-8")
PLACEHOLDER = re.compile(r"<id from (\w+)>")


@dataclass(frozen=True)
class Example:
    document: str
    variables: dict[str, Any] | None

    @property
    def operation(self) -> OperationDefinitionNode:
        definition = parse(self.document).definitions[0]
        assert isinstance(definition, OperationDefinitionNode)
        return definition

    @property
    def name(self) -> str:
        return self.operation.name.value if self.operation.name else "(anonymous)"


def examples(text: str) -> list[Example]:
    found = re.findall(r"```graphql\n(.*?)```(?:\s*```json\n(.*?)```)?", text, re.S)
    return [Example(document, json.loads(variables) if variables else None) for document, variables in found]


def section(title: str) -> str:
    start = TEXT.index(f"\n## {title}\n")
    end = TEXT.find("\n## ", start + 1)
    return TEXT[start : end if end >= 0 else None]


EXAMPLES = examples(TEXT)
OPERATIONS = [
    DocumentNode(definitions=(definition,))
    for example in EXAMPLES
    for definition in parse(example.document).definitions
]


def test_the_readme_has_example_operations() -> None:
    assert len(OPERATIONS) >= 8


def first_words(operation: DocumentNode) -> str:
    location = operation.definitions[0].loc
    return "" if location is None else location.source.body[location.start : location.start + 40]


@pytest.mark.parametrize("operation", OPERATIONS, ids=first_words)
def test_each_readme_example_is_valid_against_the_schema(operation: DocumentNode) -> None:
    assert validate(build_schema(Settings())._schema, operation) == []


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_no_readme_example_carries_a_made_up_id(example: Example) -> None:
    """Ids come from a variable filled from an earlier answer, never from an id written in the text."""
    assert "UGVyc29u" not in example.document
    assert "…" not in example.document
    needed = {v.variable.name.value for v in example.operation.variable_definitions or ()}
    given = set(example.variables or {})
    assert needed == given, f"{example.name} needs the variables {needed}, its JSON block gives {given}"
    for value in re.findall(r'"([^"]*)"', json.dumps(example.variables or {})):
        for source in PLACEHOLDER.findall(value):
            assert source in {e.name for e in EXAMPLES}, f"{value} names no example"


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, str) and (match := PLACEHOLDER.fullmatch(value)):
        return ids[match.group(1)]
    return value


def first_id(data: Any) -> str | None:
    if isinstance(data, dict):
        if isinstance(data.get("id"), str):
            return str(data["id"])
        items = list(data.values())
    elif isinstance(data, list):
        items = data
    else:
        return None
    for item in items:
        if (found := first_id(item)) is not None:
            return found
    return None


async def test_the_example_queries_run_as_written_and_chain(api: Api) -> None:
    """As GraphiQL's development user, in the README's order: every operation answers without errors,
    and the search finds the person just registered, whose id the later operations use."""
    developer = api.as_(DEMO_USER.role, agency=DEMO_USER.agency, user=DEMO_USER.user)
    ids: dict[str, str] = {}
    chain = [
        e for e in examples(section("Example queries")) if e.operation.operation != OperationType.SUBSCRIPTION
    ]
    assert [e.name for e in chain][:2] == ["RegisterPerson", "FindPerson"]
    for example in chain:
        result = await developer.execute(example.document, **fill(example.variables or {}, ids))
        assert result.errors == [], f"{example.name}: {result.errors}"
        for payload in result.data.values():
            if isinstance(payload, dict) and "errors" in payload:
                assert payload["errors"] == [], f"{example.name}: {payload['errors']}"
        if (found := first_id(result.data)) is not None:
            ids[example.name] = found
    assert ids["FindPerson"] == ids["RegisterPerson"]
