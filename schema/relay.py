"""Relay plumbing shared by every connection: `PageInfo`, edges, and global-id parsing."""

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay

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


def edges_of(page: Page[Any], convert: Callable[[Any], N]) -> tuple[list[Edge[N]], PageInfo]:
    edges = [Edge(cursor=c, node=convert(item)) for item, c in zip(page.items, page.cursors, strict=True)]
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
    return gid.node_id


def parse_uuid(value: str, *, type_name: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(parse_id(value, type_name=type_name, field=field))
    except ValueError:
        raise ValidationFailed("This is not an id this API gave out.", field=field) from None


def global_id(type_name: str, node_id: object) -> strawberry.ID:
    return strawberry.ID(relay.to_base64(type_name, str(node_id)))


def selected_fields(info: Any) -> list[str]:
    """The fields the query asked of this field's object (for the access event's `fields`)."""
    names: list[str] = []
    for selected in info.selected_fields:
        for child in selected.selections:
            name = getattr(child, "name", None)
            if name:
                names.append(name)
    return names
