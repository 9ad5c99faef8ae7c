"""R-2.2: XLSX batch files are read safely — values, sheets, broken files and zip bombs."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from chengxin.collection.readers import FileFormat, Limits, RawRow, open_table
from tests.collection.readers_support import LIMITS, read, refused

MIB = 1024 * 1024


def workbook(tmp_path: Path, *sheets: Sequence[Sequence[object]], name: str = "batch.xlsx") -> Path:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for number, rows in enumerate(sheets, start=1):
        sheet = book.create_sheet(f"Sheet{number}")
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def open_handles(path: Path) -> int:
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == str(path.resolve()))


def test_r2_2_xlsx_values_read_back_as_text(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        [
            [" 姓名 ", "id_number", "decided", "at", "count", "amount", "small", "flag", "note"],
            [
                "张三",
                "11010119900307123X",
                dt.date(2026, 3, 1),
                dt.datetime(2026, 3, 1, 10, 30),  # noqa: DTZ001 (sheets hold local times)
                42,
                3.0,
                1e-7,
                True,
                None,
            ],
            [
                "李四",
                "110101199003071234",
                dt.datetime(2025, 12, 31),  # noqa: DTZ001
                None,
                -7,
                1234.5,
                0.25,
                False,
                "备注",
            ],
        ],
        name="upload.tmp",
    )
    table, rows = read(path)
    assert table.format is FileFormat.XLSX
    assert table.encoding is None
    assert table.headers == (
        "姓名",
        "id_number",
        "decided",
        "at",
        "count",
        "amount",
        "small",
        "flag",
        "note",
    )
    assert rows[0] == RawRow(
        2,
        {
            "姓名": "张三",
            "id_number": "11010119900307123X",
            "decided": "2026-03-01",
            "at": "2026-03-01 10:30:00",
            "count": "42",
            "amount": "3",
            "small": "0.0000001",
            "flag": "true",
            "note": "",
        },
    )
    assert rows[1].values["id_number"] == "110101199003071234"
    assert rows[1].values["decided"] == "2025-12-31"
    assert rows[1].values["amount"] == "1234.5"
    assert rows[1].values["flag"] == "false"
    assert open_handles(path) == 0


def test_r2_2_xlsx_first_sheet_only_empty_rows_skipped(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        [[None], [], ["a", "b", None], [], ["1", "2"], [None, "  "], ["3"], [], []],
        [["other", "sheet"], ["x", "y"]],
    )
    table, rows = read(path)
    assert table.headers == ("a", "b")
    assert rows == [RawRow(5, {"a": "1", "b": "2"}), RawRow(7, {"a": "3", "b": ""})]


def patched(path: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """A copy of a workbook with one member's bytes changed."""
    out = path.with_name("patched.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, change(data) if info.filename == member else data)
    return out


SHEET1 = "xl/worksheets/sheet1.xml"


def test_r2_2_xlsx_wrong_dimension_does_not_lose_cells(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["a", "b"], ["1", "2"], ["3", "4"]])
    lying = patched(path, SHEET1, lambda d: d.replace(b'ref="A1:B3"', b'ref="A1"'))
    _, rows = read(lying)
    assert [r.values for r in rows] == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_r2_2_xlsx_hostile_sheets_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["a"], ["1"]])
    far_row = patched(path, SHEET1, lambda d: d.replace(b'r="2"', b'r="999999999"'))
    assert refused(far_row).rule == "xlsx-broken"
    far_column = patched(path, SHEET1, lambda d: d.replace(b'r="A2"', b'r="ZZZ2"'))
    assert (refused(far_column).rule, refused(far_column).field) == ("max-columns", "row 2")
    cut = patched(path, SHEET1, lambda d: d.replace(b"</sheetData>", b"<row>"))
    assert (refused(cut).rule, refused(cut).field) == ("xlsx-broken", "file")


@pytest.mark.parametrize(
    ("sheet", "rule", "field"),
    [
        ([], "empty", "file"),
        ([["a", None, "b"]], "header", "row 1"),
        ([["a", "a"]], "duplicate-header", "row 1"),
        ([["a"], ["1", "2"]], "ragged-row", "row 2"),
        ([["a"], ["x" * 101]], "max-cell", "row 2, column a"),
    ],
)
def test_r2_2_xlsx_refusals(
    tmp_path: Path, sheet: list[list[object]], rule: str, field: str
) -> None:
    err = refused(workbook(tmp_path, sheet), Limits(max_cell_chars=100))
    assert (err.rule, err.field) == (rule, field)


def test_r2_2_xlsx_too_many_columns_refused_before_reading(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["a"], *[[None] * 299 + ["far"]]])
    err = refused(path)
    assert (err.rule, err.field) == ("max-columns", "file")
    assert (
        refused(workbook(tmp_path, [[f"c{i}" for i in range(6)]]), Limits(max_columns=5)).rule
        == "max-columns"
    )
    assert open_handles(path) == 0


def test_r2_2_xlsx_max_rows(tmp_path: Path) -> None:
    err = refused(workbook(tmp_path, [["a"], ["1"], ["2"], ["3"]]), Limits(max_rows=2))
    assert (err.rule, err.field) == ("max-rows", "row 4")


def test_r2_2_broken_xlsx_refused(tmp_path: Path) -> None:
    good = workbook(tmp_path, [["a"], ["1"]]).read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good[: len(good) // 2])
    assert refused(truncated).rule == "xlsx-broken"
    noise = tmp_path / "noise.xlsx"
    noise.write_bytes(b"PK\x03\x04" + hashlib.shake_256(b"noise").digest(4096))
    assert refused(noise).rule == "xlsx-broken"
    not_a_workbook = tmp_path / "other.xlsx"
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refused(not_a_workbook).rule == "xlsx-broken"


def test_r2_2_xlsx_with_unusual_compression_refused(tmp_path: Path) -> None:
    path = tmp_path / "bzip.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert refused(path).rule == "xlsx-broken"


def test_r2_2_xlsx_zip_bomb_by_ratio(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b" " * MIB
            for _ in range(50):
                member.write(chunk)
    assert path.stat().st_size < MIB
    err = refused(path)
    assert (err.rule, err.field) == ("xlsx-zip-bomb", "file")


def test_r2_2_xlsx_zip_bomb_by_total_size(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["a"], ["1"]])
    assert refused(path, Limits(max_xlsx_uncompressed_bytes=1000)).rule == "xlsx-zip-bomb"


def test_r2_2_xlsx_with_too_many_members_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for i in range(10_001):
            archive.writestr(f"m{i}", b"")
    assert refused(path).rule == "xlsx-zip-bomb"


def test_r2_2_id_number_in_a_number_cell_refused(tmp_path: Path) -> None:
    """Excel keeps 15 digits: an 18-digit ID typed as a number has lost its tail."""
    err = refused(workbook(tmp_path, [["姓名", "身份证号"], ["张三", 110101199003071234]]))
    assert (err.rule, err.field) == ("xlsx-precision", "row 2, column 身份证号")
    assert "1101" not in str(err)


def test_r2_2_xlsx_announcing_a_billion_members_refused_before_listing(tmp_path: Path) -> None:
    """A ZIP64 end record is read directly; zipfile never lists the members it announces."""
    body = b"PK\x03\x04" + bytes(100)
    end64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 10**9, 10**9, 46 * 10**9, 0)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(body), 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    path = tmp_path / "zip64.xlsx"
    path.write_bytes(body + end64 + locator + end)
    assert refused(path).rule == "xlsx-zip-bomb"


def test_r2_2_xlsx_without_worksheet_refused(tmp_path: Path) -> None:
    good = workbook(tmp_path, [["a"], ["1"]])
    path = patched(
        good, "xl/workbook.xml", lambda d: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", d)
    )
    assert refused(path).rule == "xlsx-sheets"


def test_r2_2_xlsx_table_closed_early(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["a"], ["1"], ["2"]])
    with open_table(path, LIMITS) as table:
        assert next(table.rows).number == 2
        assert open_handles(path) == 1
    assert open_handles(path) == 0
