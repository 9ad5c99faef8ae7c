"""The listing state machine, the answer window in working days, the term and early removal,
and the list-type loader — pure, no database (R-6.1, R-6.3)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from chengxin.catalog.schema import Catalog
from chengxin.errors import ConfigError, Conflict
from chengxin.lists.rules import (
    TRANSITIONS,
    Condition,
    EarlyRemoval,
    ListingEvent,
    ListingState,
    ListKind,
    answer_refusal,
    answer_window,
    confirm_refusal,
    early_removal_from,
    early_removal_refusals,
    expired,
    in_effect,
    next_state,
    term_end,
)
from chengxin.lists.types import build_types, parse_types, shipped_types
from chengxin.workdays.loader import load_calendar

S, E = ListingState, ListingEvent
ALLOWED = {
    (S.PROPOSED, E.NOTICE): S.NOTICED,
    (S.PROPOSED, E.WITHDRAW): S.WITHDRAWN,
    (S.NOTICED, E.ANSWER): S.ANSWERED,
    (S.NOTICED, E.CONFIRM): S.LISTED,
    (S.NOTICED, E.WITHDRAW): S.WITHDRAWN,
    (S.ANSWERED, E.CONFIRM): S.LISTED,
    (S.ANSWERED, E.WITHDRAW): S.WITHDRAWN,
    (S.LISTED, E.REMOVE): S.REMOVED,
    (S.LISTED, E.EXPIRE): S.REMOVED,
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(S, E)))
def test_every_transition_is_allowed_or_refused_as_designed(
    state: ListingState, event: ListingEvent
) -> None:
    if (state, event) in ALLOWED:
        assert next_state(state, event) is ALLOWED[(state, event)]
    else:
        with pytest.raises(Conflict) as refused:
            next_state(state, event)
        assert refused.value.rule == "listing-transition"
    assert TRANSITIONS == ALLOWED


def test_the_answer_window_runs_ten_working_days_over_the_national_day_holiday() -> None:
    calendar = load_calendar()
    window = answer_window(calendar, dt.date(2026, 9, 28), 10)
    # 29, 30 Sep; 1–7 Oct off; 8, 9, Sat 10 (调休上班), 12–16 Oct: the tenth is Friday 16 October.
    assert window is not None
    assert (window.deadline, window.provisional) == (dt.date(2026, 10, 16), False)
    assert answer_window(calendar, dt.date(2026, 9, 28), 0) is None  # red lists: informs only


def test_confirm_waits_for_the_window_unless_the_person_answered() -> None:
    deadline = dt.date(2026, 10, 16)
    assert confirm_refusal(S.NOTICED, deadline, dt.date(2026, 10, 16)) == "answer-window-open"
    assert confirm_refusal(S.NOTICED, deadline, dt.date(2026, 10, 17)) is None
    assert confirm_refusal(S.ANSWERED, deadline, dt.date(2026, 9, 29)) is None
    assert confirm_refusal(S.NOTICED, None, dt.date(2026, 9, 28)) is None  # no window
    assert confirm_refusal(S.LISTED, deadline, dt.date(2026, 10, 17)) == "listing-transition"
    assert answer_refusal(S.NOTICED, deadline, dt.date(2026, 10, 16)) is None
    assert answer_refusal(S.NOTICED, deadline, dt.date(2026, 10, 17)) == "answer-window-closed"
    assert answer_refusal(S.NOTICED, None, dt.date(2026, 10, 1)) == "no-answer-window"
    assert answer_refusal(S.ANSWERED, deadline, dt.date(2026, 10, 1)) == "listing-transition"


def test_term_end_is_the_corresponding_day_and_binds_through_it() -> None:
    start = dt.date(2026, 10, 19)
    end = term_end(start, 36)
    assert end == dt.date(2029, 10, 19)
    assert term_end(dt.date(2028, 2, 29), 12) == dt.date(2029, 2, 28)  # clamped to month end
    assert term_end(start, None) is None
    assert in_effect(S.LISTED, start, end, end)
    assert not in_effect(S.LISTED, start, end, start - dt.timedelta(days=1))
    assert not in_effect(S.LISTED, start, end, end + dt.timedelta(days=1))
    assert not in_effect(S.REMOVED, start, end, start)
    assert not expired(S.LISTED, end, end)
    assert expired(S.LISTED, end, end + dt.timedelta(days=1))
    assert not expired(S.LISTED, None, dt.date(2099, 1, 1))


def test_wage_arrears_early_removal_counts_six_months_from_the_correction() -> None:
    rule = EarlyRemoval(6, frozenset({Condition.CORRECTION, Condition.COMMITMENT}), "correction")
    listed, corrected = dt.date(2026, 10, 19), dt.date(2026, 12, 1)
    both = [Condition.CORRECTION, Condition.COMMITMENT]
    kw = {"effective_from": listed, "corrected_on": corrected}
    assert early_removal_refusals(rule, today=dt.date(2027, 6, 1), attested=both, **kw) == [
        "too-early"]  # fmt: skip
    assert early_removal_refusals(rule, today=dt.date(2027, 6, 2), attested=both, **kw) == []
    assert early_removal_from(rule, listed, corrected) == dt.date(2027, 6, 2)
    assert early_removal_refusals(
        rule, today=dt.date(2027, 6, 2), attested=[Condition.CORRECTION], **kw
    ) == ["missing-commitment"]
    assert early_removal_refusals(rule, effective_from=listed, today=dt.date(2027, 6, 2),
                                  attested=both) == ["missing-correction-date"]  # fmt: skip
    assert "correction-in-future" in early_removal_refusals(
        rule, effective_from=listed, today=dt.date(2026, 11, 1), attested=both,
        corrected_on=dt.date(2026, 12, 1),
    )  # fmt: skip
    assert early_removal_refusals(None, effective_from=listed, today=listed, attested=both) == [
        "no-early-removal"]  # fmt: skip


# --- the loader -----------------------------------------------------------------------------

GOOD = """
kind: list_types
types:
  - code: TEST-LIST
    effective_from: 2026-01-01
    kind: serious_dishonesty
    name: {zh: 测试名单, en: Test list}
    legal_basis: [{instrument: 《某办法》, article: 第一条}]
    criteria: {zh: 条件, en: criteria}
    designated_by: {source_kinds: [government_department]}
    subjects: [person]
    term_months: 36
"""


def test_the_loader_reads_a_good_file_with_defaults() -> None:
    [found] = parse_types(GOOD, "good.yaml")
    assert (found.code, found.notice_workdays) == ("TEST-LIST", 10)
    assert found.kind is ListKind.SERIOUS_DISHONESTY
    assert found.early is None


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("term_months: 36", "term_months: 0"), "types.0(TEST-LIST).term_months"),
        (("kind: serious_dishonesty", "kind: grey"), "types.0(TEST-LIST).kind"),
        (("subjects: [person]", "subjects: [person]\n    colour: red"), "types.0(TEST-LIST).colour"),
        (("legal_basis: [{instrument: 《某办法》, article: 第一条}]", "legal_basis: []"),
         "types.0(TEST-LIST).legal_basis"),
        (("term_months: 36", "term_months: 36\n    notice_workdays: 0"),
         "types.0(TEST-LIST): Value error, a dishonesty or supervision list needs a notice"),
        (("subjects: [person]", "subjects: [person]\n    reach_people: true"),
         "reach_people needs organisation"),
        (("code: TEST-LIST", "code: test list"), "types.0(test list).code"),
        (("designated_by: {source_kinds: [government_department]}",
          "designated_by: {source_kinds: [ministry]}"),
         "designated_by.source_kinds.0"),
        (("kind: list_types", "kind: catalog_items"), "bad.yaml: kind"),
        (("types:", "types: ["), "bad.yaml: while"),
    ],
)  # fmt: skip
def test_the_loader_refuses_a_bad_file_naming_file_and_field(
    change: tuple[str, str], where: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_types(GOOD.replace(*change, 1), "bad.yaml")
    assert refused.value.message.startswith("bad.yaml: ")
    assert where in refused.value.message


def test_the_loader_refuses_two_versions_of_one_date_and_picks_the_version_in_force() -> None:
    with pytest.raises(ConfigError, match=r"b.yaml: types.TEST-LIST: .* also defined in a.yaml"):
        build_types([("a.yaml", GOOD), ("b.yaml", GOOD)])
    later = GOOD.replace("2026-01-01", "2027-01-01").replace("term_months: 36", "term_months: 24")
    types = build_types([("a.yaml", GOOD), ("b.yaml", later)])
    assert types.in_force("TEST-LIST", dt.date(2026, 6, 1)).term_months == 36
    assert types.in_force("TEST-LIST", dt.date(2027, 1, 1)).term_months == 24
    assert types.version("TEST-LIST", dt.date(2026, 1, 1)).term_months == 36


def test_shipped_types_cover_the_lists_named_and_cite_catalog_items(catalog: Catalog) -> None:
    types = shipped_types()
    kinds = {t.code: t.kind for t in types}
    assert {c for c, k in kinds.items() if k is ListKind.RED} == {
        "RED-MORAL-MODEL", "RED-OUTSTANDING-VOLUNTEER", "RED-ASSOCIATION-RECOMMENDED",
        "RED-GOOD-CREDIT-CLASS"}  # fmt: skip
    assert {"DISHONEST-JUDGMENT-DEBTOR", "MAJOR-TAX-VIOLATOR", "WAGE-ARREARS"} <= set(kinds)
    assert {c for c, k in kinds.items() if k is ListKind.KEY_SUPERVISION} == {
        "KEY-MALICIOUS-DEBT-EVASION", "KEY-ILLEGAL-FUNDRAISING", "KEY-TELECOM-FRAUD",
        "KEY-ONLINE-FRAUD", "KEY-SERIOUS-TRAFFIC", "KEY-TAX-DISHONESTY"}  # fmt: skip
    wage = types.in_force("WAGE-ARREARS", dt.date(2026, 1, 1))
    assert (wage.term_months, wage.reach_people, wage.notice_workdays) == (36, True, 10)
    assert wage.early_removal is not None
    assert (wage.early_removal.after_months, wage.early_removal.counted_from) == (6, "correction")
    for t in types:  # every catalog item a type names exists
        for item in t.designated_by.items:
            assert catalog.versions(item), f"{t.code}: {item}"
