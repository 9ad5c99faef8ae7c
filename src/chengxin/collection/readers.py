"""Reading uploaded batch files safely (R-2.2): CSV, XLSX and JSON Lines.

`open_table` checks the size, picks the format and returns a `Table`: the headers at once, the
rows as a stream. Every refusal is an InvalidInput located at `file`, `row N` or
`row N, column NAME`, with a short rule slug: `max-bytes`, `format`, `encoding`, `empty`,
`header`, `duplicate-header`, `max-columns`, `max-rows`, `max-cell`, `xlsx-broken`,
`xlsx-zip-bomb`, `xlsx-sheets`, `xlsx-precision`, `json`, `ragged-row`. Messages never repeat
a cell's content.

A file with a header and no data rows is not refused here: its table has no rows.
Format details live beside each reader: `readers_csv`, `readers_xlsx`, `readers_jsonl`.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from chengxin.collection.readers_csv import read_csv
from chengxin.collection.readers_jsonl import read_jsonl
from chengxin.collection.readers_types import Cell, FileFormat, Limits, RawRow, Table, refusal
from chengxin.collection.readers_xlsx import read_xlsx

__all__ = [
    "Cell",
    "FileFormat",
    "Limits",
    "RawRow",
    "Table",
    "detect_format",
    "open_table",
]

HEAD_BYTES = 8192
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and encrypted .xlsx)
BY_EXTENSION = {
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".xlsx": FileFormat.XLSX,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".json-lines": FileFormat.JSONL,
}
_WHITESPACE = b" \t\r\n"


def detect_format(filename: str | None, head: bytes) -> FileFormat:
    """The format named by the file's extension, else the one its first bytes show.

    Content rules: a ZIP header is XLSX, a first non-blank byte `{` is JSON Lines, anything
    else is CSV. Refused (`format`): legacy .xls (OLE2) files, and a file whose extension says
    CSV or JSON Lines while its content is a ZIP archive (a renamed workbook).
    """
    if head.startswith(OLE2_MAGIC):
        raise refusal(
            "a legacy Excel (.xls) or password-protected workbook; save it as .xlsx or CSV",
            "format",
        )
    suffix = PurePath(filename).suffix.lower() if filename else ""
    named = BY_EXTENSION.get(suffix)
    if named is not None:
        if named is not FileFormat.XLSX and head.startswith(ZIP_MAGIC):
            raise refusal(f"the file is named {suffix} but is a ZIP archive", "format")
        return named
    if suffix == ".xls":
        raise refusal("legacy Excel (.xls) files are not accepted; save as .xlsx", "format")
    if head.startswith(ZIP_MAGIC):
        return FileFormat.XLSX
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(_WHITESPACE)
    if text.startswith(b"{"):
        return FileFormat.JSONL
    return FileFormat.CSV


def open_table(
    path: Path, limits: Limits, fmt: FileFormat | None = None, filename: str | None = None
) -> Table:
    """Open an uploaded file as a table. `filename` is the name it was sent under (defaults
    to the path's name) and is used only to pick the format when `fmt` is not given."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise refusal(f"larger than {limits.max_bytes} bytes", "max-bytes")
    if size == 0:
        raise refusal("the file is empty", "empty")
    if fmt is None:
        with path.open("rb") as stream:
            head = stream.read(HEAD_BYTES)
        fmt = detect_format(filename if filename is not None else path.name, head)
    if fmt is FileFormat.CSV:
        return read_csv(path, limits)
    if fmt is FileFormat.XLSX:
        return read_xlsx(path, limits)
    return read_jsonl(path, limits)
