"""Catalog items, their versions, and the loaded catalog (R-2.1). Pure: no files, no clock.

An item code names one kind of information (e.g. `PENALTY-FOOD-DRUG`); each version of it is a
`CatalogItem` in force from `effective_from` until the day before the next version starts, or
until its own `effective_to` (inclusive) when one is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from chengxin.catalog.fields import Bilingual, FieldSpec, FieldValue, check_content
from chengxin.catalog.periods import DisplayPeriod, DisplayRule, NotPublicised, PenaltyRegime
from chengxin.catalog.periods import display_period as compute_period
from chengxin.catalog.vocab import (
    Category,
    DisclosureLevel,
    Domain,
    InfoClass,
    PenaltyType,
    Severity,
    SourceKind,
    UpdateFrequency,
)
from chengxin.errors import InvalidInput, NotFound

PENALTY_TYPES_FIELD = "penalty_types"
SEVERITY_FIELD = "severity"
SUMMARY_PROCEDURE_FIELD = "summary_procedure"
CONDUCT_DATE_FIELD = "conduct_date"
PERIOD_CACHE_SIZE = 100_000


class Origin(StrEnum):
    SHIPPED = "shipped"  # files inside the package
    OPERATOR = "operator"  # the operator's catalog folder (CHENGXIN_CATALOG_DIR)


@dataclass(frozen=True, slots=True)
class LegalBasis:
    """A law or regulation that authorises collecting the item (§4.2: no collection without it)."""

    instrument: str  # e.g. 《中华人民共和国行政处罚法》
    article: str  # e.g. 第四十八条; for a policy document its section, e.g. 三（二）

    def __str__(self) -> str:
        return f"{self.instrument}{self.article}"


@dataclass(frozen=True, slots=True)
class Sources:
    """Who may supply the item: kinds of body and, optionally, named departments."""

    kinds: tuple[SourceKind, ...]
    departments: tuple[str, ...] = ()

    def allows(self, kind: SourceKind) -> bool:
        return kind in self.kinds


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One version of one catalog item."""

    code: str
    effective_from: dt.date
    edition: str
    name: Bilingual
    category: Category
    info_class: InfoClass
    domain: Domain
    legal_basis: tuple[LegalBasis, ...]
    sources: Sources
    disclosure: DisclosureLevel
    display_rule: str
    update_frequency: UpdateFrequency
    fields: tuple[FieldSpec, ...]
    effective_to: dt.date | None = None  # last day in force, inclusive
    description: Bilingual | None = None
    topics: tuple[str, ...] = ()
    display_start_field: str | None = None  # overrides the display rule's start field
    display_end_field: str | None = None  # overrides the display rule's end field
    min_age_at_conduct: int | None = None  # 18 for student conduct
    origin: Origin = Origin.SHIPPED
    defined_at: str = ""  # "file:line" of the definition

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


def validate_fields(item: CatalogItem, content: object) -> dict[str, FieldValue]:
    """Check a record's content against the item's field schema (R-2.2); return canonical
    values. Raises InvalidInput naming the field and the rule."""
    return check_content(item.fields, content)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years of age on `day` (a person is 18 on their 18th birthday; one born on
    29 February turns a year older on 1 March in common years)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def check_min_age(item: CatalogItem, birth_date: dt.date, conduct_date: dt.date) -> None:
    """R-2.6: refuse a record about a person younger than the item's minimum age at the date
    of the conduct."""
    if item.min_age_at_conduct is None:
        return
    if age_on(birth_date, conduct_date) < item.min_age_at_conduct:
        raise InvalidInput(
            f"the person was younger than {item.min_age_at_conduct} on the date of the conduct",
            field=CONDUCT_DATE_FIELD,
            rule="min_age_at_conduct",
        )


class Catalog:
    """All item versions, display rules and penalty regimes of one node, validated."""

    def __init__(
        self,
        items: Iterable[CatalogItem],
        display_rules: Mapping[str, DisplayRule],
        regimes: Sequence[PenaltyRegime],
        files: Sequence[str] = (),
    ) -> None:
        by_code: dict[str, list[CatalogItem]] = {}
        for item in items:
            by_code.setdefault(item.code, []).append(item)
        self._versions = {
            code: tuple(sorted(versions, key=lambda v: v.effective_from))
            for code, versions in sorted(by_code.items())
        }
        self.display_rules: Mapping[str, DisplayRule] = dict(display_rules)
        self.regimes: tuple[PenaltyRegime, ...] = tuple(
            sorted(regimes, key=lambda r: r.effective_from)
        )
        self.files: tuple[str, ...] = tuple(files)
        # Periods are pure and batches repeat the same dates and severities: remember them.
        self._periods: dict[tuple[object, ...], DisplayPeriod | NotPublicised] = {}

    def __len__(self) -> int:
        return len(self._versions)

    def codes(self) -> tuple[str, ...]:
        return tuple(self._versions)

    def all_versions(self) -> tuple[CatalogItem, ...]:
        return tuple(v for versions in self._versions.values() for v in versions)

    def versions(self, code: str) -> tuple[CatalogItem, ...]:
        """Every version of an item, oldest first; NotFound for an unknown code."""
        versions = self._versions.get(code)
        if versions is None:
            raise NotFound("no catalog item has this code", field="code", rule="catalog_item")
        return versions

    def find(self, code: str, on: dt.date) -> CatalogItem | None:
        """The version in force on a date, or None (unknown code, not yet or no longer)."""
        current: CatalogItem | None = None
        for version in self._versions.get(code, ()):
            if version.effective_from <= on:
                current = version
        if current is None or (current.effective_to is not None and on > current.effective_to):
            return None
        return current

    def item(self, code: str, on: dt.date) -> CatalogItem:
        """The version in force on a date; NotFound if there is none."""
        found = self.find(code, on)
        if found is None:
            self.versions(code)  # unknown code → NotFound
            raise NotFound(
                f"catalog item {code} is not in force on {on}", field="code", rule="in_force"
            )
        return found

    def items(
        self,
        on: dt.date,
        *,
        domain: Domain | None = None,
        category: Category | None = None,
        info_class: InfoClass | None = None,
    ) -> tuple[CatalogItem, ...]:
        """The versions in force on a date, by code, optionally filtered."""
        out = []
        for code in self._versions:
            item = self.find(code, on)
            if item is None:
                continue
            if domain is not None and item.domain is not domain:
                continue
            if category is not None and item.category is not category:
                continue
            if info_class is not None and item.info_class is not info_class:
                continue
            out.append(item)
        return tuple(out)

    def display_rule(self, item: CatalogItem) -> DisplayRule:
        return self.display_rules[item.display_rule]

    def display_period(
        self,
        item: CatalogItem,
        content: Mapping[str, FieldValue],
        *,
        publicise_minor: bool = False,
    ) -> DisplayPeriod | NotPublicised:
        """The display period of a record of `item` whose content `validate_fields` checked."""
        rule = self.display_rule(item)
        start_field = item.display_start_field or rule.start_field
        end_field = item.display_end_field or rule.end_field
        start = content.get(start_field) if start_field else None
        end = content.get(end_field) if end_field else None
        severity = content.get(SEVERITY_FIELD)
        types = content.get(PENALTY_TYPES_FIELD, ())
        if start_field is not None and not isinstance(start, dt.date):
            raise InvalidInput(
                "a date is required to compute the display period",
                field=start_field,
                rule="required",
            )
        summary = content.get(SUMMARY_PROCEDURE_FIELD) is True
        key = (item.code, item.effective_from, start, end, severity, types, summary,
               publicise_minor)  # fmt: skip
        known = self._periods.get(key)
        if known is not None:
            return known
        if len(self._periods) > PERIOD_CACHE_SIZE:
            self._periods.clear()
        period = compute_period(
            rule,
            self.regimes,
            start=start if isinstance(start, dt.date) else dt.date.min,
            end=end if isinstance(end, dt.date) else None,
            domain=item.domain,
            topics=item.topics,
            severity=Severity(severity) if isinstance(severity, str) else None,
            penalty_types=[PenaltyType(t) for t in types] if isinstance(types, tuple) else (),
            summary_procedure=summary,
            publicise_minor=publicise_minor,
        )
        self._periods[key] = period
        return period
