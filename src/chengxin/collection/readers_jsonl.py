"""Reading a JSON Lines batch file (R-2.2).

UTF-8 only (a byte-order mark on the first line is dropped). Each non-blank line is one JSON
object whose values are text, numbers, booleans, null or lists of text; keys are stripped and
may not repeat. The headers are the union of the keys in first-seen order, so the whole file is
read and checked once by `read_jsonl`: a refusal anywhere in it is raised there, before any row
is streamed. The rows are then parsed again as they are iterated.
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from chengxin.collection.readers_types import (
    Cell,
    FileFormat,
    Limits,
    RawRow,
    Table,
    cell_too_long,
    refusal,
    too_many_columns,
    too_many_rows,
)

# JSON escapes (\uXXXX) take up to six bytes for one character.
_BYTES_PER_CHAR = 6
_BYTES_PER_KEY = 64


def read_jsonl(path: Path, limits: Limits) -> Table:
    headers: dict[str, None] = {}
    for line, values in _objects(path, limits):
        for key in values:
            if key not in headers:
                headers[key] = None
                if len(headers) > limits.max_columns:
                    raise too_many_columns(len(headers), limits, line=line)
    if not headers:
        raise refusal("the file holds no JSON object", "empty")
    rows = (RawRow(line, values) for line, values in _objects(path, limits))
    return Table(FileFormat.JSONL, None, tuple(headers), rows)


def _max_line_bytes(limits: Limits) -> int:
    return limits.max_columns * (limits.max_cell_chars * _BYTES_PER_CHAR + _BYTES_PER_KEY)


def _objects(path: Path, limits: Limits) -> Iterator[tuple[int, dict[str, Cell]]]:
    max_line = _max_line_bytes(limits)
    seen = 0
    with path.open("rb") as stream:
        number = 0
        while raw := stream.readline(max_line + 1):
            number += 1
            if len(raw) > max_line:
                raise refusal(f"line longer than {max_line} bytes", "max-cell", line=number)
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise refusal("not UTF-8 text", "encoding", line=number) from None
            if not text.strip():
                continue
            seen += 1
            if seen > limits.max_rows:
                raise too_many_rows(limits, number)
            yield number, _parse(text, number, limits)


def _parse(text: str, line: int, limits: Limits) -> dict[str, Cell]:
    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        if len(items) > limits.max_columns:
            raise too_many_columns(len(items), limits, line=line)
        out: dict[str, object] = {}
        for key, value in items:
            name = key.strip()
            if name in out:
                raise refusal(f"key {name!r} appears twice", "json", line=line)
            out[name] = value
        return out

    def constant(_: str) -> NoReturn:
        raise refusal("NaN and Infinity are not JSON numbers", "json", line=line)

    try:
        parsed: object = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        # Its `msg` says what was expected ("Expecting ',' delimiter"), never the content.
        raise refusal(
            f"not valid JSON: {exc.msg} at character {exc.pos + 1}", "json", line=line
        ) from None
    except (ValueError, RecursionError):  # an integer too long, nesting too deep
        raise refusal("not valid JSON", "json", line=line) from None
    if not isinstance(parsed, dict):
        raise refusal("not a JSON object", "json", line=line)
    return {key: _cell(key, value, line, limits) for key, value in parsed.items()}


def _cell(key: str, value: object, line: int, limits: Limits) -> Cell:
    if not key:
        raise refusal("an empty key", "header", line=line)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise refusal("a number out of range", "json", line=line, column=key)
        return value
    if isinstance(value, str):
        if len(value) > limits.max_cell_chars:
            raise cell_too_long(limits, line, key)
        return value
    if isinstance(value, list):
        texts = [v for v in value if isinstance(v, str)]
        if len(texts) != len(value):
            raise refusal("a list may hold only text", "json", line=line, column=key)
        if sum(len(v) + 1 for v in texts) > limits.max_cell_chars:
            raise cell_too_long(limits, line, key)
        return texts
    raise refusal("a nested object is not accepted", "json", line=line, column=key)
