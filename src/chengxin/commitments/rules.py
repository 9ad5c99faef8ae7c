"""Credit commitments (信用承诺, R-7.2) as a pure state machine, with the checks of their terms
and dates. No database, no clock: `today` (a Beijing date) is a parameter.

    pending ─fulfil→ fulfilled
       ├────breach→ breached     (reported by the department, or the deadline passed)
       └────cancel→ cancelled    (the application was withdrawn, the commitment lapsed …)
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from chengxin.catalog.periods import add_months
from chengxin.errors import Conflict, InvalidInput

MAX_TERM_MONTHS = 60  # a deadline further off than five years is a typing error, not a promise
MAX_BACKDATE_DAYS = 366  # recorded when made; older paper commitments arrive as source batches
MAX_DOCUMENT = 100
MAX_MATTER = 500  # COMMITMENT-MADE's `matter` field
MAX_TERMS = 2000
MAX_REASON = 2000
MAX_SUMMARY = 1000  # leaves room in the finding's 2000-character summary for matter and deadline


class CommitmentKind(StrEnum):
    DOCUMENTS_TO_FOLLOW = "documents_to_follow"  # 容缺受理承诺: documents follow by the deadline
    HIRING = "hiring"  # 入职承诺: e.g. certificates or a clean record stated at hiring
    NOTIFICATION_AND_COMMITMENT = "notification_and_commitment"  # 告知承诺 (证明事项)
    OTHER = "other"


class CommitmentState(StrEnum):
    PENDING = "pending"  # 待履行
    FULFILLED = "fulfilled"  # 已履行
    BREACHED = "breached"  # 未履行（违背承诺）
    CANCELLED = "cancelled"  # 已撤销 (the record of it is revoked)


class CommitmentEvent(StrEnum):
    FULFIL = "fulfil"
    BREACH = "breach"
    CANCEL = "cancel"


_S = CommitmentState
_E = CommitmentEvent
TRANSITIONS: dict[tuple[CommitmentState, CommitmentEvent], CommitmentState] = {
    (_S.PENDING, _E.FULFIL): _S.FULFILLED,
    (_S.PENDING, _E.BREACH): _S.BREACHED,
    (_S.PENDING, _E.CANCEL): _S.CANCELLED,
}


def next_state(state: CommitmentState, event: CommitmentEvent) -> CommitmentState:
    found = TRANSITIONS.get((state, event))
    if found is None:
        raise Conflict(
            f"a commitment that is {state} cannot be given '{event}'",
            field="state",
            rule="commitment-transition",
        )
    return found


def overdue(state: CommitmentState, deadline: dt.date, today: dt.date) -> bool:
    """Still pending after its last day: the deadline day itself is still in time."""
    return state is CommitmentState.PENDING and today > deadline


# --- checks of what a department sends -----------------------------------------------------


def check_dates(made_on: dt.date, deadline: dt.date, today: dt.date) -> None:
    """A commitment is recorded when it is made, with a deadline still ahead (or today)."""
    if made_on > today:
        raise InvalidInput("must not lie in the future", field="made_on", rule="future-date")
    if (today - made_on).days > MAX_BACKDATE_DAYS:
        raise InvalidInput(
            f"must be within {MAX_BACKDATE_DAYS} days before today", field="made_on",
            rule="too-old",
        )  # fmt: skip
    if deadline < made_on:
        raise InvalidInput("must not be before made_on", field="deadline", rule="deadline-order")
    if deadline < today:
        raise InvalidInput("has already passed", field="deadline", rule="deadline-passed")
    if deadline > add_months(made_on, MAX_TERM_MONTHS):
        raise InvalidInput(
            f"must be at most {MAX_TERM_MONTHS} months after made_on", field="deadline",
            rule="max-term",
        )  # fmt: skip


def check_fulfilment(
    state: CommitmentState, *, made_on: dt.date, deadline: dt.date, on: dt.date, today: dt.date
) -> None:
    """Fulfilled on `on`: between making and today, and not after the deadline — a late
    fulfilment is a breach (the department reports it as one)."""
    next_state(state, CommitmentEvent.FULFIL)
    if on > today:
        raise InvalidInput("must not lie in the future", field="fulfilled_on", rule="future-date")
    if on < made_on:
        raise InvalidInput("must not be before made_on", field="fulfilled_on", rule="date-order")
    if on > deadline:
        raise Conflict(
            f"is after the deadline {deadline}: report a breach instead", field="fulfilled_on",
            rule="after-deadline",
        )  # fmt: skip


def breach_summary(matter: str, deadline: dt.date, reported: str | None) -> str:
    """The finding's summary (主要情形): the matter, the missed deadline, the department's words."""
    head = f"未按承诺于 {deadline} 前（含当日）履行：{matter}"
    return f"{head}。{reported}" if reported else f"{head}。"
