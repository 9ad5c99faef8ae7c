"""Computing a score and its explanation from a person's records (R-5.4). Pure: the model, the
records and `today` are parameters.

Every point of the total traces to one record. The steps, for each record the model has a rule
for (revoked records and basic information never count):

1. raw points: the rule's fixed points, its points for the record's severity, or its points per
   whole unit of a numeric field (volunteer hours, yuan donated);
2. the rule's per-record cap;
3. × decay by whole months since the decision date × the share its status keeps (a repaired or
   expired record keeps what the model says, 0 % in the shipped model), truncated toward zero;
4. caps on sums — per rule, then per category, then the model's minimum and maximum — take
   points away from the oldest records first (the newest keep their full value), so that the
   lines still add up: `base + Σ line.final == total`, exactly.

The SQL batch (`service.recompute_all` on PostgreSQL) computes the same totals by the same steps;
only the attribution of cuts to lines (step 4) is left to this module.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from chengxin.catalog.vocab import Category
from chengxin.errors import InvalidInput, NotFound
from chengxin.records.models import RecordStatus
from chengxin.scoring.model import Grade, Rule, ScoreModel

REPAIRABLE = frozenset({"bad", "serious"})
# A field value the per-unit rules read (the same pattern serves PostgreSQL's regular expressions).
NUMBER = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?")


@dataclass(frozen=True, slots=True)
class ScoredFacts:
    """What the score reads of one record (its current version)."""

    record_id: uuid.UUID
    item_code: str
    category: str
    status: str
    severity: str | None
    decision_date: dt.date
    content: str = "{}"  # canonical JSON; read only for per-unit rules


@dataclass(frozen=True, slots=True)
class Line:
    """One record's part of the score."""

    record_id: uuid.UUID
    item_code: str
    category: str  # the category of the rule's points (good, bad, serious)
    status: str
    decision_date: dt.date
    rule: str
    raw: int  # the rule's points for the record, before any cap
    counted: int  # after the rule's per-record cap
    months: int  # whole months from the decision date to the day of the score
    decay: Fraction  # the share left after those months
    status_percent: int  # the share the record's status keeps (100 active, 0 revoked)
    points: int  # counted × decay × status share, truncated toward zero
    cut: int  # taken away by caps on sums (opposite sign of points, or 0)
    caps: tuple[str, ...]  # which caps cut it: record, rule, category, bounds

    @property
    def final(self) -> int:
        return self.points + self.cut


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A score with its explanation: `base + Σ line.final == total`."""

    model_code: str
    model_version: int
    today: dt.date
    base: int
    lines: tuple[Line, ...]
    rule_totals: dict[str, int]  # per rule after the rule's cap (non-zero only)
    category_totals: dict[str, int]  # per category after the category's cap (non-zero only)
    bounds: int  # what the model's minimum or maximum took (0 inside the bounds)
    total: int
    grade: Grade

    def summary(self) -> dict[str, object]:
        """The stored form: sums per rule and per category, the bounds cut. The SQL batch writes
        exactly this, so a stored breakdown does not depend on which path computed it."""
        return {
            "base": self.base,
            "rules": dict(sorted(self.rule_totals.items())),
            "categories": dict(sorted(self.category_totals.items())),
            "bounds": self.bounds,
        }


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The score now, and as it would be if one record were repaired today."""

    record_id: uuid.UUID
    before: Breakdown
    after: Breakdown

    @property
    def change(self) -> int:
        return self.after.total - self.before.total


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (0 if `end` is not later). A month is complete on the
    same day of the month, or on the month's last day when it has no such day."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day and end.day < calendar.monthrange(end.year, end.month)[1]:
        months -= 1
    return max(months, 0)


def month_thresholds(today: dt.date, count: int) -> list[dt.date]:
    """`t[k-1]` is the latest decision date that has `k` whole months by `today` (k = 1..count):
    `months_between(d, today) >= k` exactly when `d <= t[k-1]`. The SQL batch counts months
    with these dates (`width_bucket`), so both paths agree to the day."""
    out = []
    for k in range(1, count + 1):
        index = today.year * 12 + today.month - 1 - k
        year, month = divmod(index, 12)
        last = calendar.monthrange(year, month + 1)[1]
        out.append(dt.date(year, month + 1, min(today.day, last)))
    # A day the shorter month lacks: at the end of `today`'s month every earlier day counts too.
    if today.day == calendar.monthrange(today.year, today.month)[1]:
        out = [dt.date(t.year, t.month, calendar.monthrange(t.year, t.month)[1]) for t in out]
    return out


def truncate(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded toward zero (as SQL integer division does)."""
    quotient = abs(numerator) // denominator
    return quotient if numerator >= 0 else -quotient


def _value(facts: ScoredFacts, name: str) -> Decimal | None:
    """The numeric field `name` of the record's content; None when absent or not a plain
    decimal number (then the rule counts nothing, in SQL alike: `NUMBER`)."""
    try:
        content = json.loads(facts.content, parse_float=Decimal)
    except ValueError:
        return None
    raw = content.get(name) if isinstance(content, dict) else None
    if raw is None or isinstance(raw, bool) or not NUMBER.fullmatch(str(raw)):
        return None
    return Decimal(str(raw))


def _line(model: ScoreModel, rule: Rule, facts: ScoredFacts, today: dt.date) -> Line:
    value = _value(facts, rule.per_unit.field) if rule.per_unit is not None else None
    raw = rule.raw(facts.severity, value)
    counted = raw
    caps: tuple[str, ...] = ()
    if rule.max_per_record is not None and abs(raw) > rule.max_per_record:
        counted = rule.max_per_record if raw > 0 else -rule.max_per_record
        caps = ("record",)
    months = months_between(facts.decision_date, today)
    decay = rule.decay.factor(months)
    percent = model.percent_for(facts.status)
    points = truncate(counted * decay.numerator * percent, decay.denominator * 100)
    return Line(
        record_id=facts.record_id, item_code=facts.item_code, category=rule.category.value,
        status=facts.status, decision_date=facts.decision_date, rule=rule.name, raw=raw,
        counted=counted, months=months, decay=decay, status_percent=percent, points=points,
        cut=0, caps=caps,
    )  # fmt: skip


def _clamp(total: int, cap: int | None) -> int:
    if cap is None or abs(total) <= cap:
        return total
    return cap if total > 0 else -cap


def _cut(lines: list[Line], indexes: Iterable[int], excess: int, cap: str) -> None:
    """Take `excess` (same sign as the points) away from the lines at `indexes`, oldest first."""
    order = sorted(indexes, key=lambda i: (lines[i].decision_date, str(lines[i].record_id)))
    for i in order:
        if excess == 0:
            return
        line = lines[i]
        left = line.final
        if left == 0 or (left > 0) != (excess > 0):
            continue
        take = left if abs(left) <= abs(excess) else excess
        lines[i] = replace(line, cut=line.cut - take, caps=(*line.caps, cap))
        excess -= take


def score(model: ScoreModel, records: Sequence[ScoredFacts], today: dt.date) -> Breakdown:
    """The score of a person with these records on `today`, line by line."""
    lines: list[Line] = []
    for facts in records:
        if facts.status == RecordStatus.REVOKED:
            continue
        rule = model.rule_for(facts.item_code, facts.category)
        if rule is not None:
            lines.append(_line(model, rule, facts, today))
    lines.sort(key=lambda line: (line.decision_date, str(line.record_id)), reverse=True)
    rule_totals: dict[str, int] = {}
    rules = {r.name: r for r in model.rules}
    for name in sorted({line.rule for line in lines}):
        members = [i for i, line in enumerate(lines) if line.rule == name]
        summed = sum(lines[i].points for i in members)
        capped = _clamp(summed, rules[name].cap)
        _cut(lines, members, summed - capped, "rule")
        rule_totals[name] = capped
    category_totals: dict[str, int] = {}
    for category in sorted({line.category for line in lines}):
        members = [i for i, line in enumerate(lines) if line.category == category]
        summed = sum(lines[i].final for i in members)
        capped = _clamp(summed, model.category_caps.get(Category(category)))
        _cut(lines, members, summed - capped, "category")
        category_totals[category] = capped
    unbounded = model.base + sum(category_totals.values())
    total = min(max(unbounded, model.minimum), model.maximum)
    bounds = total - unbounded
    if bounds:
        _cut(lines, range(len(lines)), -bounds, "bounds")
    assert model.base + sum(line.final for line in lines) == total  # noqa: S101  (the promise)
    return Breakdown(
        model_code=model.code, model_version=model.version, today=today, base=model.base,
        lines=tuple(lines), rule_totals={k: v for k, v in rule_totals.items() if v},
        category_totals={k: v for k, v in category_totals.items() if v}, bounds=bounds,
        total=total, grade=model.grade_for(total),
    )  # fmt: skip


def what_if_repaired(
    model: ScoreModel, records: Sequence[ScoredFacts], record_id: uuid.UUID, today: dt.date
) -> WhatIf:
    """The score now and as it would be were `record_id` repaired today (信用修复). Only an
    active bad or serious record can be repaired."""
    target = next((r for r in records if r.record_id == record_id), None)
    if target is None or target.status == RecordStatus.REVOKED:
        raise NotFound("no record of this person has this id", field="repair")
    if target.category not in REPAIRABLE or target.status != RecordStatus.ACTIVE:
        raise InvalidInput(
            "only an active bad or serious record can be repaired",
            field="repair", rule="repairable",
        )  # fmt: skip
    repaired = [
        replace(r, status=RecordStatus.REPAIRED.value) if r.record_id == record_id else r
        for r in records
    ]
    return WhatIf(record_id, score(model, records, today), score(model, repaired, today))
