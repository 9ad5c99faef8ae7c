"""The pure rules of data quality (R-2.7): delay statistics and when an item is overdue.

No database, no clock: the caller passes delays as a histogram and `today` as a date.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from chengxin.catalog.vocab import UpdateFrequency

# Days a source may let pass between two deliveries of an item before it is overdue.
# `on_event` items (sent when something happens) set no expectation and are absent.
FREQUENCY_DAYS: Final[Mapping[UpdateFrequency, int]] = MappingProxyType(
    {
        UpdateFrequency.DAILY: 1,
        UpdateFrequency.WEEKLY: 7,
        UpdateFrequency.MONTHLY: 31,
        UpdateFrequency.QUARTERLY: 92,
        UpdateFrequency.YEARLY: 366,
    }
)


@dataclass(frozen=True, slots=True)
class DelayStats:
    """Days from decision to arrival over `count` records, rounded to hundredths of a day."""

    count: int
    mean: float
    median: float
    p90: float


def _nth(ordered: list[tuple[int, int]], k: int) -> int:
    """The k-th smallest value (0-based) of a sorted (value, count) list."""
    seen = 0
    for value, count in ordered:
        seen += count
        if k < seen:
            return value
    raise IndexError(k)


def percentile(histogram: Mapping[int, int], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) of the values a histogram (value → count) describes, by
    linear interpolation between neighbouring values (as PostgreSQL's `percentile_cont`)."""
    if not 0 <= q <= 1:
        raise ValueError("q must lie between 0 and 1")
    ordered = sorted((v, c) for v, c in histogram.items() if c > 0)
    n = sum(c for _, c in ordered)
    if n == 0:
        raise ValueError("no values")
    position = q * (n - 1)
    below = math.floor(position)
    low, high = _nth(ordered, below), _nth(ordered, min(below + 1, n - 1))
    return low + (high - low) * (position - below)


def delay_stats(histogram: Mapping[int, int]) -> DelayStats | None:
    """Mean, median and 90th percentile of delays in days; None when there are none."""
    n = sum(c for c in histogram.values() if c > 0)
    if n == 0:
        return None
    mean = sum(v * c for v, c in histogram.items() if c > 0) / n
    median, p90 = percentile(histogram, 0.5), percentile(histogram, 0.9)
    return DelayStats(n, round(mean, 2), round(median, 2), round(p90, 2))


def delay_days(decision_date: dt.date, arrival_day: dt.date) -> int:
    """Whole days from a decision to the (China) calendar day its record arrived."""
    return (arrival_day - decision_date).days


def refusal_rate(refused: int, rows_total: int) -> float | None:
    """Share of refused rows, 0 to 1 (four decimals); None when no rows were received."""
    if rows_total <= 0:
        return None
    return round(refused / rows_total, 4)


def expected_since(
    item_last: dt.datetime | None, source_last: dt.datetime | None, granted_at: dt.datetime
) -> dt.datetime:
    """Since when the next delivery of a granted item is counted: its last delivery, else the
    source's last batch of any item, but never before the item was granted (a new grant starts
    the count afresh)."""
    last = item_last or source_last
    return granted_at if last is None else max(last, granted_at)


def days_overdue(frequency: UpdateFrequency, last_day: dt.date, today: dt.date) -> int | None:
    """Days an item is late against its update frequency: 0 when on time, None when the
    frequency sets no expectation (`on_event`). Dates are China calendar days: a daily item
    last sent yesterday is on time today, and one day late tomorrow."""
    period = FREQUENCY_DAYS.get(frequency)
    if period is None:
        return None
    return max(0, (today - last_day).days - period)
