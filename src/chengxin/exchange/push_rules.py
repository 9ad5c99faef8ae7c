"""Which records a regional node owes the national platform. Pure: the criteria and a record's
facts are parameters.

Only the node's own active records qualify: a copy of another node's record (it has an origin)
is its origin's to share. Two reasons, tried in this order:

* serious dishonesty (R-5.5, §6(二) of 国办发〔2016〕98号): it comes from a source of one of the
  listed kinds, and its category, its severity tier or one of its item's field thresholds says
  it is serious, by the rule set in force on its decision date, as for display periods;
* upward sharing (R-5.2): its catalog disclosure level (公开属性) is one the node shares upward
  (`CHENGXIN_SHARE_UP`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from chengxin.catalog.vocab import Category, DisclosureLevel, Severity, SourceKind
from chengxin.records.models import RecordStatus


@dataclass(frozen=True, slots=True)
class Threshold:
    """An item whose records are serious once a numeric field reaches `at_least`."""

    item: str
    field: str
    at_least: Decimal

    @property
    def criterion(self) -> str:
        return f"{self.item}.{self.field}>={self.at_least:f}"


@dataclass(frozen=True, slots=True)
class PushRules:
    """One version of the criteria."""

    effective_from: dt.date
    source_kinds: frozenset[SourceKind]
    categories: frozenset[Category]
    severities: frozenset[Severity]
    thresholds: tuple[Threshold, ...]


@dataclass(frozen=True, slots=True)
class PushCriteria:
    """Every version of the serious-dishonesty rules, oldest first, and the disclosure levels
    this node shares upward (none: serious dishonesty only)."""

    rule_sets: tuple[PushRules, ...]
    share_levels: frozenset[DisclosureLevel] = frozenset()

    def in_force(self, on: dt.date) -> PushRules | None:
        found = None
        for rules in self.rule_sets:
            if rules.effective_from <= on:
                found = rules
        return found

    # Unions over all versions: what a database query may narrow candidates by.
    @property
    def source_kinds(self) -> frozenset[SourceKind]:
        return frozenset(k for r in self.rule_sets for k in r.source_kinds)

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(c for r in self.rule_sets for c in r.categories)

    @property
    def severities(self) -> frozenset[Severity]:
        return frozenset(s for r in self.rule_sets for s in r.severities)

    @property
    def threshold_items(self) -> frozenset[str]:
        return frozenset(t.item for r in self.rule_sets for t in r.thresholds)


@dataclass(frozen=True, slots=True)
class RecordView:
    """What the criteria look at in a record: no subject, no names."""

    source_kind: str
    category: str
    severity: str | None
    item_code: str
    content: Mapping[str, object]
    status: str
    decision_date: dt.date
    disclosure: str
    origin: str | None  # the node holding the original; None for this node's own record


def criterion_met(criteria: PushCriteria, record: RecordView) -> str | None:
    """The first criterion the record meets (category, then severity, then thresholds, then its
    disclosure level), or None when it is not owed to the national platform."""
    if record.origin is not None or record.status != RecordStatus.ACTIVE:
        return None
    serious = _serious(criteria.in_force(record.decision_date), record)
    if serious is not None:
        return serious
    if record.disclosure in criteria.share_levels:
        return f"disclosure:{record.disclosure}"
    return None


def _serious(rules: PushRules | None, record: RecordView) -> str | None:
    if rules is None or record.source_kind not in rules.source_kinds:
        return None
    if record.category in rules.categories:
        return f"category:{record.category}"
    if record.severity is not None and record.severity in rules.severities:
        return f"severity:{record.severity}"
    for threshold in rules.thresholds:
        if threshold.item == record.item_code:
            value = _number(record.content.get(threshold.field))
            if value is not None and value >= threshold.at_least:
                return threshold.criterion
    return None


def _number(value: object) -> Decimal | None:
    # Stored content holds integers as numbers and decimals as text (catalog.fields).
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        found = Decimal(value)
    except InvalidOperation:
        return None
    return found if found.is_finite() else None
