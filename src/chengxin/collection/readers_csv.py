"""Reading a CSV (or tab-separated) batch file: encoding, dialect, rows (R-2.2).

The encoding is UTF-8 (a byte-order mark is dropped) or, failing that, GB18030; the whole file
is checked before the first row is read. The separator is a comma, or a tab when the header
line has tabs and no commas. Quoted cells may hold separators, quotes and line breaks; a row's
number is the line on which it starts. Rows in which every cell is blank are skipped.
Trailing empty header cells are dropped, and cells beyond the headers are accepted when blank
(spreadsheet exports often end lines with separators); a non-blank one is a `ragged-row`.
Cells longer than `csv.field_size_limit()` (131,072 characters unless raised by someone else)
are refused by the csv module itself; this module never changes that global setting.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import deque
from collections.abc import Iterator
from io import TextIOWrapper
from pathlib import Path

from chengxin.collection.readers_types import (
    Cell,
    FileFormat,
    Limits,
    RawRow,
    Table,
    cell_too_long,
    header_names,
    refusal,
    too_many_rows,
)

UTF8 = "utf-8"
GB18030 = "gb18030"
_CHUNK = 1 << 20
# GB18030 decodes almost any bytes; text with these in it was not GB18030 to begin with.
_NOT_GB18030_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
_FIELD_LIMIT_MESSAGE = "field larger than field limit"
_MAX_LEADING_BLANK_LINES = 1000  # looked past when choosing the separator


def read_csv(path: Path, limits: Limits) -> Table:
    encoding = detect_encoding(path)
    stream = path.open(encoding="utf-8-sig" if encoding == UTF8 else GB18030, newline="")
    try:
        lines = _Lines(stream, limits)
        delimiter = "\t" if lines.header_is_tab_separated() else ","
        reader = csv.reader(lines, delimiter=delimiter)
        header = _next_row(reader, lines, limits)
        if header is None:
            raise refusal("the file has no header row", "empty")
        headers = header_names(header[1], header[0], limits)
    except BaseException:
        stream.close()
        raise
    rows = _rows(stream, reader, lines, headers, limits)
    return Table(FileFormat.CSV, encoding, headers, rows, stream.close)


def detect_encoding(path: Path) -> str:
    """UTF-8 or GB18030, judged over the whole file; anything else is refused."""
    with path.open("rb") as raw:
        head = raw.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise refusal("UTF-16 text is not accepted; save the file as UTF-8", "encoding")
    if _decodes(path, UTF8, None):
        return UTF8
    if not head.startswith(codecs.BOM_UTF8) and _decodes(path, GB18030, _NOT_GB18030_TEXT):
        return GB18030
    raise refusal("the file is not UTF-8 or GB18030 text", "encoding")


def _decodes(path: Path, encoding: str, forbidden: re.Pattern[str] | None) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as raw:
        try:
            while chunk := raw.read(_CHUNK):
                text = decoder.decode(chunk)
                if "\x00" in text or (forbidden is not None and forbidden.search(text)):
                    return False
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


class _Lines:
    """The physical lines of a text stream, counted, with a bound on each row's length.

    The csv reader pulls lines from here one at a time and never reads past the row it is
    building, so the characters taken since `row_done()` are those of the current row.
    """

    def __init__(self, stream: TextIOWrapper, limits: Limits) -> None:
        self._stream = stream
        self._limits = limits
        self._ahead: deque[str] = deque()
        self.count = 0  # lines handed to the csv reader
        self.row_start = 1
        self._row_chars = 0
        self._delimiter = ","

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self._ahead.popleft() if self._ahead else self._read()
        if not line:
            raise StopIteration
        self.count += 1
        self._row_chars += len(line)
        if self._row_chars > self._limits.max_row_chars:
            self._refuse_long_row(line)
        return line

    def _read(self) -> str:
        return self._stream.readline(self._limits.max_row_chars + 1)

    def header_is_tab_separated(self) -> bool:
        """Look at the first non-blank line (without consuming it) for the separator."""
        for _ in range(_MAX_LEADING_BLANK_LINES):
            line = self._read()
            self._ahead.append(line)
            if not line:
                return False
            if line.strip():
                tabbed = "\t" in line and "," not in line
                self._delimiter = "\t" if tabbed else ","
                return tabbed
        return False

    def row_done(self) -> None:
        self.row_start = self.count + 1
        self._row_chars = 0

    def _refuse_long_row(self, line: str) -> None:
        if line.count(self._delimiter) >= self._limits.max_columns:
            raise refusal(
                f"more than {self._limits.max_columns} columns", "max-columns", line=self.row_start
            )
        raise refusal(
            f"row longer than the limits allow (cells of at most "
            f"{self._limits.max_cell_chars} characters)",
            "max-cell",
            line=self.row_start,
        )


def _next_row(
    reader: Iterator[list[str]], lines: _Lines, limits: Limits
) -> tuple[int, list[str]] | None:
    """The next row with a non-blank cell, with the line it starts on; None at the end."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise _csv_refusal(exc, lines.row_start, limits) from None
        start = lines.row_start
        lines.row_done()
        if any(c.strip() for c in cells):
            return start, cells


def _csv_refusal(exc: csv.Error, line: int, limits: Limits) -> Exception:
    if str(exc).startswith(_FIELD_LIMIT_MESSAGE):
        return refusal(
            f"cell longer than {min(limits.max_cell_chars, csv.field_size_limit())} characters",
            "max-cell",
            line=line,
        )
    return refusal("malformed CSV row (check the quotes)", "format", line=line)


def _rows(
    stream: TextIOWrapper,
    reader: Iterator[list[str]],
    lines: _Lines,
    headers: tuple[str, ...],
    limits: Limits,
) -> Iterator[RawRow]:
    width = len(headers)
    seen = 0
    try:
        while (found := _next_row(reader, lines, limits)) is not None:
            line, cells = found
            seen += 1
            if seen > limits.max_rows:
                raise too_many_rows(limits, line)
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                raise refusal(f"{len(cells)} cells but {width} headers", "ragged-row", line=line)
            values: dict[str, Cell] = {}
            for name, cell in zip(headers, cells, strict=False):
                if len(cell) > limits.max_cell_chars:
                    raise cell_too_long(limits, line, name)
                values[name] = cell
            for name in headers[len(cells) :]:
                values[name] = ""
            yield RawRow(line, values)
    finally:
        stream.close()
