"""R-5.5: the serious-dishonesty push criteria are data, checked strictly when loaded, and judged
by a pure rule: source kind, status, category, severity tier, per-item thresholds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import Category, SourceKind
from chengxin.errors import ConfigError
from chengxin.exchange.criteria import CRITERIA_FILE, load_criteria, shipped_criteria
from chengxin.exchange.push_rules import PushCriteria, RecordView, Threshold, criterion_met

ON = dt.date(2026, 6, 30)
RULE_SET = """kind: serious_push
rule_sets:
  - effective_from: 2016-12-23
    basis: 《国务院办公厅关于加强个人诚信体系建设的指导意见》（国办发〔2016〕98号）六（二）
    source_kinds: [financial_credit_database]
    categories: [serious]
"""
THRESHOLD = """    thresholds:
      - item: {item}
        field: {field}
        at_least: {at_least}
        why: test
"""


def view(**kw: Any) -> RecordView:
    facts: dict[str, Any] = {
        "source_kind": SourceKind.FINANCIAL_CREDIT_DATABASE, "category": "bad", "severity": None,
        "item_code": "STUDENT-LOAN-DEFAULT", "content": {}, "status": "active",
        "decision_date": ON, "disclosure": "authorised", "origin": None, **kw,
    }  # fmt: skip
    return RecordView(**facts)


@pytest.fixture(scope="module")
def criteria(catalog: Catalog) -> PushCriteria:
    return shipped_criteria(catalog)


def test_r5_5_the_shipped_criteria(criteria: PushCriteria) -> None:
    """R-5.5: the financial credit database and credit agencies; serious category and tier;
    student-loan defaults from 90 days overdue."""
    rules = criteria.in_force(ON)
    assert rules is not None
    assert rules.source_kinds == {SourceKind.FINANCIAL_CREDIT_DATABASE, SourceKind.CREDIT_AGENCY}
    assert (rules.categories, rules.severities) == ({"serious"}, {"serious"})
    assert rules.thresholds == (Threshold("STUDENT-LOAN-DEFAULT", "overdue_days", Decimal(90)),)
    assert rules.thresholds[0].criterion == "STUDENT-LOAN-DEFAULT.overdue_days>=90"
    assert criteria.in_force(dt.date(2016, 12, 22)) is None  # before the opinions


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"category": "serious"}, "category:serious"),
        ({"category": "bad", "severity": "serious"}, "severity:serious"),
        ({"severity": "general"}, None),
        ({"content": {"overdue_days": 90}}, "STUDENT-LOAN-DEFAULT.overdue_days>=90"),
        ({"content": {"overdue_days": "365"}}, "STUDENT-LOAN-DEFAULT.overdue_days>=90"),
        ({"content": {"overdue_days": 89}}, None),
        ({"content": {"overdue_days": True}}, None),  # not a number
        ({"content": {"overdue_days": "x"}}, None),
        ({"content": {}}, None),
        ({"content": {"overdue_days": 400}, "item_code": "CONTRACT-BREACH"}, None),
        ({"category": "serious", "source_kind": SourceKind.GOVERNMENT_DEPARTMENT}, None),
        ({"category": "serious", "source_kind": SourceKind.COURT}, None),
        ({"category": "serious", "source_kind": SourceKind.CREDIT_AGENCY}, "category:serious"),
        ({"category": "serious", "status": "revoked"}, None),
        ({"category": "serious", "status": "repaired"}, None),
        ({"category": "serious", "status": "expired"}, None),
        ({"category": "serious", "decision_date": dt.date(2016, 1, 1)}, None),
    ],
)
def test_r5_5_the_pure_rule(
    criteria: PushCriteria, facts: dict[str, Any], expected: str | None
) -> None:
    """R-5.5: the first criterion met, or None."""
    assert criterion_met(criteria, view(**facts)) == expected


def test_r5_5_the_debt_evasion_item_is_serious_and_only_from_the_financial_sources(
    catalog: Catalog,
) -> None:
    """R-5.5, R-2.1: FINANCE-MALICIOUS-DEBT-EVASION rests on §6(二) of the opinions."""
    item = catalog.item("FINANCE-MALICIOUS-DEBT-EVASION", ON)
    assert item.category is Category.SERIOUS
    assert set(item.sources.kinds) == {SourceKind.FINANCIAL_CREDIT_DATABASE,
                                       SourceKind.CREDIT_AGENCY}  # fmt: skip
    assert any(b.instrument.endswith("（国办发〔2016〕98号）") and b.article == "六（二）"
               for b in item.legal_basis)  # fmt: skip


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "serious_push.yaml"
    path.write_text(text, "utf-8")
    return path


def refusal(catalog: Catalog, tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as refused:
        load_criteria(catalog, write(tmp_path, text))
    assert refused.value.field == "serious_push"
    return refused.value.message


def test_r5_5_the_shipped_file_is_what_loads(catalog: Catalog, tmp_path: Path) -> None:
    copied = write(tmp_path, CRITERIA_FILE.read_text("utf-8"))
    assert load_criteria(catalog, copied) == shipped_criteria(catalog)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (RULE_SET.replace("categories", "categorys"),
         "serious_push.yaml: rule_sets.0.categorys: Extra inputs are not permitted"),
        (RULE_SET + "colour: red\n", "serious_push.yaml: colour: Extra inputs are not permitted"),
        (RULE_SET.replace("kind: serious_push", "kind: list_types"), "serious_push.yaml: kind: "),
        (RULE_SET.replace("[financial_credit_database]", "[bank]"),
         "serious_push.yaml: rule_sets.0.source_kinds.0: Input should be"),
        (RULE_SET.replace("[serious]", "[grave]"),
         "serious_push.yaml: rule_sets.0.categories.0: Input should be"),
        (RULE_SET.replace("    categories: [serious]\n", ""),
         "serious_push.yaml: rule_sets.0: names no category, severity or threshold"),
        (RULE_SET + THRESHOLD.format(item="NO-SUCH-ITEM", field="overdue_days", at_least=90),
         "serious_push.yaml: rule_sets.0.thresholds.0.item: NO-SUCH-ITEM is not a catalog item"),
        (RULE_SET + THRESHOLD.format(item="STUDENT-LOAN-DEFAULT", field="overdue", at_least=90),
         "serious_push.yaml: rule_sets.0.thresholds.0.field: STUDENT-LOAN-DEFAULT of 2021-01-01 "
         "has no integer or decimal field 'overdue'"),
        (RULE_SET + THRESHOLD.format(item="STUDENT-LOAN-DEFAULT", field="lender", at_least=90),
         "rule_sets.0.thresholds.0.field: STUDENT-LOAN-DEFAULT of 2021-01-01 has no integer"),
        (RULE_SET + THRESHOLD.format(item="STUDENT-LOAN-DEFAULT", field="overdue_days",
                                     at_least="ninety"),
         "serious_push.yaml: rule_sets.0.thresholds.0.at_least: Value error, must be a number"),
        (RULE_SET + THRESHOLD.format(item="STUDENT-LOAN-DEFAULT", field="overdue_days",
                                     at_least='"90"'),
         "serious_push.yaml: rule_sets.0.thresholds.0.at_least: Value error, must be a number"),
        (RULE_SET + THRESHOLD.format(item="STUDENT-LOAN-DEFAULT", field="overdue_days",
                                     at_least="true"),
         "serious_push.yaml: rule_sets.0.thresholds.0.at_least: Value error, must be a number"),
        (RULE_SET + THRESHOLD.format(item="STUDENT-LOAN-DEFAULT", field="overdue_days",
                                     at_least=89.5),
         "serious_push.yaml: rule_sets.0.thresholds.0.at_least: must be a whole number"),
        (RULE_SET + THRESHOLD.format(item="PENALTY-TAX", field="fine_amount", at_least=1000),
         "serious_push.yaml: rule_sets.0.thresholds.0.item: PENALTY-TAX is supplied by none of"),
        ("kind: serious_push\nrule_sets: [\n", "serious_push.yaml: while parsing"),
    ],
)  # fmt: skip
def test_r5_5_the_criteria_file_refuses_bad_input_naming_file_and_field(
    catalog: Catalog, tmp_path: Path, text: str, expected: str
) -> None:
    """R-5.5: a refusal names the file and the field, and nothing loads."""
    assert expected in refusal(catalog, tmp_path, text)


def test_r5_5_a_decimal_threshold_and_two_versions(catalog: Catalog, tmp_path: Path) -> None:
    """R-5.5: a decimal field takes a decimal line; each version judges records decided from
    its date, and two versions may not start on the same day."""
    later = RULE_SET.replace("  - effective_from: 2016-12-23", "  - effective_from: 2027-01-01")
    later = later.split("rule_sets:\n", 1)[1]
    text = (RULE_SET + THRESHOLD.format(item="STUDENT-LOAN-DEFAULT", field="overdue_amount",
                                        at_least=50000.50) + later)  # fmt: skip
    criteria = load_criteria(catalog, write(tmp_path, text))
    first = criteria.in_force(ON)
    assert first is not None
    assert first.thresholds[0].criterion == "STUDENT-LOAN-DEFAULT.overdue_amount>=50000.5"
    loan = view(content={"overdue_amount": "60000.00"})
    assert criterion_met(criteria, loan) == "STUDENT-LOAN-DEFAULT.overdue_amount>=50000.5"
    assert criterion_met(criteria, view(content={"overdue_amount": "60000.00"},
                                        decision_date=dt.date(2027, 2, 1))) is None  # fmt: skip
    twice = RULE_SET + RULE_SET.split("rule_sets:\n", 1)[1]
    assert "rule_sets: two rule sets take effect on the same day" in refusal(
        catalog, tmp_path, twice)  # fmt: skip
