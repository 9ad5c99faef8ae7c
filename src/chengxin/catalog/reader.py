"""Typed reading of located YAML mappings; each complaint becomes a `file:line: reason` problem.

A getter that finds a bad value records the problem and returns None, so that one pass over a
file reports everything wrong with it instead of stopping at the first mistake.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from chengxin.catalog.yamlsource import CatalogError, Problem, YMap, YNode, YScalar, YSeq

E = TypeVar("E", bound=StrEnum)


class Problems:
    """Problems found so far, across all files of one load."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(self, file: str, line: int, reason: str) -> None:
        self.found.append(Problem(file, line, reason))

    def __len__(self) -> int:
        return len(self.found)

    def raise_if_any(self) -> None:
        if self.found:
            raise CatalogError(sorted(self.found, key=lambda p: (p.file, p.line)))


def _choices(values: Iterable[str]) -> str:
    return ", ".join(values)


def _text_problem(
    value: str, max_length: int, pattern: re.Pattern[str] | None, hint: str
) -> str | None:
    if not value:
        return "must not be empty"
    if len(value) > max_length:
        return f"longer than {max_length} characters"
    if any(ord(ch) < 32 and ch not in "\t\n" for ch in value):
        return "contains control characters"
    if pattern is not None and not pattern.fullmatch(value):
        return f"{value!r} is not valid{': ' + hint if hint else ''}"
    return None


class MapReader:
    """Reads one YAML mapping of a file; `path` names it in messages (e.g. `items[3]`)."""

    def __init__(
        self,
        node: YMap,
        file: str,
        problems: Problems,
        path: str = "",
        anchor: int | None = None,
    ) -> None:
        self.node = node
        self.file = file
        self.problems = problems
        self.path = path
        self.anchor = anchor if anchor is not None else node.line  # line naming the mapping
        self.missing: set[str] = set()  # required keys already reported missing

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def line_of(self, key: str) -> int:
        return self.node.key_lines.get(key, self.anchor)

    def fail(self, key: str | None, reason: str, line: int | None = None) -> None:
        where = self.line_of(key) if key is not None and line is None else line
        label = self._name(key) if key is not None else (self.path or "file")
        self.problems.add(self.file, where or self.anchor, f"{label}: {reason}")

    def check_keys(self, required: Iterable[str], optional: Iterable[str] = ()) -> bool:
        """Report missing required keys and unknown keys (a likely typo is named once, with
        the key it resembles); True when all is well."""
        required = tuple(required)
        allowed = set(required) | set(optional)
        absent = [key for key in required if key not in self.node.entries]
        ok = True
        for key in self.node.entries:
            if key in allowed:
                continue
            ok = False
            guess = difflib.get_close_matches(key, absent, n=1)
            if guess:
                self.fail(key, f"unknown key; did you mean '{guess[0]}'?")
                absent.remove(guess[0])
                self.missing.add(guess[0])
            else:
                self.fail(key, f"unknown key (allowed: {_choices(sorted(allowed))})")
        for key in absent:
            self.problems.add(
                self.file, self.anchor, f"{self.path or 'file'}: missing required key '{key}'"
            )
            self.missing.add(key)
            ok = False
        return ok

    def has(self, key: str) -> bool:
        value = self.node.entries.get(key)
        return value is not None and not (isinstance(value, YScalar) and value.value is None)

    def _scalar(self, key: str, *, required: bool) -> YScalar | None:
        node = self.node.entries.get(key)
        if node is None or (isinstance(node, YScalar) and node.value is None):
            if required and key not in self.missing:
                self.fail(key, "a value is required")
            return None
        if not isinstance(node, YScalar):
            self.fail(key, "must be a single value, not a list or mapping")
            return None
        return node

    def text(
        self,
        key: str,
        *,
        required: bool = True,
        max_length: int = 500,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
    ) -> str | None:
        node = self._scalar(key, required=required)
        if node is None:
            return None
        if not isinstance(node.value, str):
            self.fail(key, "must be text (put it in quotes)")
            return None
        value = node.value.strip()
        reason = _text_problem(value, max_length, pattern, hint)
        if reason is not None:
            self.fail(key, reason)
            return None
        return value

    def enum(self, key: str, kind: type[E], *, required: bool = True) -> E | None:
        node = self._scalar(key, required=required)
        if node is None:
            return None
        try:
            return kind(str(node.value))
        except ValueError:
            self.fail(key, f"unknown value {node.value!r} (expected one of: {_choices(kind)})")
            return None

    def date(self, key: str, *, required: bool = True) -> dt.date | None:
        node = self._scalar(key, required=required)
        if node is None:
            return None
        if isinstance(node.value, dt.date):
            return node.value
        self.fail(key, "must be a date written YYYY-MM-DD")
        return None

    def boolean(self, key: str, *, default: bool) -> bool:
        node = self._scalar(key, required=False)
        if node is None:
            return default
        if isinstance(node.value, bool):
            return node.value
        self.fail(key, "must be true or false")
        return default

    def integer(self, key: str, *, required: bool = False, minimum: int = 0) -> int | None:
        node = self._scalar(key, required=required)
        if node is None:
            return None
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "must be a whole number")
            return None
        if value < minimum:
            self.fail(key, f"must be at least {minimum}")
            return None
        return value

    def number_text(self, key: str) -> str | None:
        """A number (whole or decimal) as its text, for exact Decimal conversion."""
        node = self._scalar(key, required=False)
        if node is None:
            return None
        if isinstance(node.value, bool) or not isinstance(node.value, int | float | str):
            self.fail(key, "must be a number")
            return None
        return str(node.value)

    def seq(self, key: str, *, required: bool = True, allow_empty: bool = False) -> list[YNode]:
        node = self.node.entries.get(key)
        if node is None or (isinstance(node, YScalar) and node.value is None):
            if required and key not in self.missing:
                self.fail(key, "a list is required")
            return []
        if not isinstance(node, YSeq):
            self.fail(key, "must be a list")
            return []
        if not node.items and not allow_empty:
            self.fail(key, "must not be empty")
        return list(node.items)

    def texts(self, key: str, *, required: bool = True, max_length: int = 200) -> list[str]:
        """A list of short texts, without duplicates."""
        out: list[str] = []
        for i, item in enumerate(self.seq(key, required=required)):
            if not isinstance(item, YScalar) or not isinstance(item.value, str):
                self.fail(key, f"item {i + 1} must be text", item.line)
                continue
            value = item.value.strip()
            if not value or len(value) > max_length:
                self.fail(key, f"item {i + 1} must be 1 to {max_length} characters", item.line)
            elif value in out:
                self.fail(key, f"{value!r} is listed twice", item.line)
            else:
                out.append(value)
        return out

    def enums(self, key: str, kind: type[E], *, required: bool = True) -> list[E]:
        out: list[E] = []
        for i, item in enumerate(self.seq(key, required=required)):
            raw = item.value if isinstance(item, YScalar) else None
            try:
                value = kind(str(raw))
            except ValueError:
                self.fail(
                    key,
                    f"item {i + 1}: unknown value {raw!r} (expected one of: {_choices(kind)})",
                    item.line,
                )
                continue
            if value in out:
                self.fail(key, f"{value} is listed twice", item.line)
            else:
                out.append(value)
        return out

    def map(self, key: str, *, required: bool = True) -> MapReader | None:
        node = self.node.entries.get(key)
        if node is None or (isinstance(node, YScalar) and node.value is None):
            if required and key not in self.missing:
                self.fail(key, "a mapping is required")
            return None
        if not isinstance(node, YMap):
            self.fail(key, "must be a mapping (key: value)")
            return None
        return MapReader(node, self.file, self.problems, self._name(key), self.line_of(key))

    def item_reader(self, key: str, index: int, node: YNode) -> MapReader | None:
        """Reader for the index-th entry of the list under `key`; it must be a mapping."""
        path = f"{self._name(key)}[{index}]"
        if not isinstance(node, YMap):
            self.problems.add(self.file, node.line, f"{path}: must be a mapping (key: value)")
            return None
        return MapReader(node, self.file, self.problems, path, node.line)
