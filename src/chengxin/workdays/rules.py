"""Working-day (工作日) arithmetic over a table of official holidays and adjusted working days.

Pure: no files, no clock. A day is a working day when it is an adjusted working day (调休上班)
of its year, or a Monday to Friday that is not a statutory holiday (法定节假日) of its year. A
year missing from the table is counted weekends-only, and every answer that depends on such a
day is marked provisional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

MAX_WORKDAYS = 3650
_ONE_DAY = dt.timedelta(days=1)
_SATURDAY = 5


class YearDays(NamedTuple):
    """One year's official schedule: days off (weekend days inside a holiday may be listed too)
    and weekend days worked in lieu (调休上班)."""

    holidays: frozenset[dt.date]
    working_days: frozenset[dt.date]


YearData = Mapping[int, YearDays]
ProvisionalHook = Callable[[dt.date], None]


class WorkdayInputError(ValueError):
    """An argument the arithmetic refuses; `field` names it (`n` or `end`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class DayResult:
    """A computed date; `provisional` when a day counted lies in a year without holiday data."""

    date: dt.date
    provisional: bool


@dataclass(frozen=True, slots=True)
class CountResult:
    """A number of working days; `provisional` as for DayResult."""

    count: int
    provisional: bool


def _weekdays_through(day: dt.date) -> int:
    """Mondays to Fridays from 0001-01-01 (a Monday) up to and including `day`."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def _is_weekday(day: dt.date) -> bool:
    return day.weekday() < _SATURDAY


class Calendar:
    """Working days by the official schedules in `years` (year → YearDays).

    `on_provisional` is called with the first day outside the known years whenever an answer
    depends on one (the loader logs an operator warning through it)."""

    __slots__ = ("_known_until", "_on_provisional", "_years")

    def __init__(self, years: YearData, *, on_provisional: ProvisionalHook | None = None) -> None:
        if not years:
            raise ValueError("a calendar needs the schedule of at least one year")
        for year, days in years.items():
            stray = sorted(d for d in days.holidays | days.working_days if d.year != year)
            if stray:
                raise ValueError(f"{stray[0].isoformat()} is listed under year {year}")
            both = sorted(days.holidays & days.working_days)
            if both:
                raise ValueError(f"{both[0].isoformat()} is both a holiday and a working day")
        self._years: dict[int, YearDays] = dict(years)
        self._on_provisional = on_provisional
        self._known_until = max(self._years)

    @property
    def known_until(self) -> int:
        """The last year with holiday data (earlier years may still lack it)."""
        return self._known_until

    @property
    def known_years(self) -> frozenset[int]:
        return frozenset(self._years)

    def provisional(self, day: dt.date) -> bool:
        """True when `day`'s year has no holiday data (it is counted weekends-only)."""
        return day.year not in self._years

    def is_workday(self, day: dt.date) -> bool:
        days = self._years.get(day.year)
        if days is None:
            return _is_weekday(day)
        if day in days.working_days:
            return True
        return _is_weekday(day) and day not in days.holidays

    def add_workdays(self, start: dt.date, n: int) -> DayResult:
        """The n-th working day after `start` (start itself not counted: "within n working days
        of receipt"). n = 0 gives `start` unchanged. n must be 0..MAX_WORKDAYS."""
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_WORKDAYS:
            raise WorkdayInputError("n", f"must be a whole number from 0 to {MAX_WORKDAYS}")
        day = start
        first_unknown: dt.date | None = None
        left = n
        while left:
            if day == dt.date.max:
                raise WorkdayInputError("n", "the answer would fall after 9999-12-31")
            day += _ONE_DAY
            if first_unknown is None and self.provisional(day):
                first_unknown = day
            if self.is_workday(day):
                left -= 1
        self._flag(first_unknown)
        return DayResult(day, first_unknown is not None)

    def between(self, a: dt.date, b: dt.date) -> CountResult:
        """Working days after `a` up to and including `b` (0 when a == b); b before a is refused."""
        if b < a:
            raise WorkdayInputError(
                "end", f"{b.isoformat()} is before the start date {a.isoformat()}"
            )
        count = _weekdays_through(b) - _weekdays_through(a)
        for year, days in self._years.items():
            if not a.year <= year <= b.year:
                continue
            count -= sum(
                1
                for d in days.holidays
                if a < d <= b and _is_weekday(d) and d not in days.working_days
            )
            count += sum(1 for d in days.working_days if a < d <= b and not _is_weekday(d))
        first_unknown = None
        if a < b:
            first = a + _ONE_DAY
            gap = next((y for y in range(first.year, b.year + 1) if y not in self._years), None)
            if gap is not None:
                first_unknown = max(first, dt.date(gap, 1, 1))
        self._flag(first_unknown)
        return CountResult(count, first_unknown is not None)

    def _flag(self, day: dt.date | None) -> None:
        if day is not None and self._on_provisional is not None:
            self._on_provisional(day)
