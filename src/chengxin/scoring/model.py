"""The integrity score model (R-5.4) as values: what a score starts from, what each kind of record
adds or takes away, how points fade with time, where they stop, and the grades. Pure.

A model is data (`data/model-2026.yaml`), versioned by `effective_from`; `loader.py` reads and
checks it. Every number here is an integer or an exact fraction so that an explanation adds up to
the score to the last point, in Python and in SQL alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from chengxin.catalog.vocab import Category, Severity
from chengxin.records.models import RecordStatus

SCORED_CATEGORIES = (Category.GOOD, Category.BAD, Category.SERIOUS)
"""Basic information (registration, qualifications, licences) is not conduct and never scores."""

MAX_HALVINGS = 40  # after 40 halvings no whole point is left of any rule's points


class DecayKind(StrEnum):
    NONE = "none"  # the record counts in full for as long as it counts at all
    LINEAR = "linear"  # full for `hold_months`, then down by equal steps to zero over `months`
    HALVING = "halving"  # full for `hold_months`, then halves every `months` (step by step)


@dataclass(frozen=True, slots=True)
class Decay:
    """How a record's points fade with the whole months since its decision date."""

    kind: DecayKind = DecayKind.NONE
    months: int = 0  # linear: months to reach zero; halving: months per halving
    hold_months: int = 0  # months at full value before fading starts

    def factor(self, months_elapsed: int) -> Fraction:
        """The share of the points left after `months_elapsed` whole months (0 ≤ factor ≤ 1)."""
        fading = max(0, months_elapsed - self.hold_months)
        if self.kind is DecayKind.NONE or fading == 0:
            return Fraction(1)
        if self.kind is DecayKind.LINEAR:
            return Fraction(max(0, self.months - fading), self.months)
        halvings = min(fading // self.months, MAX_HALVINGS)
        return Fraction(1, 2**halvings)

    @property
    def horizon_months(self) -> int:
        """Months after which the factor no longer changes."""
        if self.kind is DecayKind.NONE:
            return 0
        if self.kind is DecayKind.LINEAR:
            return self.hold_months + self.months
        return self.hold_months + self.months * MAX_HALVINGS

    def describe(self) -> str:
        if self.kind is DecayKind.NONE:
            return "no decay"
        hold = f"full for {self.hold_months} months, then " if self.hold_months else ""
        if self.kind is DecayKind.LINEAR:
            return f"{hold}linear to zero over {self.months} months"
        return f"{hold}halving every {self.months} months"


@dataclass(frozen=True, slots=True)
class PerUnit:
    """Points scaled by a numeric field of the record: `points` for every whole `unit` of it
    (e.g. 1 point per 10 volunteer hours, 1 point per 1,000 yuan donated)."""

    field: str
    unit: Decimal
    points: int

    def raw(self, value: Decimal) -> int:
        if value <= 0:
            return 0
        return int(value // self.unit) * self.points


@dataclass(frozen=True, slots=True)
class Rule:
    """Points for each record of one catalog item (`item`) or of one category (`category`).

    An item's own rule wins over its category's rule. Points are fixed (`points`, overridden per
    severity by `by_severity`) or scaled (`per_unit`); `max_per_record` caps one record and
    `cap` the sum of all the person's records under this rule (both as absolute values).
    """

    name: str
    category: Category  # the category the points belong to (the item's, for an item rule)
    item: str | None = None
    points: int = 0
    by_severity: Mapping[Severity, int] = field(default_factory=dict)
    per_unit: PerUnit | None = None
    max_per_record: int | None = None
    cap: int | None = None
    decay: Decay = field(default_factory=Decay)
    note: str = ""

    @property
    def sign(self) -> int:
        return 1 if self.category is Category.GOOD else -1

    def raw(self, severity: str | None, value: Decimal | None) -> int:
        """The record's points before the per-record cap, decay and status."""
        if self.per_unit is not None:
            return self.per_unit.raw(value if value is not None else Decimal(0))
        if severity is not None:
            for level, points in self.by_severity.items():
                if level.value == severity:
                    return points
        return self.points


@dataclass(frozen=True, slots=True)
class Grade:
    """A band of the score: `code` (e.g. AAA) from `minimum` up to the next grade's minimum."""

    code: str
    minimum: int
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class ScoreModel:
    """One version of a score model, in force from `effective_from` until the next one."""

    code: str
    version: int
    effective_from: dt.date
    name_zh: str
    name_en: str
    base: int
    minimum: int
    maximum: int
    rules: tuple[Rule, ...]
    category_caps: Mapping[Category, int]
    status_percent: Mapping[RecordStatus, int]  # ACTIVE 100, REVOKED 0 always
    grades: tuple[Grade, ...]  # ascending minimums; the first starts at `minimum`
    source: str = ""  # the file it came from
    item_rules: Mapping[str, Rule] = field(init=False, repr=False, compare=False)
    category_rules: Mapping[str, Rule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        items = {r.item: r for r in self.rules if r.item is not None}
        categories = {r.category.value: r for r in self.rules if r.item is None}
        object.__setattr__(self, "item_rules", items)
        object.__setattr__(self, "category_rules", categories)

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"

    def rule_for(self, item_code: str, category: str) -> Rule | None:
        """The rule a record falls under: its item's own rule, else its category's, else none."""
        by_item = self.item_rules.get(item_code)
        if by_item is not None:
            return by_item
        return self.category_rules.get(category)

    def percent_for(self, status: str) -> int:
        if status == RecordStatus.REVOKED:
            return 0
        return self.status_percent.get(RecordStatus(status), 100)

    def grade_for(self, total: int) -> Grade:
        chosen = self.grades[0]
        for grade in self.grades:
            if total >= grade.minimum:
                chosen = grade
        return chosen

    @property
    def horizon_months(self) -> int:
        return max((r.decay.horizon_months for r in self.rules), default=0)


def model_in_force(models: Sequence[ScoreModel], on: dt.date) -> ScoreModel | None:
    """The model version in force on a date: the latest `effective_from` on or before it."""
    current: ScoreModel | None = None
    for model in sorted(models, key=lambda m: m.effective_from):
        if model.effective_from <= on:
            current = model
    return current
