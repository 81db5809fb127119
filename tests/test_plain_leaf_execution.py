"""Plain leaf fields completed in one step (`schema.execution`) answer exactly as graphql-core would:
the same data, the same errors at the same paths, the same null propagation. Each case runs one
document through a small strawberry schema twice, with strawberry's executor and with ours."""

import enum
from datetime import date
from typing import Any

import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.cost import create_executor
from schema.execution import LeafFirstExecutor, plan_selection


@strawberry.enum
class Status(enum.Enum):
    ACTIVE = "active"
    ENDED = "ended"


class Broken(Exception):
    pass


@strawberry.type
class Item:
    code: str
    label: str | None
    status: Status
    started_on: date
    count: int
    owed: strawberry.Private[Any] = None

    @strawberry.field
    def upper(self) -> str:
        return self.code.upper()

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.code * times


class UnreadableLabel(Item):
    """An item whose `label` raises when read (as a property of a source object might)."""

    @property  # type: ignore[misc]
    def label(self) -> str | None:
        raise Broken("this attribute cannot be read")

    @classmethod
    def of(cls, item: Item) -> "UnreadableLabel":
        unreadable = object.__new__(cls)
        for name in ("code", "status", "started_on", "count"):
            object.__setattr__(unreadable, name, getattr(item, name))
        return unreadable


def _item(name: str, **changes: Any) -> Item:
    values: dict[str, Any] = {
        "code": name,
        "label": f"label {name}",
        "status": Status.ACTIVE,
        "started_on": date(2026, 1, 2),
        "count": 3,
    }
    values.update(changes)
    return Item(**values)


ITEMS: list[Any] = []


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ITEMS

    @strawberry.field
    async def later(self) -> list[Item]:
        return ITEMS

    @strawberry.field
    def maybe_items(self) -> list[Item | None] | None:
        return ITEMS


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    config = StrawberryConfig(auto_camel_case=True)
    return (
        strawberry.Schema(query=Query, config=config),
        strawberry.Schema(query=Query, config=config, execution_context_class=LeafFirstExecutor),
    )


async def _both(document: str, items: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    ITEMS[:] = items
    plain, ours = _schemas()
    first = await plain.execute(document)
    second = await ours.execute(document)
    return _shape(first), _shape(second)


def _shape(result: Any) -> dict[str, Any]:
    return {
        "data": result.data,
        "errors": [(e.message, e.path) for e in result.errors or []],
    }


async def test_a_list_of_plain_leaves_answers_as_graphql_core() -> None:
    document = "{ items { code label status startedOn count upper } }"
    plain, ours = await _both(document, [_item("a"), _item("b", label=None, status=Status.ENDED)])
    assert ours == plain
    assert ours["data"]["items"][1] == {
        "code": "b",
        "label": None,
        "status": "ENDED",
        "startedOn": "2026-01-02",
        "count": 3,
        "upper": "B",
    }


async def test_aliases_arguments_and_fragments_answer_as_graphql_core() -> None:
    document = """
    { items { c: code code ...F shout(times: 2) again: shout } }
    fragment F on Item { code label }
    """
    plain, ours = await _both(document, [_item("a"), _item("b")])
    assert ours == plain
    assert ours["data"]["items"][0] == {
        "c": "a",
        "code": "a",
        "label": "label a",
        "shout": "aa",
        "again": "a",
    }


async def test_a_null_in_a_non_null_leaf_is_graphql_cores_error_and_propagation() -> None:
    document = "{ maybeItems { code count } }"
    plain, ours = await _both(document, [_item("a"), _item("b", code=None)])
    assert ours == plain
    assert ours["data"] == {"maybeItems": [{"code": "a", "count": 3}, None]}
    assert ours["errors"] == [
        ("Cannot return null for non-nullable field Item.code.", ["maybeItems", 1, "code"])
    ]


async def test_an_attribute_that_raises_is_graphql_cores_error_at_its_path() -> None:
    document = "{ maybeItems { code label } }"
    plain, ours = await _both(document, [_item("a"), UnreadableLabel.of(_item("b"))])
    assert ours == plain
    assert ours["data"] == {"maybeItems": [{"code": "a", "label": "label a"}, {"code": "b", "label": None}]}
    assert ours["errors"] == [("this attribute cannot be read", ["maybeItems", 1, "label"])]


async def test_a_value_the_scalar_refuses_is_graphql_cores_error() -> None:
    document = "{ maybeItems { count status } }"
    plain, ours = await _both(document, [_item("a", count="many"), _item("b", status="unknown")])
    assert ours == plain
    assert len(ours["errors"]) == 2
    assert ours["data"] == {"maybeItems": [None, None]}


async def test_objects_reached_through_an_awaited_resolver_answer_as_graphql_core() -> None:
    plain, ours = await _both("{ later { code upper } }", [_item("a"), _item("b")])
    assert ours == plain
    assert ours["data"] == {"later": [{"code": "a", "upper": "A"}, {"code": "b", "upper": "B"}]}


def test_only_attribute_fields_of_a_scalar_or_enum_type_are_planned() -> None:
    _, ours = _schemas()
    from graphql import parse
    from graphql.execution.collect_fields import collect_fields

    graphql_schema = ours._schema
    item_type = graphql_schema.type_map["Item"]
    document = parse("{ ... on Item { code status upper shout(times: 2) label } }")
    operation = document.definitions[0]
    collected = collect_fields(graphql_schema, {}, {}, item_type, operation)
    plan = plan_selection(graphql_schema, item_type, collected[0])
    assert plan is not None
    assert [entry.response_name if entry else None for entry in plan] == [
        "code",
        "status",
        None,
        None,
        "label",
    ]


def test_the_service_executor_completes_plain_leaves_in_one_step() -> None:
    assert issubclass(create_executor(1000), LeafFirstExecutor)


@pytest.fixture(autouse=True)
def _no_items_left() -> Any:
    yield
    ITEMS.clear()


async def test_plain_leaves_are_completed_without_graphql_cores_field_execution() -> None:
    executed: list[str] = []

    class Counting(LeafFirstExecutor):
        def execute_field(self, parent_type: Any, source: Any, details: Any, path: Any, position: Any) -> Any:
            executed.append(f"{parent_type.name}.{details[0].node.name.value}")
            return super().execute_field(parent_type, source, details, path, position)

    ITEMS[:] = [_item("a"), _item("b")]
    schema = strawberry.Schema(query=Query, execution_context_class=Counting)
    result = await schema.execute("{ items { code label status startedOn count upper } }")
    assert result.errors is None
    assert executed == ["Query.items", "Item.upper", "Item.upper"]


async def test_an_extension_that_hooks_every_resolver_still_sees_plain_leaves() -> None:
    class Upper(strawberry.extensions.SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            value = _next(root, info, *args, **kwargs)
            return value.upper() if isinstance(value, str) else value

    ITEMS[:] = [_item("a")]
    plain = strawberry.Schema(query=Query, extensions=[Upper])
    ours = strawberry.Schema(query=Query, extensions=[Upper], execution_context_class=LeafFirstExecutor)
    document = "{ items { code label } }"
    first, second = await plain.execute(document), await ours.execute(document)
    assert second.data == first.data == {"items": [{"code": "A", "label": "LABEL A"}]}


async def test_operations_selecting_the_same_fields_share_one_plan() -> None:
    ITEMS[:] = [_item("a")]
    _, ours = _schemas()
    LeafFirstExecutor.shared_plans.clear()
    await ours.execute("{ items { code label } }")
    planned = dict(LeafFirstExecutor.shared_plans)
    await ours.execute("query Again { items { code label } }")
    assert LeafFirstExecutor.shared_plans == planned
    await ours.execute("{ items { label code } }")
    assert len(LeafFirstExecutor.shared_plans) == len(planned) + 1  # another order is another plan


async def test_shared_plans_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import schema.execution

    monkeypatch.setattr(schema.execution, "SHARED_PLANS_AT_MOST", 3)
    ITEMS[:] = [_item("a")]
    _, ours = _schemas()
    LeafFirstExecutor.shared_plans.clear()
    for alias in "abcdefgh":
        result = await ours.execute(f"{{ items {{ {alias}: code }} }}")
        assert result.data == {"items": [{alias: "a"}]}
        assert len(LeafFirstExecutor.shared_plans) <= 3
