"""The value types of batch-file reading (R-2.2) and the one way a reader refuses.

Pure: no files here. `readers.py` is the entry point and re-exports these names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from chengxin.errors import InvalidInput

Cell = str | int | float | bool | None | list[str]
"""One value of a row. CSV and XLSX give text; JSON Lines may carry numbers, booleans, lists."""

_SHOWN_NAME_CHARS = 64


class FileFormat(StrEnum):
    """The batch file formats accepted (R-2.2)."""

    CSV = "csv"
    XLSX = "xlsx"
    JSONL = "jsonl"


@dataclass(frozen=True)
class Limits:
    """Bounds on an uploaded file; anything beyond them is refused, never truncated."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 2_000_000
    max_columns: int = 200
    max_cell_chars: int = 20_000
    max_xlsx_uncompressed_bytes: int = 1024 * 1024 * 1024  # zip-bomb guard
    max_xlsx_ratio: int = 200  # uncompressed/compressed per member

    @property
    def max_row_chars(self) -> int:
        """The longest text a CSV row can take within the limits (cells, quotes, separators)."""
        return self.max_columns * (self.max_cell_chars + 3) + 2


@dataclass(frozen=True)
class RawRow:
    """One data row as read, before its headers are mapped.

    `number` is where the row is in the file: for CSV and JSON Lines the physical line on which
    the row starts (the CSV header is line 1 when it is the first line), for XLSX the sheet row.
    CSV and XLSX values are text ("" for an empty cell); JSON Lines values are as sent, and a
    key a line does not carry is absent from `values`.
    """

    number: int
    values: dict[str, Cell]


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Table:
    """An opened batch file: its headers now, its rows streamed.

    Limits are enforced while `rows` is iterated, so iteration may raise InvalidInput. The
    source file stays open until the rows are exhausted, iteration fails, or `close()` is
    called; use the table as a context manager when the rows may not be read to the end.
    """

    format: FileFormat
    encoding: str | None  # "utf-8" / "gb18030" for CSV, None otherwise
    headers: tuple[str, ...]
    rows: Iterator[RawRow]
    closer: Callable[[], None] = field(default=_nothing, repr=False, compare=False)

    def close(self) -> None:
        """Release the source file; safe to call more than once."""
        self.closer()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def shown(name: str) -> str:
    """A column name as it may appear in a message: bounded in length."""
    if len(name) <= _SHOWN_NAME_CHARS:
        return name
    return name[: _SHOWN_NAME_CHARS - 1] + "…"


def refusal(
    message: str, rule: str, *, line: int | None = None, column: str | None = None
) -> InvalidInput:
    """An InvalidInput located at the file, a row, or a cell. Never pass a cell's content."""
    if line is None:
        where = "file"
    elif column is None:
        where = f"row {line}"
    else:
        where = f"row {line}, column {shown(column)}"
    return InvalidInput(message, field=where, rule=rule)


def too_many_columns(count: int, limits: Limits, *, line: int | None = None) -> InvalidInput:
    return refusal(
        f"{count} columns; at most {limits.max_columns} are accepted", "max-columns", line=line
    )


def too_many_rows(limits: Limits, line: int) -> InvalidInput:
    return refusal(f"more than {limits.max_rows} data rows; split the file", "max-rows", line=line)


def cell_too_long(limits: Limits, line: int, column: str) -> InvalidInput:
    return refusal(
        f"cell longer than {limits.max_cell_chars} characters",
        "max-cell",
        line=line,
        column=column,
    )


def header_names(cells: list[str], line: int, limits: Limits) -> tuple[str, ...]:
    """The header row's names: stripped, trailing empty cells dropped (spreadsheet exports
    often add them), then none empty, none too long, none repeated, not too many."""
    names = [c.strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    if len(names) > limits.max_columns:
        raise too_many_columns(len(names), limits, line=line)
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            raise refusal(f"header cell {position} is empty", "header", line=line)
        if len(name) > limits.max_cell_chars:
            raise refusal(f"header cell {position} is too long", "max-cell", line=line)
        if name in seen:
            raise refusal(f"header {shown(name)!r} appears twice", "duplicate-header", line=line)
        seen.add(name)
    return tuple(names)
