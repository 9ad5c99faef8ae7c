"""Objections (异议) and credit repair (信用修复) as pure state machines, with their deadlines and
the repair eligibility test (R-4.1, R-4.3). No database, no clock: dates are parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from chengxin.errors import Conflict
from chengxin.workdays.rules import Calendar


class ObjectionState(StrEnum):
    FILED = "filed"  # 已提交: the platform accepts or rejects the filing
    VERIFYING = "verifying"  # 核查中: with the source department
    REJECTED = "rejected"  # 不予受理
    CORRECTED = "corrected"  # 已更正
    REVOKED = "revoked"  # 已撤销 (the record)
    UPHELD = "upheld"  # 维持原记录
    WITHDRAWN = "withdrawn"  # 申请人撤回


class ObjectionEvent(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    CORRECT = "correct"  # the source's answer, or a reconsideration/court outcome
    REVOKE = "revoke"
    UPHOLD = "uphold"
    REOPEN = "reopen"  # a reconsideration/court outcome sends the case back to verification


_O = ObjectionState
_E = ObjectionEvent
OBJECTION_OPEN = frozenset({_O.FILED, _O.VERIFYING})
_DECIDED = (_O.REJECTED, _O.CORRECTED, _O.REVOKED, _O.UPHELD)
OBJECTION_TRANSITIONS: dict[tuple[ObjectionState, ObjectionEvent], ObjectionState] = {
    (_O.FILED, _E.ACCEPT): _O.VERIFYING,
    (_O.FILED, _E.REJECT): _O.REJECTED,
    (_O.FILED, _E.WITHDRAW): _O.WITHDRAWN,
    (_O.VERIFYING, _E.WITHDRAW): _O.WITHDRAWN,
    (_O.VERIFYING, _E.CORRECT): _O.CORRECTED,
    (_O.VERIFYING, _E.REVOKE): _O.REVOKED,
    (_O.VERIFYING, _E.UPHOLD): _O.UPHELD,
    # Administrative reconsideration (行政复议) and court (行政诉讼) outcomes on a decided case:
    **{(state, _E.REOPEN): _O.VERIFYING for state in _DECIDED},
    **{(state, _E.CORRECT): _O.CORRECTED for state in (_O.REJECTED, _O.UPHELD, _O.CORRECTED)},
    **{(state, _E.REVOKE): _O.REVOKED for state in (_O.REJECTED, _O.UPHELD, _O.CORRECTED)},
}
# Events a reconsideration or court outcome may carry; the rest are the platform's or source's.
REVIEW_EVENTS = frozenset({_E.REOPEN, _E.CORRECT, _E.REVOKE, _E.UPHOLD})


class RepairState(StrEnum):
    APPLIED = "applied"  # 已申请: the platform checks and forwards
    FORWARDED = "forwarded"  # 已转认定单位: the designating source decides (谁认定、谁修复)
    APPROVED = "approved"  # 准予修复
    REJECTED = "rejected"  # 不予修复
    WITHDRAWN = "withdrawn"


class RepairEvent(StrEnum):
    FORWARD = "forward"
    REJECT = "reject"
    APPROVE = "approve"
    WITHDRAW = "withdraw"


_R = RepairState
_RE = RepairEvent
REPAIR_OPEN = frozenset({_R.APPLIED, _R.FORWARDED})
REPAIR_TRANSITIONS: dict[tuple[RepairState, RepairEvent], RepairState] = {
    (_R.APPLIED, _RE.FORWARD): _R.FORWARDED,
    (_R.APPLIED, _RE.REJECT): _R.REJECTED,  # the platform: not eligible
    (_R.APPLIED, _RE.WITHDRAW): _R.WITHDRAWN,
    (_R.FORWARDED, _RE.APPROVE): _R.APPROVED,
    (_R.FORWARDED, _RE.REJECT): _R.REJECTED,  # the source, with reasons
    (_R.FORWARDED, _RE.WITHDRAW): _R.WITHDRAWN,
}


def next_objection_state(state: ObjectionState, event: ObjectionEvent) -> ObjectionState:
    found = OBJECTION_TRANSITIONS.get((state, event))
    if found is None:
        raise Conflict(
            f"an objection that is {state} cannot be given '{event}'",
            field="state",
            rule="objection-transition",
        )
    return found


def next_repair_state(state: RepairState, event: RepairEvent) -> RepairState:
    found = REPAIR_TRANSITIONS.get((state, event))
    if found is None:
        raise Conflict(
            f"a repair application that is {state} cannot be given '{event}'",
            field="state",
            rule="repair-transition",
        )
    return found


# --- deadlines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectionLimits:
    accept_workdays: int  # the platform accepts or rejects a filing (default 2)
    source_workdays: int  # the source answers after acceptance (default 5)
    overall_days: int  # the whole case, in calendar days from filing (default 20)


@dataclass(frozen=True)
class Deadline:
    step: str  # what is due: accept | source-answer | decide | forward | source-decision
    due: dt.date  # the last day (Beijing) on which the step is on time
    provisional: bool  # beyond the known holiday data: counted by weekends only


def objection_deadline(
    limits: ObjectionLimits,
    calendar: Calendar,
    *,
    state: ObjectionState,
    filed_on: dt.date,
    verifying_since: dt.date | None,
) -> Deadline | None:
    """The next deadline of an open case; None once decided."""
    overall = filed_on + dt.timedelta(days=limits.overall_days)
    if state is ObjectionState.FILED:
        accept = calendar.add_workdays(filed_on, limits.accept_workdays)
        return Deadline("accept", min(accept.date, overall), accept.provisional)
    if state is ObjectionState.VERIFYING and verifying_since is not None:
        answer = calendar.add_workdays(verifying_since, limits.source_workdays)
        if answer.date <= overall or verifying_since > overall:  # a reopened case: new term
            return Deadline("source-answer", answer.date, answer.provisional)
        return Deadline("decide", overall, provisional=False)
    return None


@dataclass(frozen=True)
class RepairRuleSet:
    """Eligibility and time limits of one repair regime, in force from `effective_from`."""

    name: str
    effective_from: dt.date
    source: str
    requirements: frozenset[str]  # min_period, obligations_performed, commitment, no_legal_bar
    minor_immediate: bool  # a minor record may be repaired as soon as the duty is performed
    platform_workdays: int  # the platform answers the applicant (forwards or rejects)
    source_workdays: int  # the designating source decides after forwarding


def repair_deadline(
    rules: RepairRuleSet,
    calendar: Calendar,
    *,
    state: RepairState,
    applied_on: dt.date,
    forwarded_on: dt.date | None,
) -> Deadline | None:
    if state is RepairState.APPLIED:
        due = calendar.add_workdays(applied_on, rules.platform_workdays)
        return Deadline("forward", due.date, due.provisional)
    if state is RepairState.FORWARDED and forwarded_on is not None:
        due = calendar.add_workdays(forwarded_on, rules.source_workdays)
        return Deadline("source-decision", due.date, due.provisional)
    return None


# --- repair eligibility (R-4.3) -------------------------------------------------------------


class Evidence(StrEnum):
    """Corrective action a repair application may show (one or more)."""

    PERFORMED_AFTER = "performed_after"  # 事后履行: obligations performed after the fact
    EXTENSION_APPROVED = "extension_approved"  # 获批延期
    WRITTEN_EXPLANATION = "written_explanation"  # 书面说明
    ON_TIME_PERFORMANCE = "on_time_performance"  # 按期履行
    VOLUNTEER_SERVICE = "volunteer_service"  # 志愿服务时长
    CHARITABLE_DONATION = "charitable_donation"  # 慈善捐赠


@dataclass(frozen=True)
class RepairFacts:
    category: str  # bad or serious: only dishonesty can be repaired
    status: str
    severity: str | None
    earliest_end: dt.date | None
    obligations_performed: bool
    commitment_signed: bool
    legal_bar: bool  # another law forbids repair (e.g. an unfinished enforcement)


def rule_set_for(rule_sets: list[RepairRuleSet], decision_date: dt.date) -> RepairRuleSet:
    """The regime in force on the record's decision date (as for its display period)."""
    found = [r for r in rule_sets if r.effective_from <= decision_date]
    if not found:
        return min(rule_sets, key=lambda r: r.effective_from)  # older records: the first regime
    return max(found, key=lambda r: r.effective_from)


def unmet_conditions(rules: RepairRuleSet, facts: RepairFacts, today: dt.date) -> list[str]:
    """Why a record cannot be repaired now; empty when every condition of the regime holds."""
    unmet = []
    if facts.category not in {"bad", "serious"}:
        unmet.append("not-dishonesty")
    if facts.status != "active":
        unmet.append("not-displayed")
    minor_now = rules.minor_immediate and facts.severity == "minor"
    too_early = facts.earliest_end is not None and today <= facts.earliest_end
    if "min_period" in rules.requirements and not minor_now and too_early:
        unmet.append("min-period")
    if "obligations_performed" in rules.requirements and not facts.obligations_performed:
        unmet.append("obligations")
    if "commitment" in rules.requirements and not facts.commitment_signed:
        unmet.append("commitment")
    if "no_legal_bar" in rules.requirements and facts.legal_bar:
        unmet.append("legal-bar")
    return unmet
