"""R-2.2: a record's content is checked against its item's field schema (validate_fields)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from chengxin.catalog.fields import Bilingual, FieldSpec, check_content, content_to_json
from chengxin.catalog.schema import Catalog, CatalogItem, age_on, check_min_age, validate_fields
from chengxin.catalog.vocab import FieldType
from chengxin.errors import InvalidInput

L = Bilingual("字段", "field")
FIELDS = (
    FieldSpec("number", L, FieldType.STRING, required=True, max_length=20, pattern=r"[A-Z]{2}\d+"),
    FieldSpec("note", L, FieldType.STRING, max_length=10),
    FieldSpec("count", L, FieldType.INTEGER, minimum=Decimal(0), maximum=Decimal(100)),
    FieldSpec("amount", L, FieldType.DECIMAL, minimum=Decimal(0)),
    FieldSpec("day", L, FieldType.DATE, required=True),
    FieldSpec("flag", L, FieldType.BOOLEAN),
    FieldSpec("kind", L, FieldType.ENUM, values=("a", "b")),
    FieldSpec("kinds", L, FieldType.ENUM, values=("x", "y", "z"), multiple=True),
)
GOOD: dict[str, object] = {"number": "AB12", "day": "2026-04-01"}


def check(**changes: object) -> dict[str, object]:
    return dict(check_content(FIELDS, {**GOOD, **changes}))


def refused(**changes: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        check_content(FIELDS, {**GOOD, **changes})
    return info.value


def test_r2_2_native_values_are_accepted() -> None:
    got = check(
        note=" hi ",
        count=7,
        amount=Decimal("12.5"),
        day=dt.date(2026, 4, 1),
        flag=True,
        kind="b",
        kinds=["z", "x"],
    )
    assert got == {
        "number": "AB12",
        "note": "hi",
        "count": 7,
        "amount": Decimal("12.5"),
        "day": dt.date(2026, 4, 1),
        "flag": True,
        "kind": "b",
        "kinds": ("x", "z"),
    }


def test_r2_2_text_from_csv_is_converted() -> None:
    got = check(count="42", amount="1234.50", flag="是", kinds="y; x", note="")
    assert got["count"] == 42
    assert got["amount"] == Decimal("1234.50")
    assert got["flag"] is True
    assert got["kinds"] == ("x", "y")
    assert "note" not in got
    assert check(flag="FALSE")["flag"] is False
    assert check(amount=3.25)["amount"] == Decimal("3.25")


def test_r2_2_json_form_round_trips() -> None:
    got = check_content(FIELDS, {**GOOD, "amount": "0.5", "kinds": ["x"], "flag": False})
    as_json = content_to_json(got)
    assert as_json == {
        "number": "AB12",
        "amount": "0.5",
        "day": "2026-04-01",
        "flag": False,
        "kinds": ["x"],
    }
    assert check_content(FIELDS, as_json) == got


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"surprise": "x"}, "surprise", "unknown_field"),
        ({"number": None}, "number", "required"),
        ({"number": "   "}, "number", "required"),
        ({"number": 1234}, "number", "type"),
        ({"number": "ab12"}, "number", "pattern"),
        ({"note": "x" * 11}, "note", "max_length"),
        ({"note": "a\x00b"}, "note", "control_characters"),
        ({"note": "a\u202eb"}, "note", "control_characters"),
        ({"note": "\ud800"}, "note", "type"),
        ({"count": True}, "count", "type"),
        ({"count": "12.5"}, "count", "type"),
        ({"count": 1.0}, "count", "type"),
        ({"count": -1}, "count", "minimum"),
        ({"count": "101"}, "count", "maximum"),
        ({"count": 10**19}, "count", "digits"),
        ({"count": 10**5000}, "count", "digits"),
        ({"amount": "1e5"}, "amount", "digits"),
        ({"amount": "12.1234567"}, "amount", "digits"),
        ({"amount": "9" * 19}, "amount", "digits"),
        ({"amount": float("nan")}, "amount", "type"),
        ({"amount": float("inf")}, "amount", "type"),
        ({"amount": Decimal("1E+999999999")}, "amount", "digits"),
        ({"amount": Decimal("1E-999999999")}, "amount", "digits"),
        ({"amount": "-1"}, "amount", "minimum"),
        ({"amount": [1]}, "amount", "type"),
        ({"day": "2026/04/01"}, "day", "type"),
        ({"day": "20260401"}, "day", "type"),
        ({"day": "2026-02-30"}, "day", "date"),
        ({"day": "0001-01-01"}, "day", "date"),
        ({"day": dt.datetime(2026, 4, 1, tzinfo=dt.UTC)}, "day", "type"),
        ({"flag": "maybe"}, "flag", "type"),
        ({"flag": 1}, "flag", "type"),
        ({"kind": "c"}, "kind", "enum"),
        ({"kind": 1}, "kind", "type"),
        ({"kinds": ["x", "x"]}, "kinds", "duplicate"),
        ({"kinds": ["x", "w"]}, "kinds", "enum"),
        ({"kinds": ["x", "y", "z", "x"]}, "kinds", "enum"),
        ({"kinds": {"x": 1}}, "kinds", "type"),
        ({"kinds": "x;" * 10_000}, "kinds", "enum"),
    ],
)
def test_r2_2_bad_values_are_refused_naming_field_and_rule(
    changes: dict[str, object], field: str, rule: str
) -> None:
    error = refused(**changes)
    assert (error.field, error.rule) == (field, rule)


def test_r2_2_oversized_text_is_refused_without_scanning_it() -> None:
    error = refused(note="长" * 10_000_000)
    assert error.rule == "max_length"


def test_r2_2_content_must_be_a_mapping_with_text_keys() -> None:
    for content in (None, [], "number=AB12", 42):
        with pytest.raises(InvalidInput) as info:
            check_content(FIELDS, content)
        assert (info.value.field, info.value.rule) == ("content", "type")
    with pytest.raises(InvalidInput) as info:
        check_content(FIELDS, {**GOOD, 7: "x"})
    assert info.value.rule == "unknown_field"


def test_r3_6_messages_do_not_repeat_the_submitted_value() -> None:
    secret = "11010519491231002X"
    for changes in ({"number": secret}, {"note": secret}, {"count": secret}, {"kind": secret}):
        error = refused(**changes)
        assert secret not in str(error)
        assert secret not in error.message


def test_r2_2_validate_fields_uses_the_item_schema(shipped: Catalog) -> None:
    item = shipped.item("LIST-WAGE-ARREARS", dt.date(2026, 4, 1))
    record = {
        "list_document_number": "京人社惩字〔2026〕1号",
        "listed_on": "2026-04-30",
        "authority": "北京市朝阳区人力资源和社会保障局",
        "reason": "拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准，经责令限期支付逾期未支付。",
        "legal_provisions": "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第五条",
        "role": "legal_representative",
        "arrears_amount": "356000.00",
        "workers_affected": "23",
    }
    got = validate_fields(item, record)
    assert got["listed_on"] == dt.date(2026, 4, 30)
    assert got["workers_affected"] == 23
    with pytest.raises(InvalidInput) as info:
        validate_fields(item, {**record, "role": "cleaner"})
    assert (info.value.field, info.value.rule) == ("role", "enum")
    with pytest.raises(InvalidInput) as info:
        validate_fields(item, {k: v for k, v in record.items() if k != "arrears_amount"})
    assert (info.value.field, info.value.rule) == ("arrears_amount", "required")


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (dt.date(2008, 4, 1), dt.date(2026, 3, 31), 17),
        (dt.date(2008, 4, 1), dt.date(2026, 4, 1), 18),
        (dt.date(2008, 2, 29), dt.date(2026, 2, 28), 17),
        (dt.date(2008, 2, 29), dt.date(2026, 3, 1), 18),
    ],
)
def test_r2_6_age_on_the_date_of_the_conduct(birth: dt.date, day: dt.date, age: int) -> None:
    assert age_on(birth, day) == age


def test_r2_6_records_about_minors_are_refused(shipped: Catalog) -> None:
    item: CatalogItem = shipped.item("STUDENT-EXAM-CHEATING", dt.date(2026, 6, 7))
    check_min_age(item, dt.date(2008, 6, 7), dt.date(2026, 6, 7))
    with pytest.raises(InvalidInput) as info:
        check_min_age(item, dt.date(2008, 6, 8), dt.date(2026, 6, 7))
    assert (info.value.field, info.value.rule) == ("conduct_date", "min_age_at_conduct")
    adult_item = shipped.item("PENALTY-TAX", dt.date(2026, 6, 7))
    check_min_age(adult_item, dt.date(2015, 1, 1), dt.date(2026, 6, 7))
