"""Properties of the integrity score (诚信积分, R-5.4) under the shipped model and a tighter
variant of it: the score stays within the model's bounds, its explanation adds up to it point
by point, it does not depend on the order of the records, a bad record never raises it and a
repair never lowers it (R-4.3)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random

from hypothesis import assume, given
from hypothesis import strategies as st

from chengxin.catalog.loader import load_catalog
from chengxin.records.models import RecordStatus
from chengxin.scoring.loader import load_models
from chengxin.scoring.model import Decay, DecayKind, ScoreModel
from chengxin.scoring.rules import (
    ScoredFacts,
    month_thresholds,
    months_between,
    score,
    what_if_repaired,
)

SHIPPED = load_models(None, load_catalog())[0]
# The same rules on a narrow scale, so that the model's minimum and maximum cut often.
TIGHT = dataclasses.replace(
    SHIPPED,
    version=99,
    minimum=450,
    maximum=680,
    grades=tuple(g for g in SHIPPED.grades if g.minimum >= 400),
)
GOOD_ITEMS = sorted(SHIPPED.item_rules)
OTHER_ITEMS = ["PENALTY-GENERAL", "LIST-SERIOUS-DISHONESTY", "REGISTRATION-BASIC", "HONOUR-NEW"]
TODAY = dt.date(2026, 11, 26)

dates = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2027, 6, 30))
statuses = st.sampled_from([s.value for s in RecordStatus])
severities = st.sampled_from([None, "minor", "general", "serious"])
models = st.sampled_from([SHIPPED, TIGHT])


def content_for(item: str, amount: int) -> str:
    rule = SHIPPED.item_rules.get(item)
    if rule is None or rule.per_unit is None:
        return "{}"
    return json.dumps({rule.per_unit.field: str(amount)})


@st.composite
def records(draw: st.DrawFn, *, categories: tuple[str, ...] | None = None,
            status: str | None = None) -> ScoredFacts:  # fmt: skip
    """One record's facts; good items have their own rules, others fall to their category's."""
    if categories is None:
        item = draw(st.sampled_from(GOOD_ITEMS + OTHER_ITEMS))
        category = (
            "good"
            if item in SHIPPED.item_rules
            else draw(st.sampled_from(["basic", "good", "bad", "serious"]))
        )
    else:
        category = draw(st.sampled_from(categories))
        item = draw(st.sampled_from(GOOD_ITEMS if category == "good" else OTHER_ITEMS))
    return ScoredFacts(
        record_id=draw(st.uuids()),
        item_code=item,
        category=category,
        status=status or draw(statuses),
        severity=draw(severities),
        decision_date=draw(dates),
        content=content_for(item, draw(st.integers(-100, 30000))),
    )


def person(categories: tuple[str, ...] | None = None) -> st.SearchStrategy[list[ScoredFacts]]:
    return st.lists(records(categories=categories), max_size=25, unique_by=lambda r: r.record_id)


@given(models, person(), dates)
def test_r5_4_the_score_stays_within_bounds_and_its_lines_add_up(
    model: ScoreModel, facts: list[ScoredFacts], today: dt.date
) -> None:
    """R-5.4: minimum ≤ total ≤ maximum; base + Σ lines == total; every point traces to a
    counted record of the person, with the sign of its category; the grade is the band of the
    total."""
    b = score(model, facts, today)
    assert model.minimum <= b.total <= model.maximum
    assert b.base + sum(line.final for line in b.lines) == b.total
    counted = {r.record_id for r in facts if r.status != RecordStatus.REVOKED}
    assert {line.record_id for line in b.lines} <= counted
    for line in b.lines:
        sign = 1 if line.category == "good" else -1
        assert 0 <= sign * line.final <= sign * line.points <= sign * line.counted
        assert abs(line.counted) <= abs(line.raw)
    higher = [g.minimum for g in model.grades if g.minimum > b.grade.minimum]
    assert b.grade.minimum <= b.total or b.grade == model.grades[0]
    assert not higher or b.total < min(higher)


@given(models, person(), dates, st.randoms(use_true_random=False))
def test_r5_4_the_score_does_not_depend_on_the_order_of_the_records(
    model: ScoreModel, facts: list[ScoredFacts], today: dt.date, rnd: random.Random
) -> None:
    """R-5.4: the same records in another order give the same score and the same explanation."""
    shuffled = list(facts)
    rnd.shuffle(shuffled)
    assert score(model, shuffled, today) == score(model, facts, today)


@given(models, person(), records(categories=("bad", "serious")), dates)
def test_r5_4_a_further_bad_record_never_raises_the_score(
    model: ScoreModel, facts: list[ScoredFacts], bad: ScoredFacts, today: dt.date
) -> None:
    """R-5.4: adding a bad or serious record never raises the score; a good one never lowers
    it (caps only ever stop a change, never turn it round)."""
    assume(all(r.record_id != bad.record_id for r in facts))
    before = score(model, facts, today).total
    assert score(model, [*facts, bad], today).total <= before
    good = dataclasses.replace(bad, category="good", item_code="HONOUR-NEW")
    assert score(model, [*facts, good], today).total >= before


@given(models, person(), dates)
def test_r5_4_revoked_records_count_for_nothing(
    model: ScoreModel, facts: list[ScoredFacts], today: dt.date
) -> None:
    """R-5.4, R-2.3: a record revoked by its source leaves no trace in the score."""
    kept = [r for r in facts if r.status != RecordStatus.REVOKED]
    assert score(model, facts, today) == score(model, kept, today)


@given(models, person(), records(categories=("bad", "serious"), status="active"), dates)
def test_r4_3_a_repair_never_lowers_the_score(
    model: ScoreModel, facts: list[ScoredFacts], bad: ScoredFacts, today: dt.date
) -> None:
    """R-4.3, R-5.4: repairing an active bad record can only raise the score (what-if)."""
    assume(all(r.record_id != bad.record_id for r in facts))
    change = what_if_repaired(model, [*facts, bad], bad.record_id, today)
    assert change.change >= 0
    repaired = [*facts, dataclasses.replace(bad, status="repaired")]
    assert change.after == score(model, repaired, today)
    assert change.before == score(model, [*facts, bad], today)


@given(models, person(categories=("bad", "serious")), dates, st.integers(0, 2000))
def test_r5_4_bad_records_weigh_less_as_time_passes(
    model: ScoreModel, facts: list[ScoredFacts], today: dt.date, later: int
) -> None:
    """R-5.4: points fade with time: with only bad records the score never falls as the days
    pass; with only good ones it never rises."""
    after = today + dt.timedelta(days=later)
    assert score(model, facts, after).total >= score(model, facts, today).total
    good = [dataclasses.replace(r, category="good", item_code="HONOUR-NEW") for r in facts]
    assert score(model, good, after).total <= score(model, good, today).total


@given(dates, dates, st.integers(1, 120))
def test_r5_4_month_thresholds_count_whole_months_as_months_between(
    decision: dt.date, today: dt.date, count: int
) -> None:
    """R-5.4: the SQL batch's month thresholds agree to the day with the Python count of
    whole months: months_between(d, today) ≥ k exactly when d ≤ t[k-1]."""
    thresholds = month_thresholds(today, count)
    months = months_between(decision, today)
    for k, last in enumerate(thresholds, start=1):
        assert (months >= k) == (decision <= last)


@given(st.sampled_from(list(DecayKind)), st.integers(1, 60), st.integers(0, 36),
       st.integers(0, 200), st.integers(0, 200))  # fmt: skip
def test_r5_4_decay_is_a_share_that_only_shrinks(
    kind: DecayKind, months: int, hold: int, a: int, b: int
) -> None:
    """R-5.4: the share of points left is between 0 and 1 and never grows with time."""
    decay = Decay(kind, months, hold)
    early, late = sorted((a, b))
    assert 0 <= decay.factor(late) <= decay.factor(early) <= 1
    assert decay.factor(decay.horizon_months + late) == decay.factor(decay.horizon_months)
