"""The full recompute as one set-based statement on PostgreSQL (R-5.4).

`score_query(model, today)` writes the model as SQL: one pass over the records of opted-in people,
grouped by person, with one filtered sum per rule; the caps per rule and per category, the
bounds and the grade over those sums. Every step of `rules.score` has its SQL form:

- months since the decision date: `width_bucket` over the dates at which each whole month is
  reached (`rules.month_thresholds`), so both paths count months identically;
- decay, status share and truncation: integer arithmetic (`/` on integers truncates toward zero
  in PostgreSQL as `rules.truncate` does);
- per-unit points: `div(value, unit)` on numeric, as Decimal's `//` on non-negative values.

Only the attribution of cuts to single records is not done here: the batch stores totals and
the sums per rule and category (`Breakdown.summary`); an explanation is computed when asked for.
Values come in as bound parameters; only integers the loader has checked are written inline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chengxin.catalog.vocab import Category
from chengxin.records.models import RecordStatus
from chengxin.scoring.model import DecayKind, Rule, ScoreModel
from chengxin.scoring.rules import NUMBER, month_thresholds


class _Params:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, value: Any, cast: str = "text") -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"CAST(:{name} AS {cast})"


def _months(p: _Params, today: dt.date, horizon: int) -> str:
    """Whole months since the decision date, counted up to `horizon` (enough for every decay)."""
    horizon = min(horizon, (today.year - 1) * 12)  # no decision date lies before year 1
    if horizon == 0:
        return "0"
    ascending = [t + dt.timedelta(days=1) for t in reversed(month_thresholds(today, horizon))]
    return f"({horizon} - width_bucket(x.decision_date, {p.bind(ascending, 'date[]')}))"


def _raw(p: _Params, rule: Rule) -> str:
    """The record's points after the per-record cap, as an integer expression."""
    if rule.per_unit is not None:
        unit = rule.per_unit
        # Only plain decimal numbers count (rules.NUMBER); anything else counts 0, as in Python.
        # substring() gives the whole value when it matches, else NULL: one JSON parse a record.
        field = f"CAST(x.content AS json) ->> {p.bind(unit.field)}"
        number = p.bind(f"^{NUMBER.pattern}$")
        value = f"COALESCE(CAST(substring({field} FROM {number}) AS numeric), 0)"
        raw = f"div(GREATEST({value}, 0), {p.bind(unit.unit, 'numeric')}) * {int(unit.points)}"
    elif rule.by_severity:
        cases = " ".join(
            f"WHEN {p.bind(level.value)} THEN {int(points)}"
            for level, points in rule.by_severity.items()
        )
        raw = f"CASE x.severity {cases} ELSE {int(rule.points)} END"
    else:
        raw = str(int(rule.points))
    if rule.max_per_record is not None:
        limit = int(rule.max_per_record)
        raw = f"LEAST({raw}, {limit})" if rule.sign > 0 else f"GREATEST({raw}, {-limit})"
    return f"CAST({raw} AS bigint)"


def _points(p: _Params, model: ScoreModel, rule: Rule, months: str) -> str:
    """raw × decay × status share, truncated toward zero, as an int."""
    decay = rule.decay
    fading = f"GREATEST({months} - {int(decay.hold_months)}, 0)"
    if decay.kind is DecayKind.LINEAR:
        num, den = f"GREATEST({int(decay.months)} - {fading}, 0)", str(int(decay.months))
    elif decay.kind is DecayKind.HALVING:
        halvings = f"LEAST({fading} / {int(decay.months)}, 40)"
        num, den = "1", f"(CAST(1 AS bigint) << {halvings})"
    else:
        num, den = "1", "1"
    shares = " ".join(
        f"WHEN {p.bind(status.value)} THEN {int(model.status_percent.get(status, 0))}"
        for status in (RecordStatus.EXPIRED, RecordStatus.REPAIRED)
    )
    percent = f"CASE x.status {shares} ELSE 100 END"
    return f"CAST({_raw(p, rule)} * {num} * {percent} / ({den} * 100) AS int)"


def _capped(value: str, cap: int | None, sign: int) -> str:
    # Never on a NULL: LEAST and GREATEST skip NULLs in PostgreSQL.
    if cap is None:
        return value
    return f"LEAST({value}, {int(cap)})" if sign > 0 else f"GREATEST({value}, {-int(cap)})"


def score_query(model: ScoreModel, today: dt.date) -> tuple[str, dict[str, Any]]:
    """`SELECT subject_id, total, grade, breakdown, records` for every opted-in person."""
    p = _Params()
    months = _months(p, today, model.horizon_months)
    rules = list(model.rules)
    items = [r.item for r in rules if r.item is not None]
    items_param = p.bind(items, "text[]")
    sums, conditions = [], []
    for i, rule in enumerate(rules):
        if rule.item is not None:
            condition = f"x.item_code = {p.bind(rule.item)}"
        else:
            condition = f"x.category = {p.bind(rule.category.value)}"
            if items:
                condition += f" AND x.item_code <> ALL({items_param})"
        conditions.append(condition)
        sums.append(f"SUM({_points(p, model, rule, months)}) FILTER (WHERE {condition}) AS s{i}")
    statuses = [RecordStatus.ACTIVE.value] + [
        s.value
        for s in (RecordStatus.EXPIRED, RecordStatus.REPAIRED)
        if model.status_percent.get(s, 0) > 0
    ]
    categories = sorted({r.category for r in rules}, key=lambda c: c.value)
    rule_totals = ", ".join(
        f"{_capped(f'COALESCE(a.s{i}, 0)', r.cap, r.sign)} AS t{i}" for i, r in enumerate(rules)
    )
    category_sums = []
    for category in categories:
        members = " + ".join(f"t{i}" for i, r in enumerate(rules) if r.category is category)
        sign = 1 if category is Category.GOOD else -1
        cap = model.category_caps.get(category)
        category_sums.append(f"{_capped(f'({members})', cap, sign)} AS c_{category.value}")
    unbounded = " + ".join([str(int(model.base)), *(f"c_{c.value}" for c in categories)])
    grades = " ".join(
        f"WHEN total >= {int(g.minimum)} THEN {p.bind(g.code)}" for g in reversed(model.grades)
    )
    rule_json = ", ".join(f"{p.bind(r.name)}, NULLIF(t{i}, 0)" for i, r in enumerate(rules))
    category_json = ", ".join(f"{p.bind(c.value)}, NULLIF(c_{c.value}, 0)" for c in categories)
    t_columns = ", ".join(f"t{i}" for i in range(len(rules)))
    c_columns = ", ".join(f"c_{c.value}" for c in categories)
    # Only bound parameters, checked integers and generated names go into the text.
    sql = f"""
SELECT subject_id, total, CASE {grades} ELSE {p.bind(model.grades[0].code)} END AS grade,
       json_build_object(
           'base', {int(model.base)},
           'rules', json_strip_nulls(json_build_object({rule_json})),
           'categories', json_strip_nulls(json_build_object({category_json})),
           'bounds', total - unbounded) AS breakdown,
       records
FROM (
    SELECT subject_id, records, {t_columns}, {c_columns}, unbounded,
           LEAST(GREATEST(unbounded, {int(model.minimum)}), {int(model.maximum)}) AS total
    FROM (
        SELECT subject_id, records, {t_columns}, {c_columns}, {unbounded} AS unbounded
        FROM (
            SELECT subject_id, records, {t_columns}, {", ".join(category_sums)}
            FROM (
                SELECT o.subject_id, COALESCE(a.records, 0) AS records, {rule_totals}
                FROM score_opt_ins o
                LEFT JOIN (
                    SELECT x.subject_id, count(*) AS records, {", ".join(sums)}
                    FROM records x
                    JOIN score_opt_ins oi ON oi.subject_id = x.subject_id
                    WHERE x.status = ANY({p.bind(statuses, "text[]")})
                      AND ({" OR ".join(f"({c})" for c in conditions)})
                    GROUP BY x.subject_id
                ) a ON a.subject_id = o.subject_id
            ) l1
        ) l2
    ) l3
) l4"""  # noqa: S608
    return sql, p.values
