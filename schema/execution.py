"""Plain leaf fields completed in one step, past graphql-core's per-field machinery.

graphql-core executes every field of every object the same way: a `Path`, the field's definition looked
up, a `GraphQLResolveInfo` built, the resolver called, two awaitable checks, then `complete_value`
unwrapping the type one layer per call before the scalar is serialised. For a field that is only an
attribute of its object (strawberry's "basic" field: no resolver, no extension, no argument) and whose
type is a scalar or an enum, all of that yields `coerce_output_value(getattr(obj, name))`. A page of 50
persons with their enrollments is mostly such fields (its FINs, names, dates, statuses, codes), a few
hundred per page.

`LeafFirstExecutor.execute_fields` decides once per selection (graphql-core already memoises the
grouped field set of a list's items, so one decision serves the whole list) which fields are plain
leaves, then completes those in a loop of attribute reads and serialisations, and hands every other
field to graphql-core as before. Whatever the short path cannot answer as graphql-core would (a null
in a non-null field, a value the scalar refuses, an attribute that raises) is executed again by
graphql-core's own `execute_field`, so errors, their paths and null propagation stay graphql-core's:
an attribute read has no side effect to repeat. Nothing here decides what anyone may see: the objects
reaching a field are already what the role may see (`sxvis.registry` and the views built from it).

Plain object fields go the same way (`PlainObject`): a field that is an attribute of its object, or
that SXVİS can answer from what its object already holds (`answers_when_known`: a page's enrollments and
their services, read ahead), and whose type is an object type or a list of one, is read, and its
selection executed on what it read, without a `GraphQLResolveInfo`, a resolver wrapper or
`complete_value`'s dispatch per layer. What the read cannot answer exactly as graphql-core would start
(an unknown relation, a null where none may be, an awaitable, an object of another type) goes to
graphql-core's `execute_field` before anything of it is executed; errors raised below are handled at the
item and the field as graphql-core handles them. A page of 50 persons with their enrollments then sends
only its root field through graphql-core.
"""

from __future__ import annotations

import asyncio
import operator
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple, TypeVar

from graphql import (
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.middleware import MiddlewareManager
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_READS_ONLY_ITS_OBJECT = "_sxvis_reads_only_its_object"
_ANSWERS_WHEN_KNOWN = "_sxvis_answers_when_known"


class _NotKnown:
    """What a `answers_when_known` reader returns when its object does not hold the answer."""

    def __repr__(self) -> str:
        return "NOT_KNOWN"


NOT_KNOWN: Any = _NotKnown()


def reads_only_its_object(resolve: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Mark a field's resolver as answering from its object alone: called as `resolve(obj, None)`,
    it never reads its `info`, takes no argument and has no side effect, so a leaf field it serves
    is completed in one step like an attribute (and read again by graphql-core if that fails)."""
    setattr(resolve, _READS_ONLY_ITS_OBJECT, True)
    return resolve


def answers_when_known(
    read: Callable[[Any], Any],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a field's resolver as answered, when the field is given no arguments, by `read(obj)`: the
    value the resolver would return, read from what the object already holds, or `NOT_KNOWN` (then the
    resolver runs). `read` has no side effect and does not depend on the request beyond its object."""

    def mark(resolve: Callable[..., Any]) -> Callable[..., Any]:
        setattr(resolve, _ANSWERS_WHEN_KNOWN, read)
        return resolve

    return mark


class PlainLeaf(NamedTuple):
    """A field answered by reading an attribute and serialising it with its scalar or enum."""

    response_name: str
    read: Callable[[Any], Any]
    coerce: Callable[[Any], Any]
    nullable: bool


class PlainObject(NamedTuple):
    """A field whose object, or list of objects, is read without a resolver call; its selection is
    then executed on what was read, as graphql-core's `complete_object_value` would."""

    response_name: str
    read: Callable[[Any], Any]
    return_type: GraphQLOutputType  # as declared, wrappers included (for errors, as graphql-core)
    object_type: GraphQLObjectType
    nullable: bool
    item_type: GraphQLOutputType | None  # a list's item type as declared; None for a single object
    item_nullable: bool


# One entry per response name, in the selection's order: a PlainLeaf or PlainObject, or None for
# graphql-core's path.
Plan = tuple[PlainLeaf | PlainObject | None, ...]


def plan_selection(
    schema: GraphQLSchema,
    parent_type: GraphQLObjectType,
    grouped_field_set: Mapping[str, Sequence[Any]],
    middleware: MiddlewareManager | None = None,
) -> Plan | None:
    """Which of a selection's fields are plain leaves; None when none is (nothing to gain)."""
    plan = tuple(
        _plain_leaf(schema, parent_type, response_name, details, middleware)
        or _plain_object(schema, parent_type, response_name, details, middleware)
        for response_name, details in grouped_field_set.items()
    )
    return plan if any(entry is not None for entry in plan) else None


def _plain_leaf(
    schema: GraphQLSchema,
    parent_type: GraphQLObjectType,
    response_name: str,
    details: Sequence[Any],
    middleware: MiddlewareManager | None,
) -> PlainLeaf | None:
    field_def = _unhooked_field(schema, parent_type, details, middleware)
    if field_def is None:
        return None
    nullable = not is_non_null_type(field_def.type)
    named = field_def.type if nullable else field_def.type.of_type
    if not is_leaf_type(named):
        return None
    read = _attribute_reader(field_def)
    if read is None:
        return None
    return PlainLeaf(response_name, read, named.coerce_output_value, nullable)


def _unhooked_field(
    schema: GraphQLSchema,
    parent_type: GraphQLObjectType,
    details: Sequence[Any],
    middleware: MiddlewareManager | None,
) -> Any:
    """The selected field's definition, or None when it is given arguments or an extension hooks it."""
    node = details[0].node
    field_def = schema.get_field(parent_type, node.name.value)
    if field_def is None or node.arguments:
        return None
    # strawberry hands graphql-core a middleware manager on every request, holding the schema
    # extensions that hook each resolver call (none of SXVİS's does); a field they wrap keeps its path.
    if middleware is not None and middleware.get_field_resolver(field_def.resolve) is not field_def.resolve:
        return None
    return field_def


def _attribute_reader(field_def: Any) -> Callable[[Any], Any] | None:
    """How a field that only reads its object is read, or None for a field that does more."""
    if field_def.args:
        return None
    # strawberry marks the resolver of a basic field (no resolver of its own, no extension, no
    # exception handler): it returns `default_resolver(source, python_name)` and nothing else. SXVİS
    # marks its own plain functions that answer from the object alone (`reads_only_its_object`).
    basic = getattr(field_def.resolve, "_is_default", False)
    if not basic and not getattr(field_def.resolve, _READS_ONLY_ITS_OBJECT, False):
        return None
    strawberry_field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if basic and strawberry_field is not None and strawberry_field.default_resolver is getattr:
        return operator.attrgetter(strawberry_field.python_name)
    resolve = field_def.resolve

    def read(source: Any) -> Any:
        return resolve(source, None)

    return read


def _plain_object(
    schema: GraphQLSchema,
    parent_type: GraphQLObjectType,
    response_name: str,
    details: Sequence[Any],
    middleware: MiddlewareManager | None,
) -> PlainObject | None:
    field_def = _unhooked_field(schema, parent_type, details, middleware)
    if field_def is None or any(d.node.directives for d in details):
        return None  # a directive left on a field node may be @stream: graphql-core's to honour
    read = _reader(field_def)
    if read is None:
        return None
    return_type = field_def.type
    nullable = not is_non_null_type(return_type)
    inner = return_type if nullable else return_type.of_type
    item_type: GraphQLOutputType | None = None
    item_nullable = False
    if is_list_type(inner):
        item_type = inner.of_type
        item_nullable = not is_non_null_type(item_type)
        inner = item_type if item_nullable else item_type.of_type
    if not is_object_type(inner):
        return None  # a list of lists, a leaf list, an interface or a union: graphql-core's
    return PlainObject(response_name, read, return_type, inner, nullable, item_type, item_nullable)


def _reader(field_def: Any) -> Callable[[Any], Any] | None:
    """How a field's value is read from its object without its resolver, or None."""
    known = getattr(field_def.resolve, _ANSWERS_WHEN_KNOWN, None)
    if known is None:
        return _attribute_reader(field_def)
    # A field extension (a permission class is one) would be answered past: its resolver runs.
    strawberry_field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if strawberry_field is not None and getattr(strawberry_field, "extensions", None):
        return None
    return known  # type: ignore[no-any-return]


_FALLBACK: Any = object()
_Settling = TypeVar(
    "_Settling", dict[str, Any], list[Any]
)  # a plain object field that graphql-core must execute after all


def _no_resolver(_source: Any, _info: Any) -> None:
    """What a middleware manager is asked to wrap, to learn whether it wraps anything."""


# Plans shared by all operations: a plan depends only on the type, on each entry's response name, field
# name and whether it has arguments (the rest is the schema's), so one key serves every request
# selecting the same fields. Bounded, since documents are the clients' to vary.
SHARED_PLANS_AT_MOST = 2048


def helpers_without_cycle(executor: Any) -> GraphQLResolveInfoHelpers:
    """The resolvers' helpers of `executor` (`info.async_helpers`), reaching it by weak reference.

    graphql-core makes them of the executor's own bound methods and keeps them on the executor: a
    reference cycle, so an operation's executor, with its variables, collected fields and the request's
    context, was not freed when the request ended but left for Python's cyclic garbage collector
    (graphql-core issue #190). At a thousand requests a second that garbage made the collector's full
    passes, 110-150 ms of a worker's time each, run about every two seconds. Through a
    weak reference the helpers do the same while the executor runs, which is whenever a resolver can
    call them; should one outlive it, they do what its methods would have done without it.
    """
    reference = weakref.ref(executor)

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        live = reference()
        return live.gather_async_work(values) if live is not None else gather_with_cancel(*values)

    def track(values: Sequence[Any]) -> None:
        live = reference()
        if live is not None:
            live.track_async_work(values)
            return
        awaitables = [value for value in values if isinstance(value, Awaitable)]
        if awaitables:
            _settle_in_background(awaitables)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


_SETTLING: set[asyncio.Future[Any]] = set()  # held until settled, as the executor holds its own


def _settle_in_background(awaitables: list[Awaitable[Any]]) -> None:
    """What graphql-core's `settle_in_background` does, for helpers whose executor is gone."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # nothing can run them: close what would otherwise never be awaited
        for awaitable in awaitables:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
        return
    future = asyncio.gather(*awaitables, return_exceptions=True)
    _SETTLING.add(future)
    future.add_done_callback(_SETTLING.discard)


class LeafFirstExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with plain leaf fields completed in one step (see the module)."""

    shared_plans: ClassVar[dict[tuple[Any, ...], Plan | None]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = helpers_without_cycle(self)

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        middleware = self.middleware_manager
        if middleware is not None and middleware.get_field_resolver(_no_resolver) is not _no_resolver:
            # A resolver-hooking extension: plans per operation, each field asked of the manager.
            return plan_selection(self.schema, parent_type, grouped_field_set, middleware)
        key = (
            parent_type,
            *(
                (response_name, details[0].node.name.value, bool(details[0].node.arguments))
                for response_name, details in grouped_field_set.items()
            ),
        )
        shared = LeafFirstExecutor.shared_plans
        if key in shared:
            return shared[key]
        plan = plan_selection(self.schema, parent_type, grouped_field_set)
        if len(shared) >= SHARED_PLANS_AT_MOST:
            shared.clear()
        shared[key] = plan
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plans: dict[int, tuple[Any, Plan | None]] | None = getattr(self, "_plans", None)
        if plans is None:
            plans = self._plans = {}
        # Keyed by identity, like graphql-core's own memo of collected subfields; the grouped field set
        # is kept alive beside its plan so that its id cannot be reused within the operation.
        cached = plans.get(id(grouped_field_set))
        if cached is None:
            plan = self._plan(parent_type, grouped_field_set)
            plans[id(grouped_field_set)] = (grouped_field_set, plan)
        else:
            plan = cached[1]
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        return self._execute_planned(
            parent_type, source_value, path, grouped_field_set, position_context, plan
        )

    def _execute_planned(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
        plan: Plan,
    ) -> Any:
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for leaf, (response_name, field_details_list) in zip(
                plan, grouped_field_set.items(), strict=True
            ):
                if type(leaf) is PlainObject:
                    completed = self._complete_plain_object(
                        leaf, parent_type, source_value, path, field_details_list, position_context
                    )
                    if completed is not _FALLBACK:
                        results[response_name] = completed
                        if is_awaitable(completed):
                            awaitable_fields.append(response_name)
                        continue
                elif leaf is not None:
                    try:
                        value = leaf.read(source_value)
                        if value is not None:
                            coerced = leaf.coerce(value)
                            if coerced is not None and coerced is not Undefined:
                                results[response_name] = coerced
                                continue
                        elif leaf.nullable:
                            results[response_name] = None
                            continue
                    except Exception:  # noqa: S110 - graphql-core's path below raises or records it
                        pass
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather(results, awaitable_fields)

    def count_list_items(self, count: int) -> None:
        """A list of `count` items is about to be completed (the bounded executor counts them)."""

    def _complete_plain_object(
        self,
        entry: PlainObject,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        field_details_list: Any,
        position_context: Any,
    ) -> Any:
        """The field's completed value, or `_FALLBACK` when graphql-core must execute it (decided
        before anything below it runs). Errors are handled as graphql-core's `execute_field` and
        `complete_list_item_value` handle them: located at their path, null where the type allows,
        raised on where it does not."""
        try:
            value = entry.read(source_value)
        except Exception:
            return _FALLBACK
        if value is None:
            return None if entry.nullable else _FALLBACK
        if value is NOT_KNOWN or not self._plainly_typed(entry, value):
            return _FALLBACK
        field_path = Path(path, entry.response_name, parent_type.name)
        execute = self.collect_and_execute_subfields
        object_type = entry.object_type
        if entry.item_type is None:
            try:
                completed = execute(object_type, field_details_list, field_path, value, position_context)
            except Exception as raw_error:
                self.handle_field_error(raw_error, entry.return_type, field_details_list, field_path)
                return None
            if self.is_awaitable(completed):
                return self._settled(completed, entry.return_type, field_details_list, field_path)
            return completed
        items: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            self.count_list_items(len(value))
            for index, item in enumerate(value):
                if item is None:
                    items.append(None)
                    continue
                item_path = field_path.add_key(index, None)
                try:
                    completed = execute(object_type, field_details_list, item_path, item, position_context)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, entry.item_type, field_details_list, item_path)
                    items.append(None)
                    continue
                if self.is_awaitable(completed):
                    completed = self._settled(completed, entry.item_type, field_details_list, item_path)
                    awaitable_indices.append(index)
                items.append(completed)
        except Exception as raw_error:
            if awaitable_indices:
                self.settle_in_background([items[index] for index in awaitable_indices])
            self.handle_field_error(raw_error, entry.return_type, field_details_list, field_path)
            return None
        if not awaitable_indices:
            return items
        return self._settled(
            self._gather(items, awaitable_indices), entry.return_type, field_details_list, field_path
        )

    def _plainly_typed(self, entry: PlainObject, value: Any) -> bool:
        """Whether graphql-core would complete `value` (not None) without a step of its own: an
        object of the field's type (by its `is_type_of`), or a list or tuple of such objects and of
        nulls where the items may be null; nothing awaitable, nothing that is an exception."""
        is_type_of = entry.object_type.is_type_of
        is_awaitable = self.is_awaitable

        def plain(item: Any) -> bool:
            if isinstance(item, Exception) or is_awaitable(item):
                return False
            if is_type_of is None:
                return True
            try:
                return is_type_of(item, None) is True
            except Exception:
                return False  # an is_type_of that wants its info: graphql-core's to call

        if entry.item_type is None:
            return plain(value)
        if not isinstance(value, list | tuple):
            return False
        return all(plain(item) if item is not None else entry.item_nullable for item in value)

    async def _settled(self, awaitable: Any, return_type: Any, field_details_list: Any, path: Path) -> Any:
        try:
            return await awaitable
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    async def _gather(self, results: _Settling, awaiting: list[Any]) -> _Settling:
        """The fields (of a dict) or items (of a list) still to settle, at the keys `awaiting`, awaited
        together, as graphql-core's `execute_fields` and `complete_iterable_value` do."""
        if len(awaiting) == 1:
            key = awaiting[0]
            results[key] = await results[key]
        else:
            awaited = await gather_with_cancel(*(results[key] for key in awaiting))
            for key, value in zip(awaiting, awaited, strict=True):
                results[key] = value
        return results
