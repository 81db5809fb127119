"""The declarative base every model shares: one metadata, one constraint naming convention.

A fixed naming convention makes constraint names predictable, so Alembic migrations can drop and
alter them by name and the drift test compares like with like.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, MetaData, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=uuid.uuid4)


def created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def updated_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


def db_enum(enum_cls: type[StrEnum], name: str) -> Any:
    """A native PostgreSQL enum that stores the member values (the public codes), not Python names."""
    from sqlalchemy import Enum

    return Enum(enum_cls, name=name, values_callable=lambda cls: [m.value for m in cls])


class EnumArray(TypeDecorator[list[Any]]):
    """A `text[]` column holding members of one StrEnum.

    Plain text keeps the arrays easy to query with `@>`; the migration adds a CHECK that every element
    belongs to the enum, so the database refuses what Python would.
    """

    impl = ARRAY(Text)
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> list[str] | None:
        return None if value is None else [self.enum_cls(v).value for v in value]

    def process_result_value(self, value: list[str] | None, dialect: Dialect) -> list[Any] | None:
        return None if value is None else [self.enum_cls(v) for v in value]
