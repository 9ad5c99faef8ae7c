"""Canonical JSON of package lines (R-5.1): one line per JSON object, keys sorted, no spaces, UTF-8
without escapes beyond those JSON requires, integers only (decimals travel as text). One value
has one spelling, so a message's bytes — and the digest over them — depend on its content only.

`parse_line` is the reading side: strict UTF-8, no duplicate keys, no floats, no NaN, bounded
nesting, and the line must be the canonical spelling of what it holds."""

from __future__ import annotations

import json
from typing import Any, TypeAlias

from chengxin.exchange.refusals import PackageRefused

JsonValue: TypeAlias = bool | int | str | list["JsonValue"] | dict[str, "JsonValue"] | None
JsonObject: TypeAlias = dict[str, JsonValue]

MAX_SAFE_INTEGER = 2**53 - 1  # what every JSON implementation reads exactly
MAX_DEPTH = 16  # messages nest 4 deep; more is a parser attack, not data


def dumps(value: JsonValue) -> str:
    """The canonical spelling: sorted keys, `,` and `:` without spaces, no ASCII escaping."""
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )


def line_bytes(value: JsonObject) -> bytes:
    """A package line: canonical JSON in UTF-8 and one line feed."""
    return dumps(value).encode("utf-8") + b"\n"


class _Refused(ValueError):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused("duplicate-key", "an object repeats a key")
        out[key] = value
    return out


def _no_float(_text: str) -> Any:
    raise _Refused("integers-only", "numbers must be integers (decimals travel as text)")


def _no_constant(_text: str) -> Any:
    raise _Refused("integers-only", "NaN and Infinity are not JSON numbers")


def _check(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _Refused("max-depth", f"nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise _Refused("integer-range", f"integers must lie within ±{MAX_SAFE_INTEGER}")
        return
    children = value.values() if isinstance(value, dict) else value
    for child in children:
        _check(child, depth + 1)


def parse_line(raw: bytes, line: int) -> JsonObject:
    """One line (without its line feed) as a JSON object, or a refusal naming the line."""
    try:
        text = raw.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
        _check(value, 1)
    except UnicodeDecodeError:
        raise PackageRefused("is not UTF-8", rule="utf-8", line=line) from None
    except _Refused as exc:
        raise PackageRefused(exc.message, rule=exc.rule, line=line) from None
    except RecursionError:
        raise PackageRefused(
            f"nests deeper than {MAX_DEPTH} levels", rule="max-depth", line=line
        ) from None
    except json.JSONDecodeError as exc:
        raise PackageRefused(
            f"is not JSON ({exc.msg} at column {exc.colno})", rule="json", line=line
        ) from None
    if not isinstance(value, dict):
        raise PackageRefused("must be a JSON object", rule="json-object", line=line)
    if dumps(value) != text:
        raise PackageRefused(
            "is not canonical JSON (keys sorted, no spaces, no needless escapes)",
            rule="canonical-json",
            line=line,
        )
    return value
