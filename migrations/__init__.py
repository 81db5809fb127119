"""Alembic migrations: the only way the database schema changes (run them with `sxvis db upgrade`)."""
