"""Field schemas of catalog items and the pure check of a record's content against one.

`check_content` is what ingestion (R-2.2) runs on every row. It accepts native values (JSON) and
text (CSV, XLSX cells), returns canonical Python values, and refuses with InvalidInput naming the
field and the rule. Messages never repeat the submitted value: it may be personal information.

Rules (the `rule` of the error): `type`, `required`, `unknown_field`, `max_length`, `pattern`,
`control_characters`, `enum`, `duplicate`, `minimum`, `maximum`, `digits`, `date`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from chengxin.catalog.vocab import FieldType
from chengxin.errors import InvalidInput

FieldValue = str | int | Decimal | dt.date | bool | tuple[str, ...]
JsonValue = str | int | bool | list[str]

MAX_INTEGER_DIGITS = 18
MAX_DECIMAL_PLACES = 6
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
MULTI_SEPARATORS = re.compile(r"[;；]")

_INTEGER_LIMIT = 10**MAX_INTEGER_DIGITS
_INTEGER_TEXT = re.compile(rf"[+-]?\d{{1,{MAX_INTEGER_DIGITS}}}")
_DECIMAL_TEXT = re.compile(rf"[+-]?\d{{1,{MAX_INTEGER_DIGITS}}}(?:\.\d{{1,{MAX_DECIMAL_PLACES}}})?")
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = frozenset({"true", "1", "yes", "是"})
_FALSE = frozenset({"false", "0", "no", "否"})
# Bidirectional overrides and isolates can make a text read differently from what it holds.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True, slots=True)
class Bilingual:
    """A text in Chinese and English (中文 / English)."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of an item's record content."""

    name: str
    label: Bilingual
    type: FieldType
    required: bool = False
    max_length: int | None = None  # string: required by the loader
    pattern: str | None = None  # string: the whole value must match (re.fullmatch)
    values: tuple[str, ...] = ()  # enum: the allowed values
    multiple: bool = False  # enum: a list of distinct values
    minimum: Decimal | None = None  # integer, decimal
    maximum: Decimal | None = None  # integer, decimal
    description: Bilingual | None = None


def check_content(fields: Sequence[FieldSpec], content: object) -> dict[str, FieldValue]:
    """Check a record's content against a field schema; return canonical values in field order.

    Absent optional fields (missing, null or blank) are left out of the result.
    """
    if not isinstance(content, Mapping):
        raise InvalidInput(
            "record content must be a mapping of field names to values",
            field="content",
            rule="type",
        )
    known = {spec.name: spec for spec in fields}
    for key in content:
        if not isinstance(key, str) or key not in known:
            shown = key[:64] if isinstance(key, str) else "<not text>"
            raise InvalidInput(
                f"unknown field (allowed: {', '.join(known)})", field=shown, rule="unknown_field"
            )
    out: dict[str, FieldValue] = {}
    for spec in fields:
        raw = content.get(spec.name)
        if _is_blank(raw):
            if spec.required:
                raise InvalidInput("a value is required", field=spec.name, rule="required")
            continue
        value = _convert(spec, raw)
        if value is not None:
            out[spec.name] = value
        elif spec.required:
            raise InvalidInput("a value is required", field=spec.name, rule="required")
    return out


def content_to_json(values: Mapping[str, FieldValue]) -> dict[str, JsonValue]:
    """Checked content as JSON-ready values (decimals and dates as text); `check_content`
    accepts this form back unchanged."""
    out: dict[str, JsonValue] = {}
    for name, value in values.items():
        if isinstance(value, Decimal):
            out[name] = format(value, "f")
        elif isinstance(value, dt.date):
            out[name] = value.isoformat()
        elif isinstance(value, tuple):
            out[name] = list(value)
        else:
            out[name] = value
    return out


def _is_blank(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, list | tuple) and not raw


def _convert(spec: FieldSpec, raw: object) -> FieldValue | None:
    if spec.type is FieldType.ENUM and spec.multiple:
        return _enum_list(spec, raw)
    return _CONVERTERS[spec.type](spec, raw)


# C0 controls except tab, newline and return; DEL; lone surrogates; bidirectional controls.
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff" + "".join(sorted(_BIDI_CONTROLS)) + "]"
)


def _type_error(spec: FieldSpec, expected: str) -> InvalidInput:
    return InvalidInput(f"must be {expected}", field=spec.name, rule="type")


def _clean_text(spec: FieldSpec, raw: str) -> str:
    value = raw.strip()
    bad = _UNWANTED.search(value)  # one C-level scan instead of a Python loop per character
    if bad is not None:
        if 0xD800 <= ord(bad.group()) <= 0xDFFF:
            raise InvalidInput("is not valid Unicode text", field=spec.name, rule="type")
        raise InvalidInput(
            "contains control characters", field=spec.name, rule="control_characters"
        )
    return value


def _string(spec: FieldSpec, raw: object) -> str:
    if not isinstance(raw, str):
        raise _type_error(spec, "text")
    if spec.max_length is not None and len(raw) > spec.max_length * 4:
        # Refuse absurd input before scanning it character by character.
        raise InvalidInput(
            f"longer than {spec.max_length} characters", field=spec.name, rule="max_length"
        )
    value = _clean_text(spec, raw)
    if spec.max_length is not None and len(value) > spec.max_length:
        raise InvalidInput(
            f"longer than {spec.max_length} characters", field=spec.name, rule="max_length"
        )
    if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        raise InvalidInput("does not have the required format", field=spec.name, rule="pattern")
    return value


def _check_range(spec: FieldSpec, value: Decimal) -> None:
    if spec.minimum is not None and value < spec.minimum:
        raise InvalidInput(f"must be at least {spec.minimum}", field=spec.name, rule="minimum")
    if spec.maximum is not None and value > spec.maximum:
        raise InvalidInput(f"must be at most {spec.maximum}", field=spec.name, rule="maximum")


def _integer(spec: FieldSpec, raw: object) -> int:
    if isinstance(raw, bool):
        raise _type_error(spec, "a whole number")
    if isinstance(raw, int):
        if abs(raw) >= _INTEGER_LIMIT:
            raise InvalidInput(
                f"more than {MAX_INTEGER_DIGITS} digits", field=spec.name, rule="digits"
            )
        value = raw
    elif isinstance(raw, str) and _INTEGER_TEXT.fullmatch(raw.strip()):
        value = int(raw.strip())
    else:
        raise _type_error(spec, "a whole number")
    _check_range(spec, Decimal(value))
    return value


def _decimal(spec: FieldSpec, raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise _type_error(spec, "a number")
    if isinstance(raw, str):
        text = raw.strip()
        if not _DECIMAL_TEXT.fullmatch(text):
            raise InvalidInput(
                f"must be a number with at most {MAX_INTEGER_DIGITS} digits and "
                f"{MAX_DECIMAL_PLACES} decimal places",
                field=spec.name,
                rule="digits",
            )
        value = Decimal(text)
    elif isinstance(raw, int):
        if abs(raw) >= _INTEGER_LIMIT:
            raise InvalidInput(
                f"more than {MAX_INTEGER_DIGITS} digits", field=spec.name, rule="digits"
            )
        value = Decimal(raw)
    elif isinstance(raw, float):
        try:
            value = Decimal(repr(raw))
        except InvalidOperation:
            raise _type_error(spec, "a number") from None
    elif isinstance(raw, Decimal):
        value = raw
    else:
        raise _type_error(spec, "a number")
    value = _bounded_decimal(spec, value)
    _check_range(spec, value)
    return value


def _bounded_decimal(spec: FieldSpec, value: Decimal) -> Decimal:
    """Refuse non-finite values and values beyond the digit limits, without ever expanding a
    hostile exponent; return the value as given, or re-expressed when its exponent is odd."""
    if not value.is_finite():
        raise _type_error(spec, "a finite number")
    if value.is_zero():
        return Decimal(0)
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # pragma: no cover - finite values have int exponents
        raise _type_error(spec, "a finite number")
    significant = "".join(map(str, digits)).lstrip("0").rstrip("0")
    lowest = exponent + len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if lowest < -MAX_DECIMAL_PLACES:
        raise InvalidInput(
            f"more than {MAX_DECIMAL_PLACES} decimal places", field=spec.name, rule="digits"
        )
    if lowest + len(significant) > MAX_INTEGER_DIGITS:
        raise InvalidInput(f"more than {MAX_INTEGER_DIGITS} digits", field=spec.name, rule="digits")
    if -MAX_DECIMAL_PLACES <= exponent <= 0:
        return value
    return Decimal((sign, tuple(int(c) for c in significant), lowest)).quantize(
        Decimal(1) if lowest >= 0 else Decimal(1).scaleb(lowest)
    )


def _date(spec: FieldSpec, raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise _type_error(spec, "a date without a time")
    if isinstance(raw, dt.date):
        value = raw
    elif isinstance(raw, str) and _DATE_TEXT.fullmatch(raw.strip()):
        try:
            value = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise InvalidInput("is not a calendar date", field=spec.name, rule="date") from None
    else:
        raise _type_error(spec, "a date written YYYY-MM-DD")
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InvalidInput(
            f"must lie between {EARLIEST_DATE} and {LATEST_DATE}", field=spec.name, rule="date"
        )
    return value


def _boolean(spec: FieldSpec, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _type_error(spec, "true or false")


def _enum(spec: FieldSpec, raw: object) -> str:
    if not isinstance(raw, str):
        raise _type_error(spec, "text")
    value = raw.strip()
    if value not in spec.values:
        raise InvalidInput(
            f"must be one of: {', '.join(spec.values)}", field=spec.name, rule="enum"
        )
    return value


def _enum_list(spec: FieldSpec, raw: object) -> tuple[str, ...] | None:
    if isinstance(raw, str):
        if len(raw) > 64 * max(len(spec.values), 1):
            raise InvalidInput("too many values", field=spec.name, rule="enum")
        parts: list[object] = [p for p in MULTI_SEPARATORS.split(raw) if p.strip()]
    elif isinstance(raw, list | tuple):
        parts = list(raw)
    else:
        raise _type_error(spec, "a list of values")
    if len(parts) > len(spec.values):
        raise InvalidInput("too many values", field=spec.name, rule="enum")
    seen: set[str] = set()
    for part in parts:
        value = _enum(spec, part)
        if value in seen:
            raise InvalidInput("a value is given twice", field=spec.name, rule="duplicate")
        seen.add(value)
    if not seen:
        return None
    return tuple(v for v in spec.values if v in seen)


_CONVERTERS: dict[FieldType, Callable[[FieldSpec, object], FieldValue]] = {
    FieldType.STRING: _string,
    FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal,
    FieldType.DATE: _date,
    FieldType.BOOLEAN: _boolean,
    FieldType.ENUM: _enum,
}
