"""Relay plumbing shared by every connection: `PageInfo`, edges, and global-id parsing."""

import operator
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry import relay
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema.execution import reads_only_its_object
from sxvis.errors import ValidationFailed
from sxvis.pagination import Page

N = TypeVar("N")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Counted:
    """A connection's `totalCount`: counted only when asked for, in a transaction of its own under the
    same row scope, by the same conditions as the page (so the remit holds)."""

    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many there are, all pages together (counted only when asked for).")
    async def total_count(self) -> int:
        return await self.count()


class _EdgeOfPage(Edge[N]):
    """An edge whose cursor is read from its page's cursors only when the client asks for it (a page's
    `Cursors` encode each on first use), where `Edge` would hold one encoded in advance."""

    def __init__(self, cursors: Sequence[str], index: int, node: N) -> None:
        self.node = node
        self._cursors = cursors
        self._index = index

    @property  # type: ignore[override]
    def cursor(self) -> str:
        return self._cursors[self._index]


def edges_of(page: Page[Any], convert: Callable[[Any], N]) -> tuple[list[Edge[N]], PageInfo]:
    if len(page.cursors) != len(page.items):
        raise ValueError("a page has one cursor per item")
    cursors = page.cursors
    edges: list[Edge[N]] = [
        _EdgeOfPage(cursors, index, convert(item)) for index, item in enumerate(page.items)
    ]
    info = PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )
    return edges, info


def parse_id(value: str, *, type_name: str | Sequence[str], field: str) -> str:
    """The node id inside a global id, if the id names an object of `type_name`."""
    names = (type_name,) if isinstance(type_name, str) else tuple(type_name)
    try:
        gid = relay.GlobalID.from_id(value)
    except (ValueError, TypeError):
        raise ValidationFailed("This is not an id this API gave out.", field=field) from None
    if gid.type_name not in names:
        raise ValidationFailed(f"This id names a {gid.type_name}, not a {names[0]}.", field=field)
    if not gid.node_id.isprintable():  # a forged id hiding a NUL or a control character
        raise ValidationFailed("This is not an id this API gave out.", field=field)
    return gid.node_id


def parse_uuid(value: str, *, type_name: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(parse_id(value, type_name=type_name, field=field))
    except ValueError:
        raise ValidationFailed("This is not an id this API gave out.", field=field) from None


def global_id(type_name: str, node_id: object) -> strawberry.ID:
    return strawberry.ID(relay.to_base64(type_name, str(node_id)))


def selected_fields(info: Any, *path: str) -> list[str]:
    """The fields the query asked of this field's object (for the access event's `fields`), or, with a
    `path` (`"edges", "node"` of a connection, `"person"` of a payload), of the object found there.

    Read from the document itself: fragments, named or inline, are opened, so a field asked through a
    fragment is recorded by its name (never the fragment's), and an alias does not hide which field
    was read. `__typename` is no data and is left out. strawberry's `info.selected_fields` would do
    the same walk, but converts every argument and directive on the way, on the hottest path.
    """
    raw = info._raw_info
    sets = [node.selection_set for node in raw.field_nodes if node.selection_set is not None]
    for name in path:
        sets = [
            field.selection_set
            for selection_set in sets
            for field in _fields(selection_set, raw.fragments, set()) or []
            if field.name.value == name and field.selection_set is not None
        ]
    names: dict[str, None] = {}
    for selection_set in sets:
        for field in _fields(selection_set, raw.fragments, set()) or []:
            if field.name.value != "__typename":
                names[field.name.value] = None
    return list(names)


def only_selection_fields(info: Any, *path: str) -> list[str] | None:
    """The fields asked of the one field at `path` (e.g. `"edges", "node", "enrollments"`), when the
    query asks for that field exactly once there, with no directive on it or on a fragment around it:
    then a page can read the relation for all its rows ahead, as the field's resolver would, and log
    the same fields. None otherwise (not asked, asked twice under aliases, or conditional through
    `@skip`/`@include`), and the field's resolver reads it as usual."""
    raw = info._raw_info
    found = [node for node in raw.field_nodes if node.selection_set is not None]
    for name in path:
        matches: list[FieldNode] = []
        for node in found:
            if node.selection_set is None:
                return None
            fields = _fields(node.selection_set, raw.fragments, set(), unconditional=True)
            if fields is None:
                return None
            matches.extend(field for field in fields if field.name.value == name)
        if len(matches) != 1 or matches[0].directives or matches[0].selection_set is None:
            return None
        found = matches
    last = _fields(found[0].selection_set, raw.fragments, set(), unconditional=True)  # type: ignore[arg-type]
    if last is None:
        return None
    return list({field.name.value: None for field in last if field.name.value != "__typename"})


def _fields(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    opened: set[str],
    *,
    unconditional: bool = False,
) -> list[FieldNode] | None:
    """The fields of a selection set, fragments (named or inline) opened, each named fragment once.
    With `unconditional`, None if a fragment on the way carries a directive (its fields may not run)."""
    found: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
            continue
        if unconditional and selection.directives:
            return None
        if isinstance(selection, InlineFragmentNode):
            inner = _fields(selection.selection_set, fragments, opened, unconditional=unconditional)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or selection.name.value in opened:
                continue
            opened.add(selection.name.value)
            inner = _fields(fragment.selection_set, fragments, opened, unconditional=unconditional)
        else:
            continue
        if inner is None:
            return None
        found.extend(inner)
    return found


def serve_node_ids(schema: Any) -> None:
    """Answer each node type's `id` with one plain function: the base64 of `Type:id`, exactly what
    strawberry's `Node._id` returns (a `GlobalID`, serialised by the same `to_base64`).

    strawberry resolves `id` through its resolver wrapper (an `Info` per call, argument conversion,
    the extension chain) and `Node._id` (an `isinstance` check against the interface, the type-name
    and id lookups, a `GlobalID` made and then serialised): 3% of a page of 50 persons' server CPU for
    the ids alone. Only types that keep strawberry's own `resolve_id` and `resolve_typename` are
    served this way; a type that overrides either keeps strawberry's path.
    """
    graphql_schema = schema._schema
    for type_ in graphql_schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or "id" not in type_.fields:
            continue
        definition = (type_.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        origin = getattr(definition, "origin", None)
        if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
            continue
        if (
            origin.resolve_id.__func__ is not relay.Node.resolve_id.__func__  # type: ignore[attr-defined]
            or origin.resolve_typename.__func__ is not relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]
        ):
            continue
        type_.fields["id"].resolve = _global_id(type_.name, origin.resolve_id_attr())


def _global_id(type_name: str, attribute: str) -> Callable[..., str]:
    getter = operator.attrgetter(attribute)

    @reads_only_its_object
    def resolve(root: Any, info: Any) -> str:
        return global_id(type_name, getter(root))

    return resolve
