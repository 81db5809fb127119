"""Opaque cursors and pages, free of GraphQL: the schema turns a `Page` into a Relay connection.

A cursor is base64 of a small JSON list. Browsing uses keyset cursors (the sort key and id of the last
row), so page 10,000 costs what page 1 costs; a ranked search uses an offset, because its order exists
only for that one query.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sxvis.errors import ErrorCode, ValidationFailed

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool


def page_size(first: int | None, *, maximum: int = MAX_PAGE_SIZE) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > maximum:
        raise ValidationFailed(f"`first` must be between 0 and {maximum}.", field="first")
    return first


def encode_cursor(*parts: Any) -> str:
    raw = json.dumps(parts, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        parts = None
    if not isinstance(parts, list) or len(parts) != arity:
        raise ValidationFailed(
            "The cursor is not one this API gave out.", field="after", code=ErrorCode.INVALID
        )
    return parts


def decode_time_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """A keyset cursor of (timestamp, id), the shape of every newest-first listing, read back into the
    types its columns compare with (JSON gives strings, and PostgreSQL will not compare text with a
    timestamp)."""
    moment, row_id = decode_cursor(cursor, arity=2)
    try:
        when, which = datetime.fromisoformat(str(moment)), uuid.UUID(str(row_id))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValidationFailed(
            "The cursor is not one this API gave out.", field="after", code=ErrorCode.INVALID
        )
    return when, which
