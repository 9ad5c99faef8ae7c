"""The dashboard's filters (R-7.3): a period (the last 30 or 90 days, the last 12 months, all
time, or from one Beijing date to another) and a region (a code prefix). Pure: the GET parameters
in, the scope and its time buckets out, or messages by parameter for what cannot be used."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from chengxin.web.i18n import N_

PERIODS = ("30d", "90d", "12m", "all")
DEFAULT_PERIOD = "90d"
EARLIEST = dt.date(2000, 1, 1)  # no platform data is older; bounds a custom period
REGION = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Scope:
    """Beijing dates `start` through `end` (None: from the first figure on), and a region."""

    start: dt.date | None
    end: dt.date
    region: str  # a code prefix without trailing zero pairs; "" for all regions
    period: str  # one of PERIODS, or "custom"

    def region_level(self) -> int:
        """How many digits of the region code the per-region table groups by: one level down."""
        return min(len(self.region) + 2, 6)


def normal_region(code: str) -> str:
    """110000 is all of Beijing: the prefix 11; 110100 the city: 1101."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def parse(
    *, period: str, start: str, end: str, region: str, today: dt.date
) -> tuple[Scope, dict[str, str]]:
    """The scope asked for, or messages (ids to translate) by parameter. Dates, when given, win
    over `period`: from `from` (or the first figure) through `to` (or today)."""
    errors: dict[str, str] = {}
    region = region.strip()
    if region and not REGION.fullmatch(region):
        errors["region"] = N_("A region code is 2, 4 or 6 digits, for example 110105")
    scope = Scope(None, today, normal_region(region), period or DEFAULT_PERIOD)
    if start or end:
        days = {}
        for name, value in (("from", start), ("to", end)):
            day = _date(value) if value.strip() else None
            if day is None and value.strip():
                errors[name] = N_("Give a date as YYYY-MM-DD, for example 2026-11-02")
            elif day is not None and not EARLIEST <= day <= today:
                errors[name] = N_("Give a date from 2000-01-01 up to today")
            days[name] = day
        if not errors.get("from") and not errors.get("to"):
            if days["from"] and days["to"] and days["from"] > days["to"]:
                errors["to"] = N_("The end date cannot be before the start date")
            scope = Scope(days["from"], days["to"] or today, scope.region, "custom")
    elif scope.period not in PERIODS:
        errors["period"] = N_("Choose one of the periods shown")
    else:
        scope = Scope(_start_of(scope.period, today), today, scope.region, scope.period)
    return scope, errors


def _date(value: str) -> dt.date | None:
    if not DATE.fullmatch(value.strip()):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _start_of(period: str, today: dt.date) -> dt.date | None:
    if period == "30d":
        return today - dt.timedelta(days=29)
    if period == "90d":
        return today - dt.timedelta(days=89)
    if period == "12m":  # twelve whole months, this one included
        month = today.year * 12 + today.month - 1 - 11
        return dt.date(month // 12, month % 12 + 1, 1)
    return None


def grain_of(start: dt.date, end: dt.date) -> Grain:
    days = (end - start).days + 1
    if days <= 31:
        return Grain.DAY
    if days <= 26 * 7:
        return Grain.WEEK
    if days <= 5 * 366:
        return Grain.MONTH
    return Grain.YEAR


def bucket_of(day: dt.date, grain: Grain) -> dt.date:
    """The first day of the bucket `day` falls in."""
    if grain is Grain.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if grain is Grain.MONTH:
        return day.replace(day=1)
    if grain is Grain.YEAR:
        return day.replace(month=1, day=1)
    return day


def buckets(start: dt.date, end: dt.date, grain: Grain) -> list[dt.date]:
    """The first day of every bucket from `start` through `end`, in order."""
    found, day = [], bucket_of(start, grain)
    while day <= end:
        found.append(day)
        if grain is Grain.DAY:
            day += dt.timedelta(days=1)
        elif grain is Grain.WEEK:
            day += dt.timedelta(days=7)
        elif grain is Grain.MONTH:
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        else:
            day = day.replace(year=day.year + 1)
    return found


def label(day: dt.date, grain: Grain) -> tuple[str, str]:
    """A bucket's label in the table and its shorter tick on the chart's axis."""
    if grain is Grain.YEAR:
        return f"{day:%Y}", f"{day:%Y}"
    if grain is Grain.MONTH:
        return f"{day:%Y-%m}", f"{day:%Y-%m}"
    return day.isoformat(), f"{day:%m-%d}"
