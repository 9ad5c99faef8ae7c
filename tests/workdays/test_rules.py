"""R-4.1/R-4.3: working-day arithmetic over the 2026 schedule (国办发明电〔2025〕7号) and beyond it."""

from __future__ import annotations

import datetime as dt
import random

import chinese_calendar
import pytest

from chengxin.workdays.rules import (
    MAX_WORKDAYS,
    Calendar,
    CountResult,
    DayResult,
    WorkdayInputError,
    YearDays,
)
from tests.workdays.conftest import d

# (start, n, expected): start itself never counts.
SPRING_FESTIVAL = [
    ("2026-02-12", 1, "2026-02-13"),  # Thu → Fri
    ("2026-02-13", 1, "2026-02-14"),  # Fri → Sat 02-14, worked in lieu (调休上班)
    ("2026-02-13", 2, "2026-02-24"),  # 02-15 (Sun) .. 02-23 (Mon) off
    ("2026-02-12", 3, "2026-02-24"),
    ("2026-02-14", 1, "2026-02-24"),  # from the adjusted Saturday itself
    ("2026-02-17", 1, "2026-02-24"),  # received on a holiday (正月初一)
    ("2026-02-17", 5, "2026-02-28"),  # ends on Sat 02-28, worked in lieu
    ("2026-02-17", 6, "2026-03-02"),
    ("2026-02-13", 10, "2026-03-05"),
    ("2026-02-27", 1, "2026-02-28"),
]
NATIONAL_DAY = [
    ("2026-09-18", 1, "2026-09-20"),  # Fri → Sun 09-20, worked in lieu
    ("2026-09-24", 2, "2026-09-29"),  # Mid-Autumn 09-25 .. 09-27 off
    ("2026-09-30", 1, "2026-10-08"),  # 10-01 .. 10-07 off
    ("2026-09-30", 3, "2026-10-10"),  # Sat 10-10, worked in lieu
    ("2026-10-03", 4, "2026-10-12"),  # received during the holiday
    ("2026-09-30", 10, "2026-10-20"),
]
MAY_DAY = [
    ("2026-04-30", 1, "2026-05-06"),  # 05-01 .. 05-05 off
    ("2026-04-30", 4, "2026-05-09"),  # Sat 05-09, worked in lieu
    ("2026-05-08", 1, "2026-05-09"),
    ("2026-05-09", 1, "2026-05-11"),  # Sun 05-10 is an ordinary rest day
    ("2026-04-03", 1, "2026-04-07"),  # 清明 04-04 .. 04-06
]


@pytest.mark.parametrize(("start", "n", "expected"), SPRING_FESTIVAL + NATIONAL_DAY + MAY_DAY)
def test_deadlines_across_the_2026_holidays(
    calendar: Calendar, start: str, n: int, expected: str
) -> None:
    assert calendar.add_workdays(d(start), n) == DayResult(d(expected), provisional=False)


@pytest.mark.parametrize(
    ("day", "working"),
    [("2026-02-14", True), ("2026-02-28", True), ("2026-02-15", False), ("2026-02-23", False),
     ("2026-02-24", True), ("2026-01-04", True), ("2026-01-02", False), ("2026-05-09", True),
     ("2026-05-05", False), ("2026-09-20", True), ("2026-09-25", False), ("2026-10-07", False),
     ("2026-10-10", True), ("2026-10-11", False), ("2026-03-07", False), ("2026-03-09", True)],
)  # fmt: skip
def test_is_workday_follows_the_notice(calendar: Calendar, day: str, working: bool) -> None:
    assert calendar.is_workday(d(day)) is working
    assert chinese_calendar.is_workday(d(day)) is working


def test_zero_days_is_the_date_itself_even_on_a_holiday(calendar: Calendar) -> None:
    assert calendar.add_workdays(d("2026-02-13"), 0) == DayResult(
        d("2026-02-13"), provisional=False
    )
    assert calendar.add_workdays(d("2026-02-17"), 0) == DayResult(
        d("2026-02-17"), provisional=False
    )
    # Nothing is counted, so nothing depends on unknown data.
    assert calendar.add_workdays(d("2027-03-01"), 0) == DayResult(
        d("2027-03-01"), provisional=False
    )


def test_between_counts_after_a_up_to_and_including_b(calendar: Calendar) -> None:
    assert calendar.between(d("2026-02-13"), d("2026-02-13")) == CountResult(0, provisional=False)
    assert calendar.between(d("2026-02-13"), d("2026-02-14")) == CountResult(1, provisional=False)
    assert calendar.between(d("2026-02-13"), d("2026-02-23")).count == 1
    assert calendar.between(d("2026-02-13"), d("2026-02-28")).count == 6
    assert calendar.between(d("2026-09-18"), d("2026-10-12")).count == 12
    assert calendar.between(d("2026-10-01"), d("2026-10-07")).count == 0
    # 261 weekdays - 19 holidays on weekdays + 6 weekend days worked
    assert calendar.between(d("2026-01-01"), d("2026-12-31")).count == 248


def test_between_refuses_an_end_before_the_start(calendar: Calendar) -> None:
    with pytest.raises(WorkdayInputError, match="before the start date") as caught:
        calendar.between(d("2026-03-01"), d("2026-02-28"))
    assert caught.value.field == "end"


@pytest.mark.parametrize("n", [-1, MAX_WORKDAYS + 1, True, 2.0])
def test_n_outside_0_to_3650_is_refused(calendar: Calendar, n: int) -> None:
    with pytest.raises(WorkdayInputError) as caught:
        calendar.add_workdays(d("2026-02-13"), n)
    assert caught.value.field == "n"
    assert isinstance(caught.value, ValueError)


def test_the_largest_n_and_the_end_of_the_calendar(calendar: Calendar) -> None:
    far = calendar.add_workdays(d("2026-01-01"), MAX_WORKDAYS)
    assert far.provisional
    assert calendar.between(d("2026-01-01"), far.date).count == MAX_WORKDAYS
    assert calendar.add_workdays(dt.date(9999, 12, 30), 1).date == dt.date(9999, 12, 31)
    with pytest.raises(WorkdayInputError, match="after 9999-12-31"):
        calendar.add_workdays(dt.date(9999, 12, 30), 2)
    assert calendar.between(dt.date.min, dt.date.max).provisional


def test_into_2027_is_provisional_and_weekends_only(calendar: Calendar) -> None:
    assert calendar.known_until == 2026
    assert not calendar.provisional(d("2026-12-31"))
    assert calendar.provisional(d("2027-01-01"))
    # Thu 12-31, then Fri 2027-01-01 counted as a working day for want of data.
    assert calendar.add_workdays(d("2026-12-30"), 2) == DayResult(d("2027-01-01"), provisional=True)
    assert calendar.add_workdays(d("2026-12-29"), 2) == DayResult(
        d("2026-12-31"), provisional=False
    )
    assert calendar.between(d("2026-12-28"), d("2027-01-08")) == CountResult(9, provisional=True)
    assert calendar.between(d("2026-12-28"), d("2026-12-31")) == CountResult(3, provisional=False)
    assert calendar.add_workdays(d("2027-02-05"), 5) == DayResult(d("2027-02-12"), provisional=True)


def test_before_the_library_years_is_provisional_too(calendar: Calendar) -> None:
    assert calendar.add_workdays(d("2003-12-30"), 1) == DayResult(d("2003-12-31"), provisional=True)
    assert calendar.between(d("2003-12-31"), d("2004-01-02")) == CountResult(1, provisional=False)


def test_agrees_with_chinese_calendar_on_every_known_year(calendar: Calendar) -> None:
    rng = random.Random(20260215)  # noqa: S311  (repeatable samples, not secrets)
    first, last = dt.date(2004, 1, 1).toordinal(), dt.date(2026, 12, 1).toordinal()
    for _ in range(300):
        start = dt.date.fromordinal(rng.randint(first, last))
        n = rng.randint(0, 20)
        day, left = start, n
        while left:
            day += dt.timedelta(days=1)
            left -= chinese_calendar.is_workday(day)
        result = calendar.add_workdays(start, n)
        assert result == DayResult(day, provisional=False), (start, n)
        assert calendar.between(start, day) == CountResult(n, provisional=False)


def test_between_inverts_add(calendar: Calendar) -> None:
    rng = random.Random(7)  # noqa: S311  (repeatable samples, not secrets)
    for _ in range(200):
        start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 800))
        n = rng.randint(0, 300)
        result = calendar.add_workdays(start, n)
        assert calendar.between(start, result.date) == CountResult(n, result.provisional)
        if n:
            assert calendar.is_workday(result.date)


def test_a_hand_made_table_and_the_provisional_hook() -> None:
    seen: list[dt.date] = []
    table = {2030: YearDays(frozenset({d("2030-01-01")}), frozenset({d("2030-01-05")}))}
    cal = Calendar(table, on_provisional=seen.append)
    # Fri 2029-12-28: Sat 29 and Sun 30 (unknown year), Mon 31, 2030-01-01 off, Wed 01-02.
    assert cal.add_workdays(d("2029-12-28"), 2) == DayResult(d("2030-01-02"), provisional=True)
    assert seen == [d("2029-12-29")]
    assert cal.add_workdays(d("2029-12-31"), 1) == DayResult(d("2030-01-02"), provisional=False)
    assert cal.add_workdays(d("2030-01-04"), 1) == DayResult(d("2030-01-05"), provisional=False)
    assert cal.between(d("2030-01-01"), d("2030-01-07")).count == 5
    assert len(seen) == 1
    assert cal.between(d("2030-12-30"), d("2031-01-02")) == CountResult(3, provisional=True)
    assert seen[-1] == d("2031-01-01")
    assert cal.known_until == 2030
    assert cal.known_years == frozenset({2030})


@pytest.mark.parametrize(
    ("table", "message"),
    [({}, "at least one year"),
     ({2030: YearDays(frozenset({d("2031-01-01")}), frozenset())}, "listed under year 2030"),
     ({2030: YearDays(frozenset({d("2030-01-05")}), frozenset({d("2030-01-05")}))}, "both")],
)  # fmt: skip
def test_a_table_that_contradicts_itself_is_refused(
    table: dict[int, YearDays], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Calendar(table)
