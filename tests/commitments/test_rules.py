"""The commitment state machine and its date rules, without a database (R-7.2): pending →
fulfilled | breached | cancelled; overdue only after the deadline day (Beijing dates)."""

from __future__ import annotations

import datetime as dt

import pytest

from chengxin.commitments.rules import (
    TRANSITIONS,
    CommitmentEvent,
    CommitmentState,
    breach_summary,
    check_dates,
    check_fulfilment,
    next_state,
    overdue,
)
from chengxin.errors import ChengxinError, Conflict
from chengxin.texts import clean_text

TODAY = dt.date(2026, 11, 26)
MADE = dt.date(2026, 11, 20)
DEADLINE = dt.date(2026, 12, 10)


def test_r7_2_only_a_pending_commitment_changes_state() -> None:
    assert next_state(CommitmentState.PENDING, CommitmentEvent.FULFIL) is CommitmentState.FULFILLED
    assert next_state(CommitmentState.PENDING, CommitmentEvent.BREACH) is CommitmentState.BREACHED
    assert next_state(CommitmentState.PENDING, CommitmentEvent.CANCEL) is CommitmentState.CANCELLED
    assert {state for state, _ in TRANSITIONS} == {CommitmentState.PENDING}
    for state in set(CommitmentState) - {CommitmentState.PENDING}:
        for event in CommitmentEvent:
            with pytest.raises(Conflict) as refused:
                next_state(state, event)
            assert refused.value.rule == "commitment-transition"


def test_r7_2_overdue_starts_the_day_after_the_deadline() -> None:
    assert not overdue(CommitmentState.PENDING, DEADLINE, DEADLINE)
    assert overdue(CommitmentState.PENDING, DEADLINE, DEADLINE + dt.timedelta(days=1))
    assert not overdue(CommitmentState.FULFILLED, DEADLINE, DEADLINE + dt.timedelta(days=9))


@pytest.mark.parametrize(
    ("made_on", "deadline", "field", "rule"),
    [
        (TODAY + dt.timedelta(days=1), DEADLINE, "made_on", "future-date"),
        (TODAY - dt.timedelta(days=367), DEADLINE, "made_on", "too-old"),
        (MADE, MADE - dt.timedelta(days=1), "deadline", "deadline-order"),
        (MADE, TODAY - dt.timedelta(days=1), "deadline", "deadline-passed"),
        (MADE, dt.date(2031, 11, 21), "deadline", "max-term"),
    ],
)
def test_r7_2_dates_are_checked(made_on: dt.date, deadline: dt.date, field: str, rule: str) -> None:
    with pytest.raises(ChengxinError) as refused:
        check_dates(made_on, deadline, TODAY)
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_r7_2_edge_dates_are_accepted() -> None:
    check_dates(TODAY, TODAY, TODAY)  # made and due today
    check_dates(MADE, dt.date(2031, 11, 20), TODAY)  # exactly five years
    check_dates(TODAY - dt.timedelta(days=366), TODAY, TODAY)


def test_r7_2_a_late_fulfilment_is_a_breach_not_a_fulfilment() -> None:
    kw = {"made_on": MADE, "deadline": DEADLINE}
    check_fulfilment(CommitmentState.PENDING, on=DEADLINE, today=DEADLINE + dt.timedelta(2), **kw)
    with pytest.raises(Conflict) as late:
        check_fulfilment(CommitmentState.PENDING, on=DEADLINE + dt.timedelta(1),
                         today=DEADLINE + dt.timedelta(2), **kw)  # fmt: skip
    assert (late.value.field, late.value.rule) == ("fulfilled_on", "after-deadline")
    with pytest.raises(Conflict):
        check_fulfilment(CommitmentState.CANCELLED, on=TODAY, today=TODAY, **kw)


def test_r7_2_texts_and_the_breach_summary() -> None:
    assert clean_text("  补交证书  ", "matter", limit=10) == "补交证书"
    assert clean_text("第一条\n第二条", "terms", limit=10, lines=True) == "第一条\n第二条"
    with pytest.raises(ChengxinError) as bad:
        clean_text("第一条\n第二条", "matter", limit=10)
    assert (bad.value.field, bad.value.rule) == ("matter", "control")
    assert (
        breach_summary("补交证书", DEADLINE, None)
        == "未按承诺于 2026-12-10 前（含当日）履行：补交证书。"
    )
    assert breach_summary("补交证书", DEADLINE, "证书系伪造").endswith("。证书系伪造")
