"""Which measures apply and why, as a pure rule (R-6.2, R-6.3, R-6.4): scenario, list entries,
records shown today, the clean-record period, `unless`, and how long each measure binds."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from chengxin.lists.rules import ListKind
from chengxin.measures.rules import (
    Facts,
    ListingFact,
    ReasonKind,
    RecordFact,
    find_measures,
    shift_months,
)
from chengxin.measures.types import Measure, Scenario

TODAY = dt.date(2026, 11, 26)
BASIS = [{"instrument": "《测试依据》", "article": "第一条"}]
NAMES = {"zh": "名称", "en": "Name"}


def measure(code: str, kind: str, effect: str, target: dict[str, Any],
            scenarios: tuple[str, ...] = ("administrative_licensing",)) -> Measure:  # fmt: skip
    return Measure.model_validate({
        "code": code, "effective_from": "2026-01-01", "kind": kind, "name": NAMES,
        "legal_basis": BASIS, "implementing_department": NAMES, "scenarios": scenarios,
        "effect": effect, "target": target, "duration": NAMES,
    })  # fmt: skip


FLIGHTS = measure("NO-FLIGHT", "punishment", "prohibit",
                  {"any_of": [{"lists": ["DISHONEST-JUDGMENT-DEBTOR"]}]}, ("air_rail_travel",))  # fmt: skip
GREEN = measure("GREEN", "reward", "green_channel", {
    "any_of": [{"clean_years": 3}, {"list_kinds": ["red"]}],
    "unless": [{"list_kinds": ["serious_dishonesty", "key_supervision"]}],
})  # fmt: skip
SCRUTINY = measure("SCRUTINY", "punishment", "heightened_scrutiny",
                   {"any_of": [{"records": {"severities": ["serious"], "within_months": 36}}]})  # fmt: skip
ALL = [FLIGHTS, GREEN, SCRUTINY]


def listing(list_type: str, kind: ListKind, term_end: dt.date | None = None,
            via: bool = False) -> ListingFact:  # fmt: skip
    return ListingFact(uuid.uuid4(), list_type, kind, "（2026）京01执123号", dt.date(2026, 1, 5),
                       term_end, via)  # fmt: skip


def record(decided: dt.date, category: str = "bad", severity: str | None = "general",
           display_end: dt.date | None = dt.date(2029, 1, 1)) -> RecordFact:  # fmt: skip
    return RecordFact(uuid.uuid4(), "PENALTY-TAX", "京税罚〔2026〕1号", category, severity,
                      decided, display_end, under_objection=False)  # fmt: skip


def facts(*items: RecordFact | ListingFact, known: bool = True) -> Facts:
    return Facts(TODAY, known, [i for i in items if isinstance(i, RecordFact)],
                 [i for i in items if isinstance(i, ListingFact)])  # fmt: skip


def codes(scenario: str, f: Facts) -> list[str]:
    return [a.measure.code for a in find_measures(ALL, Scenario(scenario), f).applicable]


def test_r6_4_a_measure_applies_only_in_its_own_scenarios() -> None:
    debtor = facts(listing("DISHONEST-JUDGMENT-DEBTOR", ListKind.SERIOUS_DISHONESTY))
    assert codes("air_rail_travel", debtor) == ["NO-FLIGHT"]
    assert codes("schools", debtor) == []  # nothing beyond what the catalog says
    found = find_measures(ALL, Scenario.AIR_RAIL_TRAVEL, debtor).applicable[0]
    assert [r.kind for r in found.reasons] == [ReasonKind.LIST_ENTRY]
    assert found.until is None  # the entry has no term: it binds until removed


def test_r6_2_three_clean_years_give_the_green_channel_and_a_bad_record_takes_it() -> None:
    assert codes("administrative_licensing", facts()) == ["GREEN"]
    reason = find_measures(ALL, Scenario.ADMINISTRATIVE_LICENSING, facts()).applicable[0].reasons
    assert (reason[0].kind, reason[0].years, reason[0].since) == (
        ReasonKind.CLEAN_RECORD, 3, dt.date(2023, 11, 27))  # fmt: skip
    # a bad record decided on the first day of the window counts; the day before does not
    assert codes("administrative_licensing", facts(record(dt.date(2023, 11, 27)))) == []
    assert codes("administrative_licensing", facts(record(dt.date(2023, 11, 26)))) == ["GREEN"]
    # good records and basic information do not spoil a clean record
    assert codes("administrative_licensing", facts(record(TODAY, category="good"))) == ["GREEN"]
    # nobody can vouch for an ID number the registry does not hold
    assert codes("administrative_licensing", facts(known=False)) == []


def test_r6_2_a_red_listing_is_withheld_while_a_dishonesty_listing_binds() -> None:
    red = listing("RED-MORAL-MODEL", ListKind.RED)
    supervised = listing("KEY-TAX-DISHONESTY", ListKind.KEY_SUPERVISION)
    assert codes("administrative_licensing", facts(red, record(TODAY))) == ["GREEN"]
    finding = find_measures(ALL, Scenario.ADMINISTRATIVE_LICENSING, facts(red, supervised))
    assert finding.applicable == []
    assert [(w.measure.code, w.reasons[0].listing) for w in finding.withheld] == [
        ("GREEN", supervised)]  # fmt: skip


def test_r6_3_records_count_by_severity_within_their_window_and_until_the_earlier_end() -> None:
    serious = record(dt.date(2025, 3, 10), severity="serious", display_end=dt.date(2030, 1, 1))
    found = find_measures(ALL, Scenario.ADMINISTRATIVE_LICENSING, facts(serious)).applicable
    assert [a.measure.code for a in found] == ["SCRUTINY"]
    assert found[0].until == dt.date(2028, 3, 9)  # 36 months from the decision, before 2030
    short = record(dt.date(2025, 3, 10), severity="serious", display_end=dt.date(2026, 12, 31))
    found = find_measures(ALL, Scenario.ADMINISTRATIVE_LICENSING, facts(short)).applicable
    assert found[0].until == dt.date(2026, 12, 31)
    old = record(dt.date(2023, 11, 26), severity="serious")
    assert codes("administrative_licensing", facts(old)) == ["GREEN"]  # outside 36 months
    assert codes("administrative_licensing", facts(record(TODAY))) == []  # general: neither


def test_r6_3_an_organisations_listing_reaching_the_person_is_a_reason() -> None:
    via = listing("DISHONEST-JUDGMENT-DEBTOR", ListKind.SERIOUS_DISHONESTY,
                  term_end=dt.date(2029, 1, 4), via=True)  # fmt: skip
    found = find_measures(ALL, Scenario.AIR_RAIL_TRAVEL, facts(via)).applicable
    assert found[0].reasons[0].listing == via
    assert found[0].until == dt.date(2029, 1, 4)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2026, 11, 26), -36, dt.date(2023, 11, 26)),
    (dt.date(2024, 2, 29), -12, dt.date(2023, 2, 28)),  # clamped to the month's end
    (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
    (dt.date(2026, 1, 15), -1, dt.date(2025, 12, 15)),
])  # fmt: skip
def test_shift_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert shift_months(day, months) == expected


@pytest.mark.parametrize(("change", "message"), [
    ({"effect": "prohibit"}, "does not fit a reward"),
    ({"kind": "punishment"}, "cannot target a clean record"),
    ({"target": {"any_of": []}}, "at least 1"),
    ({"target": {"any_of": [{"lists": ["X-Y"], "clean_years": 3}]}}, "exactly one"),
    ({"target": {"any_of": [{"records": {"within_months": 3}}]}}, "name items, categories or severities"),
    ({"target": {"any_of": [{"clean_years": 3}], "unless": [{"clean_years": 1}]}}, "cannot exclude"),
    ({"scenarios": ["space_travel"]}, "scenarios"),
    ({"surprise": 1}, "Extra inputs"),
])  # fmt: skip
def test_r6_3_a_measure_that_does_not_hold_together_is_refused(
    change: dict[str, Any], message: str
) -> None:
    raw = GREEN.model_dump(mode="json") | change
    if change.get("kind") == "punishment":
        raw["effect"] = "restrict"
    with pytest.raises(ValidationError, match=message):
        Measure.model_validate(raw)
