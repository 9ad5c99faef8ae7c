"""R-2.2: batch files are read safely — CSV reading, format detection and the size limits.

XLSX and JSON Lines have their own files (test_readers_xlsx.py, test_readers_jsonl.py).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from chengxin.collection.readers import FileFormat, Limits, RawRow, detect_format, open_table
from chengxin.errors import InvalidInput
from tests.collection.readers_support import LIMITS, read, refused, write

# --- CSV --------------------------------------------------------------------------------------


def test_r2_2_utf8_csv_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff 姓名 ,id_number,note\r\n张三,110101199003071234,x\r\n")
    table, rows = read(path)
    assert table.format is FileFormat.CSV
    assert table.encoding == "utf-8"
    assert table.headers == ("姓名", "id_number", "note")
    assert rows == [RawRow(2, {"姓名": "张三", "id_number": "110101199003071234", "note": "x"})]


def test_r2_2_gb18030_csv_is_decoded(tmp_path: Path) -> None:
    text = "姓名,身份证号码,处罚机关\n李四,110101199003071234,北京市朝阳区市场监督管理局\n"
    table, rows = read(write(tmp_path, text.encode("gb18030")))
    assert table.encoding == "gb18030"
    assert table.headers == ("姓名", "身份证号码", "处罚机关")
    assert rows[0].values["姓名"] == "李四"
    assert rows[0].values["处罚机关"] == "北京市朝阳区市场监督管理局"


def test_r2_2_quoted_newlines_keep_row_numbers(tmp_path: Path) -> None:
    text = 'a,b\n1,"line one\nline two\r\nline three"\n\n2,"say ""hi"", ok"\n3,x\n'
    _, rows = read(write(tmp_path, text))
    assert [r.number for r in rows] == [2, 6, 7]
    assert rows[0].values["b"] == "line one\nline two\r\nline three"
    assert rows[1].values["b"] == 'say "hi", ok'


def test_r2_2_tab_separated_file(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "name\tnote\n王五\ta, b\n", "batch.tsv"))
    assert table.headers == ("name", "note")
    assert rows[0].values == {"name": "王五", "note": "a, b"}


def test_r2_2_blank_rows_skipped_short_rows_padded(tmp_path: Path) -> None:
    text = "\n\na,b,c\n1\n,,\n \n2,3,4,\n"
    table, rows = read(write(tmp_path, text))
    assert table.headers == ("a", "b", "c")
    assert rows == [
        RawRow(4, {"a": "1", "b": "", "c": ""}),
        RawRow(7, {"a": "2", "b": "3", "c": "4"}),
    ]


def test_r2_2_trailing_separators_of_spreadsheet_exports_accepted(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "a,b,,\r\n1,2,,\r\n3,,,\r\n"))
    assert table.headers == ("a", "b")
    assert [r.values for r in rows] == [{"a": "1", "b": "2"}, {"a": "3", "b": ""}]


def test_r2_2_ragged_row_refused(tmp_path: Path) -> None:
    err = refused(write(tmp_path, "a,b\n1,2\n1,2,3\n"))
    assert (err.field, err.rule) == ("row 3", "ragged-row")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("", "empty"),
        ("\ufeff\n\r\n", "empty"),
        ("a,,b\n1,2,3\n", "header"),
        ("a, a ,b\n", "duplicate-header"),
    ],
)
def test_r2_2_bad_headers_refused(tmp_path: Path, text: str, rule: str) -> None:
    err = refused(write(tmp_path, text))
    assert err.rule == rule
    assert err.field in {"file", "row 1"}


def test_r2_2_header_only_file_has_no_rows(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "姓名,id_number\n"))
    assert table.headers == ("姓名", "id_number")
    assert rows == []


def test_r2_2_binary_garbage_refused_as_encoding(tmp_path: Path) -> None:
    garbage = hashlib.shake_256(b"garbage").digest(64 * 1024)
    assert refused(write(tmp_path, garbage)).rule == "encoding"
    assert refused(write(tmp_path, "a,b\n1,2\n".encode("utf-16"))).rule == "encoding"
    assert refused(write(tmp_path, b"a,b\n1,\x00\x01\n")).rule == "encoding"


def test_r2_2_ten_thousand_columns_refused_quickly(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(10_000))
    path = write(tmp_path, header + "\n" + ",".join("1" * 10_000) + "\n")
    started = time.perf_counter()
    err = refused(path)
    assert (err.rule, err.field) == ("max-columns", "row 1")
    assert time.perf_counter() - started < 1


def test_r2_2_enormous_line_refused_without_reading_it_whole(tmp_path: Path) -> None:
    limits = Limits(max_columns=5, max_cell_chars=10)
    assert refused(write(tmp_path, "a,b\n" + "," * 5000 + "\n"), limits).rule == "max-columns"
    err = refused(write(tmp_path, "a,b\n" + '"' + "x" * 5000 + "\n"), limits)
    assert (err.rule, err.field) == ("max-cell", "row 2")


def test_r2_2_hundred_thousand_rows_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("id_number,name,amount\n")
        for i in range(100_000):
            out.write(f"11010119900307{i % 10000:04d},姓名{i},{i}.5\n")
    table = open_table(path, LIMITS)
    count = last = 0
    for row in table.rows:
        count += 1
        last = row.number
    assert (count, last) == (100_000, 100_001)


def test_r2_2_max_rows_raised_at_the_row_beyond(tmp_path: Path) -> None:
    path = write(tmp_path, "a\n1\n2\n\n3\n")
    table = open_table(path, Limits(max_rows=2))
    rows = table.rows
    assert [next(rows).number, next(rows).number] == [2, 3]
    with pytest.raises(InvalidInput) as info:
        next(rows)
    assert (info.value.field, info.value.rule) == ("row 5", "max-rows")


def test_r2_2_max_bytes_checked_first(tmp_path: Path) -> None:
    err = refused(write(tmp_path, "a,b\n1,2\n"), Limits(max_bytes=5))
    assert (err.field, err.rule) == ("file", "max-bytes")


def test_r2_2_long_cell_refused_without_echoing_it(tmp_path: Path) -> None:
    secret = "110101199003071234" * 20
    err = refused(write(tmp_path, f"姓名,note\n张三,{secret}\n"), Limits(max_cell_chars=100))
    assert (err.field, err.rule) == ("row 2, column note", "max-cell")
    assert "1101011990" not in str(err)


def test_r2_2_cell_beyond_csv_module_limit_is_max_cell(tmp_path: Path) -> None:
    path = write(tmp_path, 'a\n"' + "x" * 200_000 + '"\n')
    err = refused(path, Limits(max_cell_chars=500_000))
    assert (err.field, err.rule) == ("row 2", "max-cell")


def test_r2_2_table_closes_its_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a\n1\n")
    with open_table(path, LIMITS) as table:
        assert table.headers == ("a",)
    with pytest.raises(ValueError, match="closed"):
        next(table.rows)


# --- format detection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("batch.CSV", b"a,b", FileFormat.CSV),
        ("batch.tsv", b"a\tb", FileFormat.CSV),
        ("batch.xlsx", b"PK\x03\x04", FileFormat.XLSX),
        ("batch.jsonl", b'{"a": 1}', FileFormat.JSONL),
        ("batch.ndjson", b"", FileFormat.JSONL),
        ("batch.json-lines", b"", FileFormat.JSONL),
        (None, b"PK\x03\x04rest", FileFormat.XLSX),
        ("upload.tmp", b'\xef\xbb\xbf \n {"a": 1}', FileFormat.JSONL),
        (None, "姓名,id\n".encode(), FileFormat.CSV),
        ("batch.txt", b"a,b", FileFormat.CSV),
    ],
)
def test_r2_2_detect_format(name: str | None, head: bytes, expected: FileFormat) -> None:
    assert detect_format(name, head) is expected


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("old.xls", b"a,b"),
        (None, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"),
        ("renamed.csv", b"PK\x03\x04rest"),
    ],
)
def test_r2_2_detect_format_refuses(name: str | None, head: bytes) -> None:
    with pytest.raises(InvalidInput) as info:
        detect_format(name, head)
    assert (info.value.field, info.value.rule) == ("file", "format")


def test_r2_2_open_table_uses_sent_name_or_forced_format(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": "1"}\n', "upload.bin")
    with open_table(path, LIMITS) as table:
        assert table.format is FileFormat.JSONL
    with open_table(path, LIMITS, filename="x.csv") as table:
        assert table.format is FileFormat.CSV
    with open_table(path, LIMITS, fmt=FileFormat.CSV) as table:
        assert table.format is FileFormat.CSV
