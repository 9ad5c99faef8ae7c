"""Helpers shared by the reader tests: write a file, read it whole, expect a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from chengxin.collection.readers import Limits, RawRow, Table, open_table
from chengxin.errors import InvalidInput

LIMITS = Limits()


def write(tmp_path: Path, data: bytes | str, name: str = "batch.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def read(path: Path, limits: Limits = LIMITS) -> tuple[Table, list[RawRow]]:
    table = open_table(path, limits)
    return table, list(table.rows)


def refused(path: Path, limits: Limits = LIMITS) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        read(path, limits)
    return info.value
