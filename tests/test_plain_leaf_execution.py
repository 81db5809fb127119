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

    @strawberry.field
    async def eventually(self) -> str:
        if self.code.startswith("boom"):
            raise Broken(f"{self.code} failed later")
        return self.code


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


# --- plain object fields: objects and lists of objects read from their parent -----------------------


@strawberry.type
class Other:
    code: str


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Tagged(Named):
    tag: str


@strawberry.type
class Box:
    name: str
    item: Item
    maybe_item: Item | None
    items: list[Item]
    maybe_items: list[Item | None] | None
    resolved: strawberry.Private[list[str]]
    tagged: Tagged | None = None

    @strawberry.field
    async def later_items(self) -> list[Item]:
        return self.items

    @strawberry.field
    def known(self) -> Item | None:
        self.resolved.append(self.name)
        return self.item


BOXES: list[Any] = []


@strawberry.type
class BoxQuery:
    @strawberry.field
    def boxes(self) -> list[Box]:
        return BOXES

    @strawberry.field
    def maybe_boxes(self) -> list[Box | None] | None:
        return BOXES


def _box(name: str, items: list[Any] | None = None, **changes: Any) -> Box:
    items = [_item(f"{name}1"), _item(f"{name}2")] if items is None else items
    values: dict[str, Any] = {
        "name": name,
        "item": _item(f"{name}0"),
        "maybe_item": None,
        "items": items,
        "maybe_items": [None, *items],
        "resolved": [],
    }
    values.update(changes)
    return Box(**values)


def _box_schema(executor: Any = None) -> strawberry.Schema:
    config = StrawberryConfig(auto_camel_case=True)
    if executor is None:
        return strawberry.Schema(query=BoxQuery, config=config)
    return strawberry.Schema(query=BoxQuery, config=config, execution_context_class=executor)


async def _both_boxes(document: str, boxes: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    BOXES[:] = boxes
    first = await _box_schema().execute(document)
    second = await _box_schema(LeafFirstExecutor).execute(document)
    return _shape(first), _shape(second)


@pytest.fixture(autouse=True)
def _no_boxes_left() -> Any:
    yield
    BOXES.clear()


async def test_objects_and_lists_of_objects_answer_as_graphql_core() -> None:
    document = """{ boxes { name item { code } maybeItem { code } items { code status upper }
        maybeItems { code } later: laterItems { code upper } } }"""
    plain, ours = await _both_boxes(document, [_box("a"), _box("b", maybe_item=_item("bb"), items=[])])
    assert ours == plain
    assert ours["errors"] == []
    assert ours["data"]["boxes"][1] == {
        "name": "b",
        "item": {"code": "b0"},
        "maybeItem": {"code": "bb"},
        "items": [],
        "maybeItems": [None],
        "later": [],
    }


async def test_a_null_object_where_none_may_be_is_graphql_cores_error_and_propagation() -> None:
    document = "{ maybeBoxes { name item { code } } }"
    plain, ours = await _both_boxes(document, [_box("a"), _box("b", item=None)])
    assert ours == plain
    assert ours["data"] == {"maybeBoxes": [{"name": "a", "item": {"code": "a0"}}, None]}
    assert ours["errors"] == [
        ("Cannot return null for non-nullable field Box.item.", ["maybeBoxes", 1, "item"])
    ]


async def test_an_error_below_a_non_null_item_propagates_as_graphql_cores() -> None:
    document = "{ maybeBoxes { name items { code label } maybeItems { code } } }"
    broken = [_item("b1"), _item("b2", code=None)]
    plain, ours = await _both_boxes(document, [_box("a"), _box("b", items=broken)])
    assert ours == plain
    assert ours["data"]["maybeBoxes"][1] is None  # items is [Item!]!: the null reaches the box
    assert (
        "Cannot return null for non-nullable field Item.code.",
        ["maybeBoxes", 1, "items", 1, "code"],
    ) in (ours["errors"])


async def test_an_error_below_a_nullable_item_nulls_only_that_item() -> None:
    document = "{ boxes { maybeItems { code label } } }"
    box = _box("a")
    box.maybe_items = [_item("x"), UnreadableLabel.of(_item("y")), _item("z", code=None)]
    plain, ours = await _both_boxes(document, [box])
    assert ours == plain
    assert ours["data"]["boxes"][0]["maybeItems"] == [
        {"code": "x", "label": "label x"},
        {"code": "y", "label": None},
        None,
    ]


async def test_an_object_of_another_class_is_completed_as_graphql_core_completes_it() -> None:
    # strawberry gives a type without interfaces no is_type_of: graphql-core takes any object.
    document = "{ maybeBoxes { item { code } items { code } } }"
    boxes = [_box("a", item=Other(code="o")), _box("b", items=[Other(code="p")])]
    plain, ours = await _both_boxes(document, boxes)
    assert ours == plain
    assert ours["data"]["maybeBoxes"][0]["item"] == {"code": "o"}


async def test_plain_objects_are_completed_without_graphql_cores_field_execution() -> None:
    executed: list[str] = []

    class Counting(LeafFirstExecutor):
        def execute_field(self, parent_type: Any, source: Any, details: Any, path: Any, position: Any) -> Any:
            executed.append(f"{parent_type.name}.{details[0].node.name.value}")
            return super().execute_field(parent_type, source, details, path, position)

    BOXES[:] = [_box("a"), _box("b")]
    result = await _box_schema(Counting).execute(
        "{ boxes { item { code } items { code } maybeItem { code } } }"
    )
    assert result.errors is None
    assert executed == ["BoxQuery.boxes"]


async def test_a_field_answered_when_known_reads_its_object_and_else_runs_its_resolver() -> None:
    from schema.execution import NOT_KNOWN, answers_when_known

    schema = _box_schema(LeafFirstExecutor)
    known = schema._schema.type_map["Box"].fields["known"]
    known.resolve = answers_when_known(
        lambda box: box.maybe_item if box.maybe_item is not None else NOT_KNOWN
    )(known.resolve)
    with_it, without = _box("a", maybe_item=_item("held")), _box("b")
    BOXES[:] = [with_it, without]
    result = await schema.execute("{ boxes { known { code } } }")
    assert result.errors is None
    assert result.data == {"boxes": [{"known": {"code": "held"}}, {"known": {"code": "b0"}}]}
    assert (with_it.resolved, without.resolved) == ([], ["b"])  # only the unknown one ran its resolver


async def test_a_plain_list_counts_towards_the_answers_list_items() -> None:
    BOXES[:] = [_box("a", items=[_item(str(n)) for n in range(6)])]
    schema = _box_schema(create_executor(5))
    result = await schema.execute("{ maybeBoxes { items { code } } }")
    assert result.errors is not None
    assert "more than 5 list items" in result.errors[0].message


async def test_awaited_fields_below_plain_objects_answer_as_graphql_core() -> None:
    document = "{ maybeBoxes { items { code eventually } maybeItems { eventually } item { eventually } } }"
    boxes = [_box("a"), _box("b", items=[_item("b1"), _item("boom1")]), _box("c", item=_item("boom2"))]
    box = _box("d")
    box.maybe_items = [_item("boom3"), _item("d9")]
    plain, ours = await _both_boxes(document, [*boxes, box])
    assert ours == plain
    assert ours["data"]["maybeBoxes"][0]["items"] == [
        {"code": "a1", "eventually": "a1"},
        {"code": "a2", "eventually": "a2"},
    ]
    assert ours["data"]["maybeBoxes"][1] is None  # a non-null field failed later, in a non-null item
    assert ours["data"]["maybeBoxes"][3]["maybeItems"] == [None, {"eventually": "d9"}]
    assert len(ours["errors"]) == 4  # boom1 fails in items and in maybeItems


async def test_an_object_its_type_does_not_claim_is_graphql_cores_error() -> None:
    # A type with an interface has an is_type_of: graphql-core refuses what it does not claim.
    document = "{ maybeBoxes { tagged { name tag } } }"
    plain, ours = await _both_boxes(
        document, [_box("a", tagged=Tagged(name="t", tag="x")), _box("b", tagged=Other(code="o"))]
    )
    assert ours == plain
    assert ours["data"] == {"maybeBoxes": [{"tagged": {"name": "t", "tag": "x"}}, {"tagged": None}]}
    assert len(ours["errors"]) == 1


class _NeverAllowed(strawberry.BasePermission):
    message = "not allowed"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Guarded:
    @strawberry.field(permission_classes=[_NeverAllowed])
    def secret(self) -> Item | None:
        return _item("secret")


@strawberry.type
class GuardedQuery:
    @strawberry.field
    def guarded(self) -> Guarded:
        return Guarded()


async def test_a_field_with_a_permission_class_is_never_answered_by_its_mark() -> None:
    from schema.execution import answers_when_known

    schema = strawberry.Schema(query=GuardedQuery, execution_context_class=LeafFirstExecutor)
    secret = schema._schema.type_map["Guarded"].fields["secret"]
    secret.resolve = answers_when_known(lambda _guarded: _item("read past the permission"))(secret.resolve)
    result = await schema.execute("{ guarded { secret { code } } }")
    assert result.data == {"guarded": {"secret": None}}
    assert result.errors is not None
    assert result.errors[0].message == "not allowed"


def test_the_product_reads_a_pages_known_relations_by_their_marks() -> None:
    from schema import build_schema
    from schema.execution import PlainObject, _plain_object
    from sxvis.config import Settings

    graphql_schema = build_schema(Settings())._schema
    for type_name, field_name in [("Person", "enrollments"), ("Enrollment", "service")]:
        parent = graphql_schema.type_map[type_name]
        node = parse_field(field_name)
        planned = _plain_object(graphql_schema, parent, field_name, [node], None)
        assert isinstance(planned, PlainObject), f"{type_name}.{field_name} lost its fast path"


def parse_field(name: str) -> Any:
    """A field's details as graphql-core collects them, for a selection of `name { __typename }`."""
    from graphql import parse

    class Details:
        def __init__(self, node: Any) -> None:
            self.node = node

    operation = parse(f"{{ {name} {{ __typename }} }}").definitions[0]
    return Details(operation.selection_set.selections[0])  # type: ignore[attr-defined]
