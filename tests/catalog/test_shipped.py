"""R-2.1: the starter catalog shipped in the package loads and covers what the spec names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from chengxin.catalog.fields import FieldSpec, FieldValue
from chengxin.catalog.periods import DisplayPeriod, NotPublicised
from chengxin.catalog.schema import Catalog, CatalogItem, validate_fields
from chengxin.catalog.vocab import (
    KEY_DOMAINS,
    Category,
    DisplayKind,
    Domain,
    FieldType,
    InfoClass,
)

ON = dt.date(2026, 4, 1)


def test_r2_1_shipped_catalog_loads_with_both_regimes(shipped: Catalog) -> None:
    assert 30 <= len(shipped) <= 60
    assert [r.code for r in shipped.regimes] == ["ndrc-order-58", "ndrc-order-36"]
    assert shipped.regimes[1].effective_from == dt.date(2026, 4, 1)
    assert len(shipped.items(ON)) == len(shipped)


def test_r2_1_every_key_domain_and_education_is_covered(shipped: Catalog) -> None:
    domains = {item.domain for item in shipped.items(ON)}
    assert len(KEY_DOMAINS) == 16
    assert domains >= KEY_DOMAINS
    assert Domain.EDUCATION in domains


def test_r2_1_every_category_and_class_of_the_national_catalog_is_covered(
    shipped: Catalog,
) -> None:
    items = shipped.items(ON)
    assert {i.category for i in items} == set(Category)
    assert {i.info_class for i in items} == set(InfoClass)


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("BASIC-REGISTRATION", Category.BASIC),
        ("JUDICIAL-DISHONEST-DEBTOR", Category.SERIOUS),
        ("LIST-TAX-MAJOR-VIOLATION", Category.SERIOUS),
        ("LIST-WAGE-ARREARS", Category.SERIOUS),
        ("LICENCE-ADMINISTRATIVE", Category.BASIC),
        ("QUAL-PROFESSIONAL-TITLE", Category.BASIC),
        ("CONTRACT-BREACH", Category.BAD),
        ("COMMITMENT-MADE", Category.BASIC),
        ("COMMITMENT-BREACH", Category.BAD),
        ("EVAL-CREDIT-RESULT", Category.BASIC),
        ("HONOUR-MORAL-MODEL", Category.GOOD),
        ("HONOUR-OUTSTANDING-VOLUNTEER", Category.GOOD),
        ("VOLUNTEER-SERVICE-HOURS", Category.GOOD),
        ("DONATION-CHARITABLE", Category.GOOD),
        ("STUDENT-EXAM-CHEATING", Category.BAD),
        ("PENALTY-TAX", Category.BAD),
    ],
)
def test_r2_1_listed_kinds_of_information_are_shipped(
    shipped: Catalog, code: str, category: Category
) -> None:
    assert shipped.item(code, ON).category is category


def test_r2_1_every_item_has_a_legal_basis_sources_and_fields(shipped: Catalog) -> None:
    for item in shipped.items(ON):
        assert item.legal_basis, item.code
        assert all("《" in b.instrument and "》" in b.instrument for b in item.legal_basis)
        assert all(b.article for b in item.legal_basis), item.code
        assert item.sources.kinds, item.code
        assert item.fields, item.code
        assert item.display_rule in shipped.display_rules


def test_r2_6_student_items_carry_the_minimum_age_of_18(shipped: Catalog) -> None:
    students = [i for i in shipped.items(ON) if i.code.startswith("STUDENT-")]
    assert len(students) == 4
    assert all(i.min_age_at_conduct == 18 for i in students)
    assert all(i.field("conduct_date") is not None for i in students)


def test_r4_2_penalty_items_are_judged_by_the_penalty_regimes(shipped: Catalog) -> None:
    penalties = shipped.items(ON, info_class=InfoClass.ADMINISTRATIVE_PENALTY)
    assert len(penalties) >= 16
    for item in penalties:
        rule = shipped.display_rule(item)
        assert rule.kind is DisplayKind.PENALTY_REGIME
        assert item.field("decision_date") is not None
        assert item.field("severity") is not None
    special = shipped.item("PENALTY-SPECIAL-EQUIPMENT", ON)
    assert "special_equipment" in special.topics


def _sample(spec: FieldSpec) -> object:
    if spec.type is FieldType.STRING:
        return "2" * min(spec.max_length or 10, 6) if spec.pattern is None else None
    if spec.type is FieldType.INTEGER:
        return "3"
    if spec.type is FieldType.DECIMAL:
        return "12.50"
    if spec.type is FieldType.DATE:
        return "2026-04-10"
    if spec.type is FieldType.BOOLEAN:
        return "否"
    return [spec.values[-1]] if spec.multiple else spec.values[-1]


def _sample_record(item: CatalogItem) -> dict[str, object]:
    record = {f.name: _sample(f) for f in item.fields}
    if "registration_region" in record:
        record["registration_region"] = "110105"
    if "vehicle_classes" in record:
        record["vehicle_classes"] = "C1"
    if "penalty_types" in record:
        record["penalty_types"] = "fine;warning"
    return record


def test_r2_2_every_shipped_item_accepts_a_record_and_yields_a_display_period(
    shipped: Catalog,
) -> None:
    for item in shipped.items(ON):
        content: dict[str, FieldValue] = validate_fields(item, _sample_record(item))
        assert set(content) <= {f.name for f in item.fields}
        period = shipped.display_period(item, content)
        assert isinstance(period, DisplayPeriod | NotPublicised), item.code
        if isinstance(period, DisplayPeriod):
            assert period.start == dt.date(2026, 4, 10)


def test_r2_2_penalty_record_of_2026_has_the_order_36_period(shipped: Catalog) -> None:
    item = shipped.item("PENALTY-FOOD-DRUG", ON)
    content = validate_fields(item, _sample_record(item))
    assert content["severity"] == "serious"
    assert content["fine_amount"] == Decimal("12.50")
    assert content["penalty_types"] == ("warning", "fine")
    period = shipped.display_period(item, content)
    assert period == DisplayPeriod(
        start=dt.date(2026, 4, 10),
        earliest_end=dt.date(2027, 4, 10),
        latest_end=dt.date(2029, 4, 10),
        rule="administrative_penalty",
        regime="ndrc-order-36",
        basis=shipped.regimes[1].source,
    )
