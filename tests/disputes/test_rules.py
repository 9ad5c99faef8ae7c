"""The dispute state machines, deadlines and repair eligibility (R-4.1, R-4.3): pure rules, with
the real working-day calendar."""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest

from chengxin.disputes.config import parse_rules, shipped_rules
from chengxin.disputes.rules import (
    OBJECTION_TRANSITIONS,
    REPAIR_TRANSITIONS,
    ObjectionEvent,
    ObjectionState,
    RepairEvent,
    RepairFacts,
    RepairState,
    next_objection_state,
    next_repair_state,
    objection_deadline,
    repair_deadline,
    rule_set_for,
    unmet_conditions,
)
from chengxin.errors import ConfigError, Conflict
from chengxin.workdays.loader import load_calendar

CALENDAR = load_calendar()
RULES = shipped_rules()
LIMITS = RULES.objections
S, E = ObjectionState, ObjectionEvent

ALLOWED_OBJECTION = {
    (S.FILED, E.ACCEPT): S.VERIFYING, (S.FILED, E.REJECT): S.REJECTED,
    (S.FILED, E.WITHDRAW): S.WITHDRAWN, (S.VERIFYING, E.WITHDRAW): S.WITHDRAWN,
    (S.VERIFYING, E.CORRECT): S.CORRECTED, (S.VERIFYING, E.REVOKE): S.REVOKED,
    (S.VERIFYING, E.UPHOLD): S.UPHELD,
    (S.REJECTED, E.REOPEN): S.VERIFYING, (S.CORRECTED, E.REOPEN): S.VERIFYING,
    (S.REVOKED, E.REOPEN): S.VERIFYING, (S.UPHELD, E.REOPEN): S.VERIFYING,
    (S.REJECTED, E.CORRECT): S.CORRECTED, (S.UPHELD, E.CORRECT): S.CORRECTED,
    (S.CORRECTED, E.CORRECT): S.CORRECTED, (S.REJECTED, E.REVOKE): S.REVOKED,
    (S.UPHELD, E.REVOKE): S.REVOKED, (S.CORRECTED, E.REVOKE): S.REVOKED,
}  # fmt: skip


@pytest.mark.parametrize(("state", "event"), list(product(ObjectionState, ObjectionEvent)))
def test_r4_1_every_objection_transition_is_allowed_or_refused_as_written(
    state: ObjectionState, event: ObjectionEvent
) -> None:
    expected = ALLOWED_OBJECTION.get((state, event))
    if expected is None:
        with pytest.raises(Conflict) as refused:
            next_objection_state(state, event)
        assert refused.value.rule == "objection-transition"
    else:
        assert next_objection_state(state, event) is expected
    assert OBJECTION_TRANSITIONS == ALLOWED_OBJECTION  # nothing more is allowed


@pytest.mark.parametrize(("state", "event"), list(product(RepairState, RepairEvent)))
def test_r4_3_every_repair_transition_is_allowed_or_refused_as_written(
    state: RepairState, event: RepairEvent
) -> None:
    allowed = {
        (RepairState.APPLIED, RepairEvent.FORWARD): RepairState.FORWARDED,
        (RepairState.APPLIED, RepairEvent.REJECT): RepairState.REJECTED,
        (RepairState.APPLIED, RepairEvent.WITHDRAW): RepairState.WITHDRAWN,
        (RepairState.FORWARDED, RepairEvent.APPROVE): RepairState.APPROVED,
        (RepairState.FORWARDED, RepairEvent.REJECT): RepairState.REJECTED,
        (RepairState.FORWARDED, RepairEvent.WITHDRAW): RepairState.WITHDRAWN,
    }
    assert allowed == REPAIR_TRANSITIONS
    if (state, event) in allowed:
        assert next_repair_state(state, event) is allowed[(state, event)]
    else:
        with pytest.raises(Conflict):
            next_repair_state(state, event)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("filed", "accept_by"),
    [
        ("2026-02-12", "2026-02-14"),  # Thu: Fri 13th, then Sat 14th, an adjusted working day
        ("2026-02-13", "2026-02-24"),  # Fri: Sat 14th is a working day, then 9 days off, Tue 24th
        ("2026-09-30", "2026-10-09"),  # 国庆/中秋: 10-01..07 off, 08 Thu and 09 Fri count
        ("2026-11-26", "2026-11-30"),  # an ordinary Thursday: Fri, (weekend), Mon
    ],
)
def test_r4_1_the_acceptance_deadline_counts_chinese_working_days(
    filed: str, accept_by: str
) -> None:
    found = objection_deadline(LIMITS, CALENDAR, state=S.FILED, filed_on=day(filed),
                               verifying_since=None)  # fmt: skip
    assert found is not None
    assert found.due == day(accept_by)
    assert found.step == "accept"
    assert not found.provisional


def test_r4_1_the_source_has_five_working_days_within_the_overall_twenty() -> None:
    found = objection_deadline(LIMITS, CALENDAR, state=S.VERIFYING, filed_on=day("2026-09-28"),
                               verifying_since=day("2026-09-30"))  # fmt: skip
    assert found is not None
    # 10-08 (Thu), 09 (Fri), 10 (Sat, 调休上班), 12 (Mon), 13 (Tue): the fifth working day.
    assert (found.step, found.due) == ("source-answer", day("2026-10-13"))
    late = objection_deadline(LIMITS, CALENDAR, state=S.VERIFYING, filed_on=day("2026-09-10"),
                              verifying_since=day("2026-09-28"))  # fmt: skip
    assert late is not None
    assert (late.step, late.due) == ("decide", day("2026-09-30"))  # 20 days from filing first
    assert objection_deadline(LIMITS, CALENDAR, state=S.UPHELD, filed_on=day("2026-09-10"),
                              verifying_since=None) is None  # fmt: skip


def test_r4_3_deadlines_into_2027_are_provisional() -> None:
    rules = rule_set_for(RULES.repair_rule_sets, day("2026-06-01"))
    found = repair_deadline(rules, CALENDAR, state=RepairState.APPLIED, applied_on=day("2026-12-28"),
                            forwarded_on=None)  # fmt: skip
    assert found is not None
    assert found.provisional  # 2027's holidays are not published in the shipped data
    assert found.due.year == 2027
    forwarded = repair_deadline(rules, CALENDAR, state=RepairState.FORWARDED,
                                applied_on=day("2026-11-02"), forwarded_on=day("2026-11-26"))  # fmt: skip
    assert forwarded is not None
    assert (forwarded.step, forwarded.due) == ("source-decision", day("2026-12-01"))


def facts(**changes: object) -> RepairFacts:
    base = {"category": "bad", "status": "active", "severity": "general",
            "earliest_end": day("2026-08-09"), "obligations_performed": True,
            "commitment_signed": True, "legal_bar": False}  # fmt: skip
    return RepairFacts(**{**base, **changes})  # type: ignore[arg-type]


def test_r4_3_the_regime_is_the_one_in_force_on_the_decision_date() -> None:
    assert rule_set_for(RULES.repair_rule_sets, day("2026-03-31")).name == "ndrc-order-58"
    assert rule_set_for(RULES.repair_rule_sets, day("2026-04-01")).name == "ndrc-order-36"
    assert rule_set_for(RULES.repair_rule_sets, day("2020-01-01")).name == "ndrc-order-58"


@pytest.mark.parametrize("decided", ["2026-03-31", "2026-04-01"])
def test_r4_3_eligibility_on_both_regimes(decided: str) -> None:
    rules = rule_set_for(RULES.repair_rule_sets, day(decided))
    today = day("2026-11-26")
    assert unmet_conditions(rules, facts(), today) == []
    assert unmet_conditions(rules, facts(earliest_end=today), today) == ["min-period"]
    assert unmet_conditions(rules, facts(commitment_signed=False), today) == ["commitment"]
    assert unmet_conditions(rules, facts(obligations_performed=False), today) == ["obligations"]
    assert unmet_conditions(rules, facts(category="good"), today) == ["not-dishonesty"]
    assert unmet_conditions(rules, facts(status="repaired"), today) == ["not-displayed"]
    minor_early = facts(severity="minor", earliest_end=day("2027-01-01"))
    barred = facts(legal_bar=True)
    if decided == "2026-04-01":  # Order 36: minor at once; no other legal bar is a condition
        assert unmet_conditions(rules, minor_early, today) == []
        assert unmet_conditions(rules, barred, today) == ["legal-bar"]
    else:  # Order 58: the minimum period holds for every record; no legal-bar condition
        assert unmet_conditions(rules, minor_early, today) == ["min-period"]
        assert unmet_conditions(rules, barred, today) == []


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("kind: dispute_rules\n", "objections"),
        ("kind: other\nobjections: {}\nrepair_rule_sets: []\n", "kind"),
        ("[1, 2", "dispute_rules"),
    ],
)
def test_r4_1_a_broken_rules_file_is_refused(text: str, field: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_rules(text, "rules.yaml")
    assert "rules.yaml" in str(refused.value)
    if field != "dispute_rules":
        assert field in str(refused.value)
