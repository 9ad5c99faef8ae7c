"""The one injectable clock: only service code reads the time, and only through this."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """Aware UTC now."""
    return dt.datetime.now(dt.UTC)


def fixed_clock(at: dt.datetime) -> Clock:
    """A clock that always answers `at` (tests, replays)."""
    if at.tzinfo is None:
        raise ValueError("fixed_clock needs an aware datetime")
    return lambda: at


def china_today(now: dt.datetime) -> dt.date:
    """The calendar date in China for an aware instant (deadlines run on Beijing dates)."""
    return now.astimezone(CHINA_TZ).date()


def china_date(at: dt.datetime) -> dt.date:
    """The Beijing date of a stored instant; SQLite hands instants back naive, in UTC."""
    return china_today(at if at.tzinfo else at.replace(tzinfo=dt.UTC))
