"""Properties of working-day arithmetic (工作日, R-4.1, R-4.3): counting n working days forward and
counting back agree, a deadline is always a working day, and the closed-form count equals
counting day by day — on the shipped calendar and on made-up holiday tables."""

from __future__ import annotations

import datetime as dt

import chinese_calendar  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from chengxin.disputes.config import shipped_rules
from chengxin.disputes.rules import (
    OBJECTION_OPEN,
    REPAIR_OPEN,
    ObjectionState,
    RepairState,
    objection_deadline,
    repair_deadline,
    rule_set_for,
)
from chengxin.workdays.loader import load_calendar
from chengxin.workdays.rules import Calendar, YearDays

DAY = dt.timedelta(days=1)
SHIPPED = load_calendar(None)
FIRST_KNOWN = dt.date(min(SHIPPED.known_years), 1, 1)
LAST_KNOWN = dt.date(SHIPPED.known_until, 12, 31)
RULES = shipped_rules()

# Dates inside the known years and a little past them (where answers are provisional).
days = st.dates(min_value=FIRST_KNOWN, max_value=LAST_KNOWN + dt.timedelta(days=800))
known_days = st.dates(min_value=FIRST_KNOWN, max_value=LAST_KNOWN - dt.timedelta(days=120))
counts = st.integers(0, 60)


def brute_count(cal: Calendar, a: dt.date, b: dt.date) -> int:
    return sum(cal.is_workday(a + DAY * i) for i in range(1, (b - a).days + 1))


@st.composite
def made_up_calendars(draw: st.DrawFn) -> Calendar:
    """Two or three consecutive years with arbitrary days off and days worked (disjoint), e.g.
    a holiday on a Sunday or a working day on a Wednesday, which real schedules also list."""
    first = draw(st.integers(2030, 2040))
    years = {}
    for year in range(first, first + draw(st.integers(2, 3))):
        in_year = st.dates(min_value=dt.date(year, 1, 1), max_value=dt.date(year, 12, 31))
        holidays = draw(st.frozensets(in_year, max_size=20))
        working = draw(st.frozensets(in_year, max_size=8)) - holidays
        years[year] = YearDays(holidays, working)
    return Calendar(years)


@given(days, counts)
def test_r4_3_n_working_days_on_then_counting_back_gives_n(start: dt.date, n: int) -> None:
    """R-4.3: the n-th working day after `start` has exactly n working days after `start` up
    to it, and n - 1 the day before: it is the first day that reaches n."""
    due = SHIPPED.add_workdays(start, n).date
    assert SHIPPED.between(start, due).count == n
    if n:
        assert due > start
        assert SHIPPED.between(start, due - DAY).count == n - 1


@given(known_days, st.integers(1, 60))
def test_r4_3_a_deadline_is_never_a_holiday_or_a_rest_day(start: dt.date, n: int) -> None:
    """R-4.3: counted in Chinese working days, a deadline falls on a working day as the State
    Council's schedule (chinese-calendar) gives it: never a weekend, unless worked in lieu
    (调休上班), never a statutory holiday."""
    result = SHIPPED.add_workdays(start, n)
    assert not result.provisional
    assert chinese_calendar.is_workday(result.date)
    assert not chinese_calendar.is_holiday(result.date)


@given(days, counts, counts)
def test_r4_3_more_working_days_or_a_later_start_never_give_an_earlier_day(
    start: dt.date, n: int, extra: int
) -> None:
    """R-4.3: deadlines are monotone in the number of days and in the start date."""
    base = SHIPPED.add_workdays(start, n).date
    assert SHIPPED.add_workdays(start, n + extra).date >= base
    later = start + dt.timedelta(days=extra)
    assert SHIPPED.add_workdays(later, n).date >= base
    # Splitting the days in two steps changes nothing.
    assert SHIPPED.add_workdays(SHIPPED.add_workdays(start, n).date, extra).date == (
        SHIPPED.add_workdays(start, n + extra).date
    )


@given(days, st.integers(0, 400), st.integers(0, 400))
def test_r4_3_counts_add_up_and_match_counting_day_by_day(a: dt.date, gap1: int, gap2: int) -> None:
    """R-4.3: between(a, b) + between(b, c) == between(a, c), and each equals the days one by
    one; an answer is provisional exactly when it reaches a year without holiday data."""
    b, c = a + dt.timedelta(days=gap1), a + dt.timedelta(days=gap1 + gap2)
    ab, bc, ac = SHIPPED.between(a, b), SHIPPED.between(b, c), SHIPPED.between(a, c)
    assert ab.count + bc.count == ac.count
    assert ac.count == brute_count(SHIPPED, a, c)
    assert ac.provisional == any(
        SHIPPED.provisional(a + DAY * i) for i in range(1, (c - a).days + 1)
    )


@given(made_up_calendars(), st.integers(0, 600), st.integers(0, 500), counts)
def test_r4_3_any_holiday_table_counts_as_day_by_day(
    cal: Calendar, offset: int, length: int, n: int
) -> None:
    """R-4.3: whatever days a holiday table lists (weekend holidays, weekday working days), the
    closed-form count and the step-by-step addition agree with counting each day."""
    a = dt.date(min(cal.known_years), 1, 1) + dt.timedelta(days=offset)
    b = a + dt.timedelta(days=length)
    assert cal.between(a, b).count == brute_count(cal, a, b)
    due = cal.add_workdays(a, n).date
    assert cal.between(a, due).count == n
    if n:
        assert cal.is_workday(due)


@given(known_days, st.sampled_from(sorted(OBJECTION_OPEN)), st.integers(0, 25))
def test_r4_1_objection_deadlines_are_working_days_within_the_overall_limit(
    filed: dt.date, state: ObjectionState, after: int
) -> None:
    """R-4.1: the accept and answer steps are due on working days; no step of a case that was
    not reopened is due after the overall limit in calendar days, which it may then name."""
    limits = RULES.objections
    overall = filed + dt.timedelta(days=limits.overall_days)
    verifying = filed + dt.timedelta(days=after)
    due = objection_deadline(limits, SHIPPED, state=state, filed_on=filed,
                             verifying_since=verifying)  # fmt: skip
    assert due is not None
    assert due.due >= filed
    if verifying <= overall or state is ObjectionState.FILED:
        assert due.due <= overall
    if due.step != "decide":
        assert SHIPPED.is_workday(due.due)


@given(known_days, st.integers(0, 30), st.sampled_from(sorted(REPAIR_OPEN)))
def test_r4_3_repair_deadlines_are_the_regimes_working_days_after_the_step(
    applied: dt.date, wait: int, state: RepairState
) -> None:
    """R-4.3: the platform forwards within its working days of the application, the source
    decides within its working days of forwarding; both due dates are working days."""
    rules = rule_set_for(RULES.repair_rule_sets, applied)
    forwarded = applied + dt.timedelta(days=wait)
    due = repair_deadline(rules, SHIPPED, state=state, applied_on=applied, forwarded_on=forwarded)
    assert due is not None
    since, limit = (
        (applied, rules.platform_workdays)
        if state is RepairState.APPLIED
        else (forwarded, rules.source_workdays)
    )
    assert SHIPPED.between(since, due.due).count == limit
    assert SHIPPED.is_workday(due.due)
