"""Properties of display periods (展示期限, R-4.2, R-2.1) under the shipped display rules and
penalty regimes (NDRC Order 58, then Order 36 from 2026-04-01): periods run from the decision
date, end no later than the rule's maximum, and the longest of several penalty types wins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from chengxin.catalog.loader import load_catalog
from chengxin.catalog.periods import (
    DisplayPeriod,
    DisplayRule,
    NotPublicised,
    add_months,
    display_period,
    regime_for,
)
from chengxin.catalog.vocab import DisplayKind, Domain, PenaltyType, Severity
from chengxin.errors import InvalidInput

CATALOG = load_catalog()
RULES = CATALOG.display_rules
REGIMES = CATALOG.regimes
PENALTY = next(r for r in RULES.values() if r.kind is DisplayKind.PENALTY_REGIME)
# Fixed terms, list terms and validities: the rules that neither grade penalties nor hide.
PLAIN_KINDS = {DisplayKind.FIXED_TERM, DisplayKind.UNTIL_REMOVED, DisplayKind.WHILE_VALID}
OTHER_RULES = sorted((r for r in RULES.values() if r.kind in PLAIN_KINDS), key=lambda r: r.name)
LONGEST_TERM = max(
    t.max_months for r in REGIMES for t in (*r.tiers.values(), *r.type_terms.values())
)

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2060, 12, 31))
decision_dates = st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2031, 12, 31))
penalty_sets = st.frozensets(st.sampled_from(list(PenaltyType)), min_size=1, max_size=4)
MONTH_ENDS = [dt.date(2026, 1, 31), dt.date(2024, 2, 29), dt.date(2026, 3, 31)]


@dataclass(frozen=True)
class Case:
    """Everything about a penalty decision but its date and types."""

    domain: Domain
    topics: frozenset[str]
    severity: Severity
    summary_procedure: bool
    publicise_minor: bool


cases = st.builds(
    Case,
    st.sampled_from(list(Domain)),
    st.frozensets(st.sampled_from(["special_equipment", "food", "tax"]), max_size=2),
    st.sampled_from(list(Severity)),
    st.booleans(),
    st.booleans(),
)


def penalty(
    start: dt.date, types: frozenset[PenaltyType], case: Case
) -> DisplayPeriod | NotPublicised:
    return display_period(
        PENALTY, REGIMES, start=start, penalty_types=types, domain=case.domain,
        topics=case.topics, severity=case.severity, summary_procedure=case.summary_procedure,
        publicise_minor=case.publicise_minor,
    )  # fmt: skip


@given(dates, st.integers(0, 600))
@example(dt.date(2026, 1, 31), 1)  # no 31 February: the last day of February
def test_r4_2_n_months_end_on_the_corresponding_day_or_the_month_end(
    start: dt.date, months: int
) -> None:
    """R-4.2 (民法典第二百零二条): N months later is the same day of the month, or the last day
    of a month that has no such day; never another month, never a later day."""
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or (end.day < start.day and (end + dt.timedelta(days=1)).day == 1)
    assert add_months(start, months + 1) > end


@given(dates, dates, st.integers(0, 120))
def test_r4_2_a_later_start_never_gives_an_earlier_end(a: dt.date, b: dt.date, m: int) -> None:
    """R-4.2: the end of a period is monotone in its start date."""
    first, second = sorted((a, b))
    assert add_months(first, m) <= add_months(second, m)


@given(st.sampled_from(OTHER_RULES), dates, st.one_of(st.none(), st.integers(0, 4000)))
def test_r4_2_a_period_never_outlasts_its_rule_or_its_own_end(
    rule: DisplayRule, start: dt.date, length: int | None
) -> None:
    """R-4.2: fixed terms, list terms and validities end no later than the rule's maximum and the
    record's own end date, and never before they start."""
    end = None if length is None else start + dt.timedelta(days=length)
    period = display_period(rule, REGIMES, start=start, end=end)
    assert isinstance(period, DisplayPeriod)
    assert period.start == start
    if period.latest_end is not None:
        assert period.latest_end >= start
        assert period.is_shown(start)
        assert period.is_shown(period.latest_end)
        assert not period.is_shown(period.latest_end + dt.timedelta(days=1))
    if rule.max_months is not None:
        assert period.latest_end is not None
        assert period.latest_end <= add_months(start, rule.max_months)
    if end is not None and rule.kind is not DisplayKind.FIXED_TERM:
        assert period.latest_end is not None
        assert period.latest_end <= end
    assert not period.is_shown(start - dt.timedelta(days=1))


@given(st.sampled_from(OTHER_RULES), dates, st.integers(1, 4000))
def test_r2_2_an_end_before_the_start_is_refused(
    rule: DisplayRule, start: dt.date, back: int
) -> None:
    """R-2.2: a record that ends before it starts has no period; the refusal names the rule."""
    with pytest.raises(InvalidInput) as refused:
        display_period(rule, REGIMES, start=start, end=start - dt.timedelta(days=back))
    assert refused.value.rule == "before_start"


@given(decision_dates, penalty_sets, cases)
def test_r4_2_a_penalty_period_runs_from_the_decision_within_the_regimes_terms(
    start: dt.date, types: frozenset[PenaltyType], case: Case
) -> None:
    """R-4.2: the regime in force on the decision date judges it; the period starts on that
    date, its minimum comes before its maximum, and no period outlasts the longest term."""
    period = penalty(start, types, case)
    regime = regime_for(REGIMES, start)
    assert period.regime == regime.code
    if isinstance(period, NotPublicised):
        assert not period.is_shown(start)
        return
    assert period.start == start
    assert period.earliest_end is not None
    assert period.latest_end is not None
    assert start <= period.earliest_end <= period.latest_end
    terms = [*regime.tiers.values(), *regime.type_terms.values()]
    assert period.latest_end <= add_months(start, max(t.max_months for t in terms))
    assert period.latest_end <= add_months(start, LONGEST_TERM)
    assert period.is_shown(start)
    assert period.is_shown(period.latest_end)


@given(decision_dates, decision_dates, penalty_sets, cases)
def test_r4_2_within_one_regime_a_later_decision_ends_no_earlier(
    a: dt.date, b: dt.date, types: frozenset[PenaltyType], case: Case
) -> None:
    """R-4.2: under the same regime, the period is monotone in the decision date. (Across the
    change of law on 2026-04-01 it need not be: Order 36 shortened general penalties.)"""
    first, second = sorted((a, b))
    assume(regime_for(REGIMES, first) == regime_for(REGIMES, second))
    p, q = penalty(first, types, case), penalty(second, types, case)
    assert type(p) is type(q)
    if isinstance(p, DisplayPeriod) and isinstance(q, DisplayPeriod):
        assert p.earliest_end is not None
        assert q.earliest_end is not None
        assert p.latest_end is not None
        assert q.latest_end is not None
        assert p.earliest_end <= q.earliest_end
        assert p.latest_end <= q.latest_end


@given(decision_dates, penalty_sets, cases)
def test_r4_2_several_penalty_types_take_the_longest_period(
    start: dt.date, types: frozenset[PenaltyType], case: Case
) -> None:
    """R-4.2: one decision with several penalty types is shown for the longest of their
    periods; adding a type never shortens it."""
    whole = penalty(start, types, case)
    alone = [penalty(start, frozenset({t}), case) for t in sorted(types)]
    shown = [p.latest_end for p in alone if isinstance(p, DisplayPeriod) and p.latest_end]
    if isinstance(whole, NotPublicised):
        assert not shown
        return
    assert whole.latest_end == max(shown)


@given(st.sampled_from(MONTH_ENDS), st.integers(0, 40), st.integers(0, 40))
def test_r4_2_months_counted_at_once_never_end_before_months_counted_in_steps(
    start: dt.date, m: int, n: int
) -> None:
    """R-4.2: counting m then n months can lose the 31st to a short month, never gain a day."""
    assert add_months(add_months(start, m), n) <= add_months(start, m + n)
