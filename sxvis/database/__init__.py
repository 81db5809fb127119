"""Database access: the engine and sessions, the embedded PostgreSQL, and migrations."""

from sxvis.database.base import Base
from sxvis.database.engine import Database, async_url

__all__ = ["Base", "Database", "async_url"]
