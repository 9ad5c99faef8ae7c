"""Instants as the console's pages show them: Beijing time to the minute, the same in both
languages (staff compare them with logs and ledger entries)."""

from __future__ import annotations

import datetime as dt

from chengxin.clock import CHINA_TZ


def beijing(at: dt.datetime | None) -> str:
    """`2026-11-26 10:00` in Beijing time; SQLite hands back naive UTC."""
    if at is None:
        return ""
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of a Beijing date."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=CHINA_TZ)
