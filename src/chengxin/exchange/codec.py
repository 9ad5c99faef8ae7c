"""Typed messages to JSON and back. Dataclasses map field by field; a class with a `KIND` writes
it as `"kind"`, which also picks the class when a field holds one of several. Dates travel as
YYYY-MM-DD, instants in UTC with `Z`, UUIDs in lower case, enums by value.

`from_json` runs after the schema check, so it meets the right shapes; what it still refuses
(a 30 February, a naive time) raises `DecodeError` with the JSON path."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
import uuid
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from chengxin.exchange.canonical import JsonValue

T = TypeVar("T")


class DecodeError(ValueError):
    def __init__(self, path: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.rule = rule
        self.message = message


def format_instant(at: dt.datetime) -> str:
    """RFC 3339 in UTC with `Z`; microseconds only when there are any."""
    if at.tzinfo is None:
        raise ValueError("an instant needs a time zone")
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def to_json(value: object) -> JsonValue:  # noqa: PLR0911 (one return a type)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, JsonValue] = {}
        kind = getattr(type(value), "KIND", None)
        if kind is not None:
            out["kind"] = kind
        for field in dataclasses.fields(value):
            out[field.name] = to_json(getattr(value, field.name))
        return out
    if isinstance(value, Enum):
        return to_json(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime):
        return format_instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def from_json(cls: type[T], value: JsonValue, path: str = "$") -> T:
    """Build a dataclass from its checked JSON form."""
    return typing.cast("T", _convert(cls, value, path))


def _build(cls: type[Any], value: JsonValue, path: str) -> Any:
    if not isinstance(value, dict):
        raise DecodeError(path, "type", "must be an object")
    hints = _hints(cls)
    args = {
        field.name: _convert(hints[field.name], value.get(field.name), f"{path}.{field.name}")
        for field in dataclasses.fields(cls)
    }
    return cls(**args)


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    """A dataclass's resolved field types, worked out once per class (it is slow)."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _convert(tp: Any, value: JsonValue, path: str) -> Any:  # noqa: PLR0911 (one branch a type)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return _union(typing.get_args(tp), value, path)
    if dataclasses.is_dataclass(tp):
        return _build(typing.cast("type[Any]", tp), value, path)
    if typing.get_origin(tp) is tuple:
        (item,) = (a for a in typing.get_args(tp) if a is not Ellipsis)
        return tuple(_convert(item, v, f"{path}[{i}]") for i, v in enumerate(_list(value, path)))
    if typing.get_origin(tp) in (Mapping, dict):
        return value
    try:
        if isinstance(tp, type) and issubclass(tp, Enum):
            return tp(value)
        if tp is dt.datetime:
            return _instant(value)
        if tp is dt.date:
            return dt.date.fromisoformat(typing.cast("str", value))
        if tp is uuid.UUID:
            return uuid.UUID(typing.cast("str", value))
    except (TypeError, ValueError):
        raise DecodeError(path, getattr(tp, "__name__", "value").lower(), "is not valid") from None
    if tp in (bool, int, str) and type(value) is tp:
        return value
    raise DecodeError(path, "type", f"must be {getattr(tp, '__name__', tp)}")


def _union(args: tuple[Any, ...], value: JsonValue, path: str) -> Any:
    if value is None and type(None) in args:
        return None
    options = [a for a in args if a is not type(None)]
    if len(options) == 1:
        return _convert(options[0], value, path)
    kind = value.get("kind") if isinstance(value, dict) else None
    for option in options:
        if getattr(option, "KIND", None) == kind:
            return _convert(option, value, path)
    raise DecodeError(f"{path}.kind", "kind", "names no known kind")


def _list(value: JsonValue, path: str) -> list[JsonValue]:
    if not isinstance(value, list):
        raise DecodeError(path, "type", "must be an array")
    return value


def _instant(value: JsonValue) -> dt.datetime:
    if not isinstance(value, str) or not value.endswith("Z"):
        raise ValueError("an instant ends with Z")
    return dt.datetime.fromisoformat(value[:-1]).replace(tzinfo=dt.UTC)
