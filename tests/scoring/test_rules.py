"""The score and its explanation (R-5.4), pure: every line names its record, the lines and the
base add up to the total exactly, and caps, decay, statuses and repair work as the model says."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from fractions import Fraction

import pytest

from chengxin.catalog.schema import Catalog
from chengxin.errors import InvalidInput, NotFound
from chengxin.scoring.model import Decay, DecayKind, ScoreModel
from chengxin.scoring.rules import (
    Breakdown,
    ScoredFacts,
    month_thresholds,
    months_between,
    score,
    truncate,
    what_if_repaired,
)
from tests.scoring.support import BASE, TODAY, fact, model_of


@pytest.fixture(scope="module")
def tight(catalog: Catalog) -> ScoreModel:
    return model_of(catalog)


def months_ago(n: int, day: dt.date = TODAY) -> dt.date:
    index = day.year * 12 + day.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, min(day.day, 28))


def adds_up(b: Breakdown) -> None:
    assert b.base + sum(line.final for line in b.lines) == b.total


def by_item(b: Breakdown) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for line in b.lines:
        out.setdefault(line.item_code, []).append(line.final)
    return out


# --- months and decay ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2026-01-15", "2026-02-14", 0),
        ("2026-01-15", "2026-02-15", 1),
        ("2026-01-31", "2026-02-27", 0),
        ("2026-01-31", "2026-02-28", 1),  # February has no 31st: its last day completes the month
        ("2024-01-31", "2024-02-29", 1),
        ("2026-03-31", "2026-04-30", 1),
        ("2025-11-26", "2026-11-26", 12),
        ("2026-11-27", "2026-11-26", 0),  # a future decision counts in full
    ],
)
def test_months_between(start: str, end: str, months: int) -> None:
    assert months_between(dt.date.fromisoformat(start), dt.date.fromisoformat(end)) == months


def test_month_thresholds_agree_with_months_between_to_the_day() -> None:
    """The SQL batch counts months by these dates; every day of 2023-2026 against every decision
    date of the five years before it."""
    for today in (dt.date(2023, 1, 1) + dt.timedelta(days=n) for n in range(0, 1461, 3)):
        thresholds = month_thresholds(today, 62)
        for back in range(0, 1900, 7):
            decided = today - dt.timedelta(days=back)
            counted = sum(1 for t in thresholds if decided <= t)
            assert counted == min(months_between(decided, today), 62), (today, decided)


def test_decay_factors() -> None:
    linear = Decay(DecayKind.LINEAR, months=12, hold_months=6)
    assert [linear.factor(m) for m in (0, 6, 7, 12, 18, 99)] == [
        1, 1, Fraction(11, 12), Fraction(1, 2), 0, 0]  # fmt: skip
    halving = Decay(DecayKind.HALVING, months=6)
    assert [halving.factor(m) for m in (5, 6, 12, 18)] == [1, Fraction(1, 2), Fraction(1, 4),
                                                          Fraction(1, 8)]  # fmt: skip
    assert Decay().factor(500) == 1
    assert (truncate(-7, 2), truncate(7, 2), truncate(0, 3)) == (-3, 3, 0)


# --- points, caps, decay, statuses -----------------------------------------------------------


def test_every_line_names_its_record_and_the_lines_add_up(tight: ScoreModel) -> None:
    tax = fact("PENALTY-TAX", "bad", severity="general")
    moral = fact("HONOUR-MORAL-MODEL", "good", months_ago(2))
    b = score(tight, [tax, moral], TODAY)
    assert {line.record_id for line in b.lines} == {tax.record_id, moral.record_id}
    assert b.total == 100 - 8 + 25 == 117
    assert b.grade.code == "B"
    assert b.rule_totals == {"bad": -8, "moral": 25}
    assert b.category_totals == {"bad": -8, "good": 25}
    adds_up(b)
    assert b.summary() == {"base": 100, "rules": {"bad": -8, "moral": 25},
                           "categories": {"bad": -8, "good": 25}, "bounds": 0}  # fmt: skip


@pytest.mark.parametrize(("severity", "points"),
                         [("minor", -2), ("general", -8), ("serious", -30), (None, -10)])  # fmt: skip
def test_bad_records_count_by_severity(
    tight: ScoreModel, severity: str | None, points: int
) -> None:
    b = score(tight, [fact("PENALTY-TRAFFIC", "bad", severity=severity)], TODAY)
    assert [line.final for line in b.lines] == [points]


def test_per_unit_points_per_record_cap_and_rule_cap(tight: ScoreModel) -> None:
    hours = [fact("VOLUNTEER-SERVICE-HOURS", "good", months_ago(n), content={"hours": h})
             for n, h in ((1, "100"), (2, "29.9"), (3, "250.5"), (4, "7"))]  # fmt: skip
    b = score(tight, hours, TODAY)
    lines = {line.record_id: line for line in b.lines}
    first, second, third, fourth = (lines[h.record_id] for h in hours)
    assert (first.raw, first.counted, first.caps) == (30, 15, ("record",))
    assert (second.raw, second.counted) == (6, 6)  # 29.9 hours: two whole units of 10
    assert (third.raw, third.counted) == (75, 15)
    assert fourth.raw == 0
    for odd in ("1e3", "abc", "", " 12", "-40", None, True, 12, 25.5):
        line = score(
            tight, [fact("VOLUNTEER-SERVICE-HOURS", "good", content={"hours": odd})], TODAY
        )
        assert line.lines[0].raw == {12: 3, 25.5: 6}.get(odd, 0), odd
    # 15 + 6 + 15 = 36 under the rule cap of 40: nothing cut.
    assert b.total == 136
    more = [*hours, fact("VOLUNTEER-SERVICE-HOURS", "good", content={"hours": "60"})]
    b = score(tight, more, TODAY)
    assert b.rule_totals == {"hours": 40}
    # The newest records keep their value; the oldest with points (third) gives way.
    cut = {line.record_id: (line.final, line.caps) for line in b.lines}
    assert cut[hours[2].record_id] == (4, ("record", "rule"))  # 15 + 6 + 15 + 15 = 51: 11 cut
    assert cut[more[-1].record_id] == (15, ("record",))
    adds_up(b)


def test_category_cap_takes_from_the_oldest(tight: ScoreModel) -> None:
    old, *_, new = penalties = [
        fact("PENALTY-TAX", "bad", months_ago(n), severity="serious") for n in (9, 5, 3, 1)
    ]
    b = score(tight, penalties, TODAY)
    assert b.category_totals == {"bad": -60}
    finals = {line.record_id: line.final for line in b.lines}
    assert finals[new.record_id] == -30
    assert finals[old.record_id] == 0
    assert b.total == 40
    adds_up(b)


def test_bounds_are_a_cap_too(tight: ScoreModel) -> None:
    records = [fact("LIST-SERIOUS-DISHONESTY", "serious", months_ago(n)) for n in (1, 2, 3)]
    records += [fact("PENALTY-TAX", "bad", months_ago(n), severity="serious") for n in (1, 2)]
    b = score(tight, records, TODAY)
    # serious -150 capped at -90, bad -60: 100 - 150 = -50, bounded at 0.
    assert (b.category_totals, b.bounds, b.total, b.grade.code) == (
        {"serious": -90, "bad": -60}, 50, 0, "C")  # fmt: skip
    assert any("bounds" in line.caps for line in b.lines)
    adds_up(b)


def test_decay_by_months_since_the_decision(tight: ScoreModel) -> None:
    moral = [fact("HONOUR-MORAL-MODEL", "good", months_ago(n)) for n in (6, 12, 18)]
    assert [score(tight, [m], TODAY).total - 100 for m in moral] == [25, 12, 0]
    blood = [fact("HONOUR-BLOOD-DONATION", "good", months_ago(n)) for n in (5, 6, 12, 18)]
    b = [score(tight, [m], TODAY) for m in blood]
    assert [x.total - 100 for x in b] == [5, 2, 1, 0]  # halving every 6 months, toward zero
    assert b[1].lines[0].decay == Fraction(1, 2)
    assert b[1].lines[0].rule == "good"  # no item rule: the category's


def test_statuses_repaired_expired_revoked(tight: ScoreModel, catalog: Catalog) -> None:
    records = [fact("PENALTY-TAX", "bad", severity="general", status=s)
               for s in ("active", "repaired", "expired", "revoked")]  # fmt: skip
    b = score(tight, records, TODAY)
    assert {line.status: line.final for line in b.lines} == {
        "active": -8, "repaired": 0, "expired": 0}  # fmt: skip
    assert b.total == 92
    half = model_of(catalog, {**BASE, "statuses": {"expired": 100, "repaired": 50}})
    b = score(half, records, TODAY)
    assert {line.status: line.final for line in b.lines} == {
        "active": -8, "repaired": -4, "expired": -8}  # fmt: skip


def test_an_item_rule_wins_and_basic_information_never_counts(tight: ScoreModel) -> None:
    b = score(tight, [fact("HONOUR-MORAL-MODEL", "good"), fact("QUAL-LAWYER", "basic")], TODAY)
    assert [(line.item_code, line.rule) for line in b.lines] == [("HONOUR-MORAL-MODEL", "moral")]


@pytest.mark.parametrize(("total", "grade"), [(0, "C"), (79, "C"), (80, "B"), (120, "A")])
def test_grades_start_at_their_threshold(tight: ScoreModel, total: int, grade: str) -> None:
    assert tight.grade_for(total).code == grade


ITEMS = [("PENALTY-TAX", "bad"), ("CONTRACT-BREACH", "bad"), ("LIST-SERIOUS-DISHONESTY", "serious"),
         ("HONOUR-MORAL-MODEL", "good"), ("HONOUR-BLOOD-DONATION", "good"),
         ("VOLUNTEER-SERVICE-HOURS", "good"), ("DONATION-CHARITABLE", "good"),
         ("QUAL-LAWYER", "basic")]  # fmt: skip


def random_records(rnd: random.Random, count: int) -> list[ScoredFacts]:
    out = []
    for _ in range(count):
        item, category = rnd.choice(ITEMS)
        content = {"hours": f"{rnd.randint(0, 900)}.{rnd.randint(0, 9)}",
                   "amount": str(rnd.randint(0, 90000))}  # fmt: skip
        out.append(fact(item, category, TODAY - dt.timedelta(days=rnd.randint(-5, 3000)),
                        severity=rnd.choice([None, "minor", "general", "serious"]),
                        status=rnd.choice(["active", "active", "expired", "repaired", "revoked"]),
                        content=content))  # fmt: skip
    return out


def test_explanations_add_up_for_many_random_people(tight: ScoreModel, model: ScoreModel) -> None:
    rnd = random.Random(20261126)  # noqa: S311  (reproducible test data)
    for _ in range(400):
        records = random_records(rnd, rnd.randint(0, 40))
        for m in (tight, model):
            b = score(m, records, TODAY)
            adds_up(b)
            assert m.minimum <= b.total <= m.maximum
            assert b.grade == m.grade_for(b.total)
            for line in b.lines:
                assert abs(line.final) <= abs(line.points)
                assert line.final * line.points >= 0
            assert b.base + sum(b.category_totals.values()) + b.bounds == b.total


# --- what if a record were repaired ----------------------------------------------------------


def test_what_if_a_repair(tight: ScoreModel) -> None:
    tax = fact("PENALTY-TAX", "bad", severity="general")
    moral = fact("HONOUR-MORAL-MODEL", "good")
    what = what_if_repaired(tight, [tax, moral], tax.record_id, TODAY)
    assert (what.before.total, what.after.total, what.change) == (117, 125, 8)
    adds_up(what.after)
    with pytest.raises(InvalidInput, match="only an active bad or serious record"):
        what_if_repaired(tight, [tax, moral], moral.record_id, TODAY)
    repaired = fact("PENALTY-TAX", "bad", status="repaired")
    with pytest.raises(InvalidInput):
        what_if_repaired(tight, [repaired], repaired.record_id, TODAY)
    revoked = fact("PENALTY-TAX", "bad", status="revoked")
    for unknown in (revoked.record_id, uuid.uuid4()):
        with pytest.raises(NotFound):
            what_if_repaired(tight, [tax, revoked], unknown, TODAY)
