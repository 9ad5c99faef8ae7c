"""Reading an XLSX batch file (R-2.2).

The archive is checked first (`readers_archive`: a ZIP that cannot inflate beyond the limits);
openpyxl then reads it in read-only mode with cached formula values (XML through defusedxml).

Only the FIRST worksheet is read. Other sheets, with data or not, are ignored: a department's
export often carries a notes or code-list sheet beside the data. The header is the first
non-empty row; trailing empty header cells are ignored (formatting often widens a sheet); empty
rows are skipped. Values become text: dates as YYYY-MM-DD (a date-time with a time of day as
YYYY-MM-DD HH:MM:SS), whole numbers without ".0", other numbers in plain decimal notation,
booleans as "true"/"false", empty cells as "". A number cell of 10^15 or more stored as a
floating-point number is refused (`xlsx-precision`): its last digits may already be lost.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from chengxin.collection.readers_archive import check_archive
from chengxin.collection.readers_types import (
    Cell,
    FileFormat,
    Limits,
    RawRow,
    Table,
    cell_too_long,
    header_names,
    refusal,
    too_many_columns,
    too_many_rows,
)

EXCEL_MAX_ROWS = 1_048_576
# Spreadsheets keep 15 significant digits; a whole number stored as a float from here up may
# have lost its last digits (an ID number typed into a number cell: 110101199003071234 is
# saved as 1.10101199003071E+17). Such a cell is refused, not guessed.
EXACT_FLOAT_LIMIT = 10**15
_Values = tuple[object, ...]


def read_xlsx(path: Path, limits: Limits) -> Table:
    source = path.open("rb")
    workbook: Workbook | None = None
    try:
        check_archive(source, limits)
        source.seek(0)
        workbook = _load(source)
        sheet = _first_sheet(workbook)
        if sheet.max_column is not None and sheet.max_column > limits.max_columns:
            raise too_many_columns(sheet.max_column, limits)
        # The declared dimension may be wrong (some writers always say "A1"); read every cell.
        sheet.reset_dimensions()
        # The stubs type iter_rows for Worksheet only; ReadOnlyWorksheet borrows it.
        raw = _guarded(sheet.iter_rows(values_only=True))  # type: ignore[misc]
        line, header = _first_non_empty(raw, limits)
        headers = header_names([cell_text(v) for v in header], line, limits)
    except BaseException:
        _close(workbook, source)
        raise

    def close() -> None:
        _close(workbook, source)

    return Table(FileFormat.XLSX, None, headers, _rows(raw, headers, limits, close), close)


def _broken() -> Exception:
    return refusal("the workbook cannot be read", "xlsx-broken")


def _load(source: BinaryIO) -> Workbook:
    try:
        # A file object, not a path: openpyxl would refuse a temporary file's name.
        return load_workbook(source, read_only=True, data_only=True)
    # Any failure of openpyxl, zipfile or the XML parser means the same: unreadable. The
    # cause is dropped because its message may quote cell text.
    except Exception:  # noqa: BLE001
        raise _broken() from None


def _first_sheet(workbook: Workbook) -> ReadOnlyWorksheet:
    sheets = workbook.worksheets
    if not sheets:
        raise refusal("the workbook has no worksheet", "xlsx-sheets")
    if not isinstance(sheets[0], ReadOnlyWorksheet):  # pragma: no cover - read-only mode
        raise _broken()
    return sheets[0]


def _close(workbook: Workbook | None, source: BinaryIO) -> None:
    try:
        if workbook is not None:
            workbook.close()
    finally:
        source.close()


def _guarded(raw: Iterator[_Values]) -> Iterator[tuple[int, _Values]]:
    """Sheet rows with their numbers; openpyxl and XML failures become `xlsx-broken`."""
    number = 0
    while True:
        try:
            values = next(raw)
        except StopIteration:
            return
        except Exception:  # noqa: BLE001 (as in _load)
            raise _broken() from None
        number += 1
        if number > EXCEL_MAX_ROWS:
            raise refusal(f"row numbers beyond {EXCEL_MAX_ROWS}", "xlsx-broken")
        yield number, values


def _is_empty(values: _Values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _first_non_empty(raw: Iterator[tuple[int, _Values]], limits: Limits) -> tuple[int, _Values]:
    for line, values in raw:
        _check_width(values, line, limits)
        if not _is_empty(values):
            return line, values
    raise refusal("the first worksheet is empty", "empty")


def _check_width(values: _Values, line: int, limits: Limits) -> None:
    beyond = values[limits.max_columns :]
    if beyond and not _is_empty(beyond):
        raise too_many_columns(len(values), limits, line=line)


def _rows(
    raw: Iterator[tuple[int, _Values]],
    headers: tuple[str, ...],
    limits: Limits,
    close: Callable[[], None],
) -> Iterator[RawRow]:
    width = len(headers)
    seen = 0
    try:
        for line, values in raw:
            if _is_empty(values):
                continue
            seen += 1
            if seen > limits.max_rows:
                raise too_many_rows(limits, line)
            _check_width(values, line, limits)
            if not _is_empty(values[width:]):
                raise refusal(
                    "a value stands in a column without a header", "ragged-row", line=line
                )
            row: dict[str, Cell] = {}
            for position, name in enumerate(headers):
                value = values[position] if position < len(values) else None
                if isinstance(value, float) and abs(value) >= EXACT_FLOAT_LIMIT:
                    raise refusal(
                        "a number of more than 15 digits cannot be kept exactly in a "
                        "spreadsheet; format the column as text",
                        "xlsx-precision",
                        line=line,
                        column=name,
                    )
                text = cell_text(value)
                if len(text) > limits.max_cell_chars:
                    raise cell_too_long(limits, line, name)
                row[name] = text
            yield RawRow(line, row)
    finally:
        close()


def cell_text(value: object) -> str:
    """A cell's value as text (see the module docstring for the forms)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.date | dt.time):
        return _time_text(value)
    return str(value)  # int, and what openpyxl rarely gives (durations)


def _number_text(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def _time_text(value: dt.date | dt.time) -> str:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    return value.isoformat()
