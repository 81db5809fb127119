"""Validation is answered once per query text (`schema.validation_cache`), with the same errors each time."""

from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache

import schema.validation_cache as validation_cache
from schema.validation_cache import ValidationCacheByText


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "salam"


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    original = validation_cache.validate_document

    def counting(schema: Any, document: Any, rules: Any) -> Any:
        calls.append(document)
        return original(schema, document, rules)

    monkeypatch.setattr(validation_cache, "validate_document", counting)
    validation_cache._validated.clear()
    return calls


def _schema(maxsize: int = 8) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        extensions=[lambda: ParserCache(maxsize=8), lambda: ValidationCacheByText(maxsize=maxsize)],
    )


async def test_a_query_text_is_validated_once(validations: list[Any]) -> None:
    schema = _schema()
    for _ in range(3):
        assert (await schema.execute("{ hello }")).data == {"hello": "salam"}
    assert len(validations) == 1


async def test_an_invalid_document_gets_its_errors_every_time(validations: list[Any]) -> None:
    schema = _schema()
    for _ in range(2):
        result = await schema.execute("{ goodbye }")
        assert result.data is None
        assert [e.message for e in result.errors or []] == ["Cannot query field 'goodbye' on type 'Query'."]
    assert len(validations) == 1


async def test_the_cache_keeps_the_latest_texts(validations: list[Any]) -> None:
    schema = _schema(maxsize=2)
    for text in ("{ hello }", "{ a: hello }", "{ b: hello }", "{ hello }"):
        assert (await schema.execute(text)).errors is None
    assert len(validations) == 4  # the first text was pushed out by the next two
    assert len(validation_cache._validated) == 2
