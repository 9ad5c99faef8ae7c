"""R-2.2: JSON Lines batch files are read safely — one flat JSON object a line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chengxin.collection.readers import Cell, FileFormat, Limits, RawRow
from tests.collection.readers_support import read, refused
from tests.collection.readers_support import write as write_file


def write(tmp_path: Path, data: bytes | str, name: str = "batch.jsonl") -> Path:
    return write_file(tmp_path, data, name)


def test_r2_2_jsonl_rows_and_header_union(tmp_path: Path) -> None:
    lines: list[dict[str, Cell]] = [
        {"id_number": "110101199003071234", "姓名": "张三", "fine": 200.5},
        {},
        {
            "id_number": "11010119900307123X",
            "count": 3,
            "flag": True,
            "kinds": ["a", "b"],
            "note": None,
        },
    ]
    text = "\ufeff" + json.dumps(lines[0], ensure_ascii=False) + "\n\n  \r\n"
    text += json.dumps(lines[1]) + "\r\n" + json.dumps(lines[2]) + "\n"
    table, rows = read(write(tmp_path, text, "upload.ndjson"))
    assert table.format is FileFormat.JSONL
    assert table.encoding is None
    assert table.headers == ("id_number", "姓名", "fine", "count", "flag", "kinds", "note")
    assert rows == [RawRow(1, lines[0]), RawRow(4, {}), RawRow(5, lines[2])]


def test_r2_2_jsonl_keys_are_stripped(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, '{" name ": "x"}\n'))
    assert table.headers == ("name",)
    assert rows[0].values == {"name": "x"}


@pytest.mark.parametrize(
    ("line", "rule", "field"),
    [
        ('{"a": {"b": 1}}', "json", "row 2, column a"),
        ('{"a": [1, 2]}', "json", "row 2, column a"),
        ('{"a": [["x"]]}', "json", "row 2, column a"),
        ("[1, 2]", "json", "row 2"),
        ('"text"', "json", "row 2"),
        ('{"a": 1', "json", "row 2"),
        ('{"a": NaN}', "json", "row 2"),
        ('{"a": 1e999}', "json", "row 2, column a"),
        ('{"a": 1, "a": 2}', "json", "row 2"),
        ('{"a": 1, " a": 2}', "json", "row 2"),
        ('{"": 1}', "header", "row 2"),
        ('{"a": ' + "1" * 5000 + "}", "json", "row 2"),
        ("[" * 50_000 + "]" * 50_000, "json", "row 2"),
        ('{"a": "' + "x" * 101 + '"}', "max-cell", "row 2, column a"),
        ('{"a": ["' + "x" * 60 + '", "' + "y" * 60 + '"]}', "max-cell", "row 2, column a"),
    ],
)
def test_r2_2_jsonl_bad_lines_refused(tmp_path: Path, line: str, rule: str, field: str) -> None:
    err = refused(write(tmp_path, '{"a": "ok"}\n' + line + "\n"), Limits(max_cell_chars=100))
    assert (err.rule, err.field) == (rule, field)


def test_r2_2_jsonl_refusals_never_echo_content(tmp_path: Path) -> None:
    err = refused(write(tmp_path, '{"id": "110101199003071234", broken}\n'))
    assert err.rule == "json"
    assert "1101" not in str(err)


def test_r2_2_jsonl_must_be_utf8(tmp_path: Path) -> None:
    err = refused(write(tmp_path, '{"a": "ok"}\n{"姓名": "张三"}\n'.encode("gb18030")))
    assert (err.rule, err.field) == ("encoding", "row 2")


def test_r2_2_jsonl_empty_refused(tmp_path: Path) -> None:
    assert refused(write(tmp_path, "\n  \n")).rule == "empty"
    assert refused(write(tmp_path, "")).rule == "empty"


def test_r2_2_jsonl_column_and_row_limits(tmp_path: Path) -> None:
    limits = Limits(max_columns=3, max_rows=2)
    wide = json.dumps({f"k{i}": i for i in range(4)})
    assert refused(write(tmp_path, wide + "\n"), limits).rule == "max-columns"
    union = '{"a": 1, "b": 2}\n{"c": 3, "d": 4}\n'
    err = refused(write(tmp_path, union), limits)
    assert (err.rule, err.field) == ("max-columns", "row 2")
    err = refused(write(tmp_path, '{"a": 1}\n' * 3), limits)
    assert (err.rule, err.field) == ("max-rows", "row 3")


def test_r2_2_jsonl_overlong_line_refused_unparsed(tmp_path: Path) -> None:
    limits = Limits(max_columns=2, max_cell_chars=10)
    err = refused(write(tmp_path, '{"a": "' + "x" * 10_000 + '"}\n'), limits)
    assert (err.rule, err.field) == ("max-cell", "row 1")
