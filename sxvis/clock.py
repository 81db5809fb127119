"""The one clock of SXVİS. Dates of the registry are Baku dates; tests may freeze the clock.

Deadlines, ages and "not in the future" checks all ask this module, never `date.today()`, so a test can
stand on any day (a holiday, a Friday evening) and production agrees with the people using it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BAKU = ZoneInfo("Asia/Baku")

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    return now().astimezone(BAKU).date()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Stop the clock at `moment` (timezone-aware) for the duration of the block."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("freeze the clock with a timezone-aware datetime")
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
