"""Small-count suppression: the one rule every aggregate statistic follows, so nobody can be singled out.

- A count below `THRESHOLD` (five) is not shown: `Count(None, suppressed=True)`.
- Where a dimension's total is shown, its suppressed buckets could be worked out by subtraction, so the
  smallest shown counts are suppressed too, until what is hidden adds up to zero or to at least
  `THRESHOLD` (secondary suppression).
- A figure (a median, a share) resting on fewer than `THRESHOLD` records is not shown either.

No rounding: shown counts are exact. `referralStatistics` and `serviceStatistics` both apply it
(`sxvis.referrals.statistics`, `sxvis.applications.statistics`); a change of the rule is made here only.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

THRESHOLD = 5
"""The smallest count shown, and the fewest records a figure is shown for."""


@dataclass(frozen=True, slots=True)
class Count:
    value: int | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    count: Count


@dataclass(frozen=True, slots=True)
class Figure:
    """A number computed over a set of records, suppressed when the set is too small."""

    value: float | None
    suppressed: bool


def suppress(n: int) -> Count:
    return Count(None, True) if n < THRESHOLD else Count(n, False)


def buckets(keys: Iterable[str], counts: Mapping[str, Any], total: int) -> list[Bucket]:
    """One bucket per key (a missing key counts zero), small counts suppressed. When the total is shown,
    the suppressed counts add up to the total minus the shown ones; while that sum is a small number
    other than zero, the smallest shown count is suppressed as well. A total below `THRESHOLD` (or 0,
    for buckets that do not add up to a total) is not shown, so only the small counts are suppressed."""
    cells = {key: int(counts.get(key, 0)) for key in keys}
    hidden = {key for key, n in cells.items() if n < THRESHOLD}
    if total >= THRESHOLD:
        while 0 < sum(cells[k] for k in hidden) < THRESHOLD:
            shown = [k for k in cells if k not in hidden]
            if not shown:
                break
            hidden.add(min(shown, key=lambda k: (cells[k], k)))
    return [Bucket(key, Count(None, True) if key in hidden else Count(n, False)) for key, n in cells.items()]


def figure(value: Any, based_on: int) -> Figure:
    """`value` computed over `based_on` records; suppressed when they are too few (or there is none)."""
    if based_on < THRESHOLD or value is None:
        return Figure(None, True)
    return Figure(float(value), False)
