"""R-2.2: a batch file's headers are mapped to standard columns and item fields."""

from __future__ import annotations

import pytest

from chengxin.catalog.fields import Bilingual, FieldSpec
from chengxin.catalog.vocab import FieldType
from chengxin.collection.headers import (
    STANDARD_COLUMNS,
    Action,
    canonical_row,
    map_headers,
    normalise,
    parse_action,
)
from chengxin.collection.readers import Cell, RawRow
from chengxin.errors import InvalidInput


def spec(name: str, zh: str, en: str) -> FieldSpec:
    return FieldSpec(name, Bilingual(zh, en), FieldType.STRING, max_length=100)


FINE = spec("fine_amount", "罚款金额（元）", "Fine (yuan)")
DECISION = spec("decision_number", "行政处罚决定书文号", "Penalty decision document number")
LAW_FIRM = spec("law_firm", "执业机构", "Law firm")
AGENCY = spec("agency", "执业机构", "Patent agency")
OUTCOME = spec("outcome", "处理结果", "Outcome")
HANDLING = spec("handling", "处理情况", "Outcome")
FIELDS = (FINE, DECISION)


def refused(headers: list[str], fields: tuple[FieldSpec, ...] = FIELDS) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        map_headers(headers, fields)
    return info.value


def test_r2_2_standard_columns_in_chinese_and_english() -> None:
    headers = ["公民身份号码", "姓名", "事项代码", "业务编号", "操作类型"]
    assert map_headers(headers, FIELDS) == {
        "公民身份号码": "id_number",
        "姓名": "name",
        "事项代码": "item",
        "业务编号": "record_id",
        "操作类型": "action",
    }
    english = ["ID Number", "Full-Name", "ITEM_CODE", "Source Record ID", "action"]
    assert list(map_headers(english, FIELDS).values()) == [
        "id_number",
        "name",
        "item",
        "record_id",
        "action",
    ]


def test_r2_2_every_standard_spelling_maps_to_its_column() -> None:
    for canonical, spellings in STANDARD_COLUMNS.items():
        for spelling in spellings:
            assert map_headers([spelling], ()) == {spelling: canonical}


def test_r2_2_fields_by_name_or_label_ignoring_case_spaces_and_width() -> None:
    mapping = map_headers(["罚款金额(元)", " penalty decision-DOCUMENT_number ", "idno"], FIELDS)
    assert mapping == {
        "罚款金额(元)": "fine_amount",
        " penalty decision-DOCUMENT_number ": "decision_number",
        "idno": "id_number",
    }
    assert map_headers(["FINE_AMOUNT", "行政处罚决定书文号"], FIELDS) == {
        "FINE_AMOUNT": "fine_amount",
        "行政处罚决定书文号": "decision_number",
    }
    assert normalise("【Ｆｉｎｅ】　Amount") == "[fine]amount"


def test_r2_2_unknown_column_suggests_close_names() -> None:
    err = refused(["fine amout"])
    assert (err.field, err.rule) == ("column fine amout", "unknown-column")
    assert "fine_amount" in err.message
    err = refused(["罚款金额"])
    assert "罚款金额（元）" in err.message
    assert refused(["zzzz"]).message == "unknown column"


def test_r2_2_two_headers_for_one_column_refused() -> None:
    err = refused(["身份证号", "证件号码"])
    assert (err.field, err.rule) == ("column 证件号码", "duplicate-column")
    assert refused(["fine_amount", "罚款金额（元）"]).rule == "duplicate-column"


def test_r2_2_fields_of_several_items_share_names() -> None:
    again = spec("fine_amount", "罚款数额", "Fine")
    assert map_headers(["罚款数额", "id_number"], (FINE, again, DECISION)) == {
        "罚款数额": "fine_amount",
        "id_number": "id_number",
    }


def test_r2_2_label_shared_by_two_fields_is_ambiguous_only_when_used() -> None:
    fields = (LAW_FIRM, AGENCY, OUTCOME, HANDLING)
    assert map_headers(["law firm", "patent agency"], fields) == {
        "law firm": "law_firm",
        "patent agency": "agency",
    }
    err = refused(["执业机构"], fields)
    assert (err.field, err.rule) == ("column 执业机构", "ambiguous-column")
    assert "agency" in err.message
    assert "law_firm" in err.message
    # A field's own name wins over another field's identical label.
    assert map_headers(["Outcome"], fields) == {"Outcome": "outcome"}


def test_r2_2_canonical_row_renames_and_drops_absent_values() -> None:
    row = RawRow(3, {"姓名": "张三", "备注": "", "金额": None, "空白": "  ", "标签": [], "n": 0})
    mapping = {
        "姓名": "name",
        "备注": "note",
        "金额": "fine",
        "空白": "blank",
        "标签": "tags",
        "n": "count",
    }
    assert canonical_row(row, mapping) == {"name": "张三", "count": 0}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Action.ADD),
        ("", Action.ADD),
        ("  ", Action.ADD),
        ("新增", Action.ADD),
        ("ADD", Action.ADD),
        ("更正", Action.CORRECT),
        ("修改", Action.CORRECT),
        (" Correct ", Action.CORRECT),
        ("撤销", Action.REVOKE),
        ("revoke", Action.REVOKE),
    ],
)
def test_r2_2_actions(value: str | None, expected: Action) -> None:
    assert parse_action(value, 7) is expected
    assert expected == expected.value  # StrEnum: compares as its text


@pytest.mark.parametrize("value", ["删除", "delete", 1, ["add"]])
def test_r2_2_unknown_action_refused(value: Cell) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_action(value, 7)
    assert (info.value.field, info.value.rule) == ("row 7, column action", "action")
