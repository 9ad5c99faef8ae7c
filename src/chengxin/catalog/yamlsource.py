"""Catalog YAML read with line numbers, so that every complaint says `file:line: reason`.

Files are parsed with PyYAML's safe composer into a small tree of located nodes. Refused outright:
files larger than 2 MiB, text that is not UTF-8, more than one document, anchors and aliases
(no "billion laughs"), explicit tags other than the plain YAML types, duplicate keys, keys that
are not text, nesting deeper than 32 levels and more than 200,000 nodes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from chengxin.errors import ConfigError

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 32

_TAG = "tag:yaml.org,2002:"
# libyaml when the wheel has it (about ten times faster); the pure-Python loader otherwise.
_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)
Scalar = str | int | float | bool | dt.date | None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a catalog file, at a 1-based line."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class CatalogError(ConfigError):
    """Catalog files that cannot be used. `problems` lists every one found; `file`, `line` and
    `reason` are those of the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("CatalogError needs at least one problem")
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}", rule="catalog")
        self.problems = tuple(problems)
        self.file = first.file
        self.line = first.line
        self.reason = first.reason


@dataclass(frozen=True, slots=True)
class YScalar:
    value: Scalar
    line: int


@dataclass(frozen=True, slots=True)
class YSeq:
    items: tuple[YNode, ...]
    line: int


@dataclass(frozen=True, slots=True)
class YMap:
    entries: dict[str, YNode]
    key_lines: dict[str, int]
    line: int


YNode = YScalar | YSeq | YMap


class _Refused(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def parse_yaml(file: str, raw: bytes) -> YMap:
    """Parse one catalog file's bytes; the root must be a mapping. Raises CatalogError."""
    try:
        return _parse(raw)
    except _Refused as exc:
        raise CatalogError([Problem(file, exc.line, exc.reason)]) from None


def _parse(raw: bytes) -> YMap:
    if len(raw) > MAX_FILE_BYTES:
        raise _Refused(1, f"file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Refused(raw[: exc.start].count(b"\n") + 1, "file is not UTF-8 text") from None
    try:
        _screen_events(text)
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise _Refused(line, f"invalid YAML: {reason}") from None
    except yaml.YAMLError:
        raise _Refused(1, "invalid YAML") from None
    if root is None:
        raise _Refused(1, "file is empty")
    tree = _convert(root, 0)
    if not isinstance(tree, YMap):
        raise _Refused(tree.line, "the file must hold a mapping (key: value) at its top")
    return tree


def _screen_events(text: str) -> None:
    """Refuse anchors, aliases, deep nesting and huge files before anything is built."""
    depth = 0
    count = 0
    for event in yaml.parse(text, Loader=_LOADER):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(line, f"aliases (*{event.anchor}) are not allowed in catalog files")
        if isinstance(event, yaml.NodeEvent):
            count += 1
            if event.anchor is not None:
                raise _Refused(line, f"anchors (&{event.anchor}) are not allowed in catalog files")
            if count > MAX_NODES:
                raise _Refused(line, f"more than {MAX_NODES} YAML nodes")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(line, f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


_CONSTRUCTOR = SafeConstructor()


def _convert(node: yaml.Node, depth: int) -> YNode:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return YScalar(_scalar(node, line), line)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _TAG + "seq":
            raise _Refused(line, f"tag {node.tag} is not allowed")
        return YSeq(tuple(_convert(item, depth + 1) for item in node.value), line)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _TAG + "map":
            raise _Refused(line, f"tag {node.tag} is not allowed")
        entries: dict[str, YNode] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == _TAG + "merge":
                raise _Refused(key_line, "merge keys (<<) are not allowed in catalog files")
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _TAG + "str":
                raise _Refused(key_line, "keys must be plain text (quote them if needed)")
            key = str(key_node.value)
            if key in entries:
                raise _Refused(
                    key_line, f"duplicate key '{key}' (first given on line {key_lines[key]})"
                )
            entries[key] = _convert(value_node, depth + 1)
            key_lines[key] = key_line
        return YMap(entries, key_lines, line)
    raise _Refused(line, "unsupported YAML node")  # pragma: no cover - composer makes only these


def _scalar(node: yaml.ScalarNode, line: int) -> Scalar:
    tag = node.tag.removeprefix(_TAG)
    try:
        if tag == "str":
            return str(node.value)
        if tag == "null":
            return None
        if tag == "bool":
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if tag == "int":
            return _CONSTRUCTOR.construct_yaml_int(node)
        if tag == "float":
            return _CONSTRUCTOR.construct_yaml_float(node)
        if tag == "timestamp":
            value = _CONSTRUCTOR.construct_yaml_timestamp(node)
            if isinstance(value, dt.datetime):
                raise _Refused(line, "give a date as YYYY-MM-DD, without a time")
            return value
    except (ConstructorError, ValueError, OverflowError):
        raise _Refused(line, f"cannot read {tag} value {str(node.value)[:40]!r}") from None
    raise _Refused(line, f"tag {node.tag} is not allowed")


def plain(node: YNode) -> Any:
    """The parsed tree as plain Python values, for a schema to validate."""
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [plain(item) for item in node.items]
    return {key: plain(value) for key, value in node.entries.items()}


def line_of(root: YMap, loc: Sequence[int | str]) -> int:
    """The line of the deepest node `loc` reaches (a key's own line for a mapping entry)."""
    node: YNode = root
    line = root.line
    for part in loc:
        if isinstance(node, YMap) and isinstance(part, str) and part in node.entries:
            line = node.key_lines[part]
            node = node.entries[part]
        elif isinstance(node, YSeq) and isinstance(part, int) and 0 <= part < len(node.items):
            node = node.items[part]
            line = node.line
        else:
            break
    return line
