"""Listing as a pure state machine, with the answer window, the term and early removal (R-6.1,
R-6.3). No database, no clock: dates are parameters.

    proposed ─notice→ noticed ─answer→ answered
                         │                 │
                         ├─confirm (window over)─┐   answered ─confirm→ listed
                         └─withdraw→ withdrawn   │   answered ─withdraw→ withdrawn
                                                 ▼
                                   listed ─remove / expire→ removed
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from chengxin.catalog.periods import add_months
from chengxin.errors import Conflict
from chengxin.workdays.rules import Calendar


class ListKind(StrEnum):
    RED = "red"  # 红名单 (守信激励)
    SERIOUS_DISHONESTY = "serious_dishonesty"  # 严重失信主体名单
    KEY_SUPERVISION = "key_supervision"  # 重点关注（监管）对象名单


class ListingState(StrEnum):
    PROPOSED = "proposed"  # 拟列入: the designating source's proposal
    NOTICED = "noticed"  # 已告知: the notice is out, the answer window runs
    ANSWERED = "answered"  # 已陈述申辩: the person's statement is in
    LISTED = "listed"  # 已列入: in effect
    WITHDRAWN = "withdrawn"  # 不予列入: dropped before it took effect
    REMOVED = "removed"  # 已移出


class ListingEvent(StrEnum):
    NOTICE = "notice"
    ANSWER = "answer"
    CONFIRM = "confirm"
    WITHDRAW = "withdraw"
    REMOVE = "remove"  # early removal or a decision
    EXPIRE = "expire"  # the term ran out


class RemovalReason(StrEnum):
    TERM_EXPIRED = "term_expired"  # 期满移出
    EARLY_REMOVAL = "early_removal"  # 提前移出 (conditions met)
    DECISION = "decision"  # 依决定移出 (revoked decision, reconsideration, court, error …)


class Condition(StrEnum):
    """What early removal may require (the source attests each one)."""

    CORRECTION = "correction"  # 已纠正失信行为、消除不良影响 (e.g. wages paid)
    COMMITMENT = "commitment"  # 作出信用承诺
    OBLIGATIONS_PERFORMED = "obligations_performed"  # 履行完毕法定义务
    NO_NEW_VIOLATION = "no_new_violation"  # 列入期间未再发生同类失信行为
    CREDIT_TRAINING = "credit_training"  # 参加信用修复培训


_S = ListingState
_E = ListingEvent
OPEN = frozenset({_S.PROPOSED, _S.NOTICED, _S.ANSWERED})  # before it takes effect
TRANSITIONS: dict[tuple[ListingState, ListingEvent], ListingState] = {
    (_S.PROPOSED, _E.NOTICE): _S.NOTICED,
    (_S.PROPOSED, _E.WITHDRAW): _S.WITHDRAWN,
    (_S.NOTICED, _E.ANSWER): _S.ANSWERED,
    (_S.NOTICED, _E.CONFIRM): _S.LISTED,  # only once the window is over (see confirm_refusal)
    (_S.NOTICED, _E.WITHDRAW): _S.WITHDRAWN,
    (_S.ANSWERED, _E.CONFIRM): _S.LISTED,
    (_S.ANSWERED, _E.WITHDRAW): _S.WITHDRAWN,
    (_S.LISTED, _E.REMOVE): _S.REMOVED,
    (_S.LISTED, _E.EXPIRE): _S.REMOVED,
}


def next_state(state: ListingState, event: ListingEvent) -> ListingState:
    found = TRANSITIONS.get((state, event))
    if found is None:
        raise Conflict(
            f"a listing that is {state} cannot be given '{event}'",
            field="state",
            rule="listing-transition",
        )
    return found


# --- the notice and its answer window (告知, 陈述申辩) ---------------------------------------


@dataclass(frozen=True)
class Window:
    deadline: dt.date  # the last day (Beijing) on which the person may answer
    provisional: bool  # beyond the known holiday data: counted by weekends only


def answer_window(calendar: Calendar, noticed_on: dt.date, workdays: int) -> Window | None:
    """The answer window of a notice given on `noticed_on`: `workdays` working days after it
    (the day of the notice not counted). None for 0 days: the notice only informs (red lists)."""
    if workdays == 0:
        return None
    due = calendar.add_workdays(noticed_on, workdays)
    return Window(due.date, due.provisional)


def window_open(deadline: dt.date | None, today: dt.date) -> bool:
    return deadline is not None and today <= deadline


def confirm_refusal(state: ListingState, deadline: dt.date | None, today: dt.date) -> str | None:
    """Why the listing cannot take effect today (None: it can). While the answer window is open
    it can take effect only after the person has answered (their statement was considered)."""
    if (state, ListingEvent.CONFIRM) not in TRANSITIONS:
        return "listing-transition"
    if state is ListingState.NOTICED and window_open(deadline, today):
        return "answer-window-open"
    return None


def answer_refusal(state: ListingState, deadline: dt.date | None, today: dt.date) -> str | None:
    """Why the person cannot answer today (None: they can)."""
    if (state, ListingEvent.ANSWER) not in TRANSITIONS:
        return "listing-transition"
    if deadline is None:
        return "no-answer-window"
    if not window_open(deadline, today):
        return "answer-window-closed"
    return None


# --- the term and early removal -------------------------------------------------------------


def term_end(effective_from: dt.date, term_months: int | None) -> dt.date | None:
    """The last day in effect: the corresponding day `term_months` after the effective date
    (民法典第二百零一、二百零二条: the first day is not counted; the period ends on the
    corresponding day). None: in effect until removed."""
    if term_months is None:
        return None
    return add_months(effective_from, term_months)


def in_effect(
    state: ListingState, effective_from: dt.date | None, end: dt.date | None, on: dt.date
) -> bool:
    """Whether a listing binds on `on` (taking the state as the latest word on it)."""
    if state is not ListingState.LISTED or effective_from is None:
        return False
    return effective_from <= on and (end is None or on <= end)


def expired(state: ListingState, end: dt.date | None, today: dt.date) -> bool:
    return state is ListingState.LISTED and end is not None and today > end


@dataclass(frozen=True)
class EarlyRemoval:
    after_months: int  # 满 N 个月 …
    requires: frozenset[Condition]
    counted_from: str = "listing"  # … since the effective date, or since the correction


def _removal_start(
    rule: EarlyRemoval, effective_from: dt.date, corrected_on: dt.date | None
) -> dt.date | None:
    if rule.counted_from != "correction":
        return effective_from
    if corrected_on is None:
        return None
    return max(corrected_on, effective_from)  # corrected before listing: from the listing


def early_removal_refusals(
    rule: EarlyRemoval | None,
    *,
    effective_from: dt.date,
    today: dt.date,
    attested: Iterable[Condition],
    corrected_on: dt.date | None = None,
) -> list[str]:
    """What stands in the way of early removal today; empty when it may be granted."""
    if rule is None:
        return ["no-early-removal"]
    unmet = []
    if corrected_on is not None and corrected_on > today:
        unmet.append("correction-in-future")
    start = _removal_start(rule, effective_from, corrected_on)
    if start is None:
        unmet.append("missing-correction-date")
    elif today <= add_months(start, rule.after_months):  # 满: the period has run out
        unmet.append("too-early")
    given = set(attested)
    unmet.extend(f"missing-{c.value}" for c in sorted(rule.requires) if c not in given)
    return unmet


def early_removal_from(
    rule: EarlyRemoval | None, effective_from: dt.date, corrected_on: dt.date | None = None
) -> dt.date | None:
    """The first day early removal can be granted (if its conditions are met); None when the
    type has none or the correction date it counts from is not known yet."""
    if rule is None:
        return None
    start = _removal_start(rule, effective_from, corrected_on)
    if start is None:
        return None
    return add_months(start, rule.after_months) + dt.timedelta(days=1)
