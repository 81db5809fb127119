"""A resolver whose arguments are plain scalars is called without strawberry's conversion
(`schema.arguments`), with the same arguments strawberry would give it.

A small schema is built twice, once served plainly and once left to strawberry, and every document is
answered by both and compared.
"""

from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

import schema.schema as schema_module
from schema import build_schema
from schema.arguments import serve_plain_arguments
from sxvis.config import Settings


class Never(BasePermission):
    message = "never"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return False


@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.input
class Box:
    size: int


@strawberry.type
class Query:
    @strawberry.field
    def echo(
        self,
        text: str,
        count: int = 2,
        ratio: float | None = None,
        flag: bool = False,
        key: strawberry.ID | None = None,
    ) -> str:
        return f"{text}|{count}|{ratio}|{flag}|{key}|{self is None}"

    @strawberry.field
    async def later(self, info: Info, text: str) -> str:
        return f"{text}|{info.field_name}|{info.python_name}"

    @strawberry.field
    def fails(self, text: str) -> str:
        raise ValueError(f"no {text}")

    @strawberry.field
    def boxed(self, box: Box) -> int:
        return box.size

    @strawberry.field
    def painted(self, colour: Colour) -> str:
        return colour.value

    @strawberry.field(permission_classes=[Never])
    def guarded(self, text: str) -> str:
        return text


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema, list[str]]:
    plain = strawberry.Schema(query=Query)
    served = serve_plain_arguments(plain)
    return plain, strawberry.Schema(query=Query), served


PLAIN, STRAWBERRYS, SERVED = _schemas()


def test_only_fields_strawberry_would_merely_call_are_served_plainly() -> None:
    assert sorted(SERVED) == ["Query.echo", "Query.fails", "Query.later"]


@pytest.mark.parametrize(
    "document",
    [
        '{ echo(text: "a") }',
        '{ echo(text: "a", count: 5, ratio: 0.5, flag: true, key: "K1") }',
        '{ echo(text: "a", ratio: null, key: null) }',
        '{ echo(text: "a", count: 7) first: echo(text: "b") }',
        '{ later(text: "x") }',
        '{ fails(text: "x") }',
        "{ boxed(box: {size: 3}) }",
        "{ painted(colour: RED) }",
        '{ guarded(text: "x") }',
    ],
)
async def test_the_answer_is_strawberrys(document: str) -> None:
    plain = await PLAIN.execute(document)
    strawberrys = await STRAWBERRYS.execute(document)
    assert plain.data == strawberrys.data
    assert [e.formatted for e in plain.errors or ()] == [e.formatted for e in strawberrys.errors or ()]


async def test_variables_reach_the_resolver_as_strawberry_gives_them() -> None:
    document = "query($t: String!, $n: Int, $k: ID) { echo(text: $t, count: $n, key: $k) }"
    variables = {"t": "v", "n": 9, "k": "7"}
    plain = await PLAIN.execute(document, variable_values=variables)
    assert plain.data == (await STRAWBERRYS.execute(document, variable_values=variables)).data
    assert plain.data == {"echo": "v|9|None|False|7|True"}


def test_the_fin_lookup_is_served_plainly_and_the_listing_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[str] = []

    def recording(schema: Any) -> list[str]:
        served.extend(serve_plain_arguments(schema))
        return served

    monkeypatch.setattr(schema_module, "serve_plain_arguments", recording)
    build_schema(Settings())
    assert "Query.person" in served
    assert "Query.persons" not in served  # its filter is an input object: strawberry converts it
