"""Mapping a batch file's headers to canonical column names (R-2.2). Pure.

A header names either a standard column (who the record is about, which item, which record,
what to do with it) or a field of the item's content, by the field's name or its Chinese or
English label. Matching ignores case, spaces, underscores and hyphens, and reads full-width
letters and brackets as their ASCII forms (NFKC; 【】〔〕 as []).

A header that equals a canonical name (a standard column's or a field's `name`) takes that
name even if it is also some other field's label; otherwise, a header matching the labels of
two different canonical names is refused as ambiguous.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from enum import StrEnum
from types import MappingProxyType

from chengxin.catalog.fields import FieldSpec
from chengxin.collection.readers_types import Cell, RawRow, shown
from chengxin.errors import InvalidInput

STANDARD_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "id_number": (
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "证件号码",
            "id_number",
            "id number",
            "idno",
        ),
        "name": ("姓名", "名称", "name", "full name"),
        "item": ("事项代码", "信息事项代码", "目录事项", "item", "item_code"),
        "record_id": ("记录编号", "业务编号", "信息编号", "record_id", "source_record_id"),
        "action": ("操作", "操作类型", "action"),
    }
)
"""Canonical standard column → the header spellings accepted for it."""


class Action(StrEnum):
    """What a row asks for (R-2.3: a correction or revocation makes a new version)."""

    ADD = "add"
    CORRECT = "correct"
    REVOKE = "revoke"


ACTION_SPELLINGS: Mapping[str, Action] = MappingProxyType(
    {
        "": Action.ADD,
        "新增": Action.ADD,
        "add": Action.ADD,
        "更正": Action.CORRECT,
        "修改": Action.CORRECT,
        "correct": Action.CORRECT,
        "撤销": Action.REVOKE,
        "revoke": Action.REVOKE,
    }
)

_IGNORED = re.compile(r"[\s_\-]+")
_BRACKETS = str.maketrans({"【": "[", "】": "]", "〔": "[", "〕": "]"})
_SUGGESTIONS = 3


def normalise(header: str) -> str:
    """The form headers are compared in."""
    text = unicodedata.normalize("NFKC", header).translate(_BRACKETS).casefold()
    return _IGNORED.sub("", text)


class _Index:
    """Normalised spelling → canonical names, in two tiers: names first, then labels."""

    def __init__(self, fields: Sequence[FieldSpec]) -> None:
        self.names: dict[str, str] = {}
        self.labels: dict[str, set[str]] = {}
        self.shown: dict[str, str] = {}  # normalised → a spelling to suggest
        for canonical, spellings in STANDARD_COLUMNS.items():
            self._name(canonical)
            for spelling in spellings:
                self._label(spelling, canonical)
        for spec in fields:
            self._name(spec.name)
            self._label(spec.label.zh, spec.name)
            self._label(spec.label.en, spec.name)

    def _name(self, canonical: str) -> None:
        key = normalise(canonical)
        self.names.setdefault(key, canonical)
        self.shown.setdefault(key, canonical)

    def _label(self, spelling: str, canonical: str) -> None:
        key = normalise(spelling)
        self.labels.setdefault(key, set()).add(canonical)
        self.shown.setdefault(key, spelling)

    def match(self, header: str) -> str:
        key = normalise(header)
        if key in self.names:
            return self.names[key]
        found = self.labels.get(key, set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise InvalidInput(
                f"matches several fields ({', '.join(sorted(found))}); use a field name",
                field=f"column {shown(header)}",
                rule="ambiguous-column",
            )
        close = difflib.get_close_matches(key, list(self.shown), n=_SUGGESTIONS, cutoff=0.6)
        hint = f" (closest: {', '.join(self.shown[k] for k in close)})" if close else ""
        raise InvalidInput(
            f"unknown column{hint}", field=f"column {shown(header)}", rule="unknown-column"
        )


def map_headers(headers: Sequence[str], fields: Sequence[FieldSpec]) -> dict[str, str]:
    """Each header → its canonical name (a standard column or a field's `name`).

    `fields` may be the union of several items' fields; fields sharing a name are one column.
    """
    index = _Index(fields)
    mapping: dict[str, str] = {}
    taken: dict[str, str] = {}
    for header in headers:
        canonical = index.match(header)
        if canonical in taken:
            raise InvalidInput(
                f"names the same column ({canonical}) as {shown(taken[canonical])!r}",
                field=f"column {shown(header)}",
                rule="duplicate-column",
            )
        taken[canonical] = header
        mapping[header] = canonical
    return mapping


def canonical_row(row: RawRow, mapping: Mapping[str, str]) -> dict[str, Cell]:
    """A row keyed by canonical names, without absent values (None, blank text, empty list).

    Every key of the row must be in `mapping` (map_headers covers all of a table's headers).
    """
    out: dict[str, Cell] = {}
    for header, value in row.values.items():
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            continue
        out[mapping[header]] = value
    return out


def parse_action(value: Cell, row: int) -> Action:
    """A row's action: 新增/add or blank → add, 更正/修改/correct → correct,
    撤销/revoke → revoke (case-insensitive)."""
    if value is None:
        return Action.ADD
    if isinstance(value, str):
        found = ACTION_SPELLINGS.get(normalise(value))
        if found is not None:
            return found
    raise InvalidInput(
        "must be one of: 新增/add, 更正/修改/correct, 撤销/revoke (blank means add)",
        field=f"row {row}, column action",
        rule="action",
    )
