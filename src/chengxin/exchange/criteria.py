"""Loads the serious-dishonesty push criteria (`data/serious_push.yaml`, `kind: serious_push`).
Validated strictly at load: unknown keys, unknown items or fields, and thresholds that are not
numbers are refused with the file and the field named. `push_criteria` adds the disclosure levels
the node shares upward (`CHENGXIN_SHARE_UP`, R-5.2)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import Category, DisclosureLevel, FieldType, Severity, SourceKind
from chengxin.errors import ConfigError
from chengxin.exchange.push_rules import PushCriteria, PushRules, Threshold

CRITERIA_FILE = Path(__file__).parent / "data" / "serious_push.yaml"
CRITERION_LENGTH = 64  # national_push.criterion
_NUMERIC = (FieldType.INTEGER, FieldType.DECIMAL)


def _bare_number(value: object) -> Decimal:
    # A YAML number only: "90" in quotes or `true` would hide a typing mistake.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number, written without quotes")
    return Decimal(str(value))


Number = Annotated[Decimal, BeforeValidator(_bare_number), Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Threshold(_Strict):
    item: str = Field(min_length=1, max_length=64)
    field: str = Field(min_length=1, max_length=64)
    at_least: Number
    why: str = Field(min_length=1, max_length=2000)  # the reason for the line, kept in the file


Kinds = Annotated[tuple[SourceKind, ...], Field(min_length=1)]


class _RuleSet(_Strict):
    effective_from: dt.date
    basis: str = Field(min_length=1, max_length=500)
    source_kinds: Kinds
    categories: tuple[Category, ...] = ()
    severities: tuple[Severity, ...] = ()
    thresholds: tuple[_Threshold, ...] = ()


class _File(_Strict):
    kind: Literal["serious_push"]
    rule_sets: tuple[_RuleSet, ...] = Field(min_length=1)


def parse_criteria(text: str, where: str, catalog: Catalog) -> PushCriteria:
    """The criteria of one file; ConfigError `where: field.path: reason` when unusable."""
    try:
        parsed = _File.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{where}: {_where(exc)}", field="serious_push") from None
    sets = [_rule_set(s, f"rule_sets.{i}", where, catalog) for i, s in enumerate(parsed.rule_sets)]
    dates = [s.effective_from for s in sets]
    if len(set(dates)) != len(dates):
        raise _refuse(where, "rule_sets", "two rule sets take effect on the same day")
    return PushCriteria(tuple(sorted(sets, key=lambda s: s.effective_from)))


def _rule_set(raw: _RuleSet, at: str, where: str, catalog: Catalog) -> PushRules:
    if not (raw.categories or raw.severities or raw.thresholds):
        raise _refuse(where, at, "names no category, severity or threshold: it would push nothing")
    thresholds = []
    for i, t in enumerate(raw.thresholds):
        thresholds.append(_threshold(t, f"{at}.thresholds.{i}", where, catalog, raw.source_kinds))
    return PushRules(
        effective_from=raw.effective_from,
        source_kinds=frozenset(raw.source_kinds),
        categories=frozenset(raw.categories),
        severities=frozenset(raw.severities),
        thresholds=tuple(thresholds),
    )


def _threshold(
    raw: _Threshold, at: str, where: str, catalog: Catalog, kinds: tuple[SourceKind, ...]
) -> Threshold:
    if raw.item not in catalog.codes():
        raise _refuse(where, f"{at}.item", f"{raw.item} is not a catalog item")
    for version in catalog.versions(raw.item):
        spec = version.field(raw.field)
        if spec is None or spec.type not in _NUMERIC:
            raise _refuse(where, f"{at}.field", f"{raw.item} of {version.effective_from} has "
                          f"no integer or decimal field {raw.field!r}")  # fmt: skip
        if spec.type is FieldType.INTEGER and raw.at_least % 1:
            raise _refuse(where, f"{at}.at_least", f"must be a whole number: {raw.field} is "
                          "an integer field")  # fmt: skip
        if not any(version.sources.allows(k) for k in kinds):
            raise _refuse(where, f"{at}.item", f"{raw.item} is supplied by none of the "
                          "rule set's source kinds")  # fmt: skip
    line = raw.at_least  # 90, not 9E+1; 1000.5, not 1000.50
    line = Decimal(int(line)) if line % 1 == 0 else line.normalize()
    found = Threshold(raw.item, raw.field, line)
    if len(found.criterion) > CRITERION_LENGTH:
        raise _refuse(where, at, f"criterion {found.criterion!r} is longer than 64 characters")
    return found


def _refuse(where: str, at: str, reason: str) -> ConfigError:
    return ConfigError(f"{where}: {at}: {reason}", field="serious_push")


def _where(exc: ValidationError | yaml.YAMLError) -> str:
    if not isinstance(exc, ValidationError):
        return str(exc).replace("\n", " ")
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or 'file'}: {first['msg']}"


def load_criteria(catalog: Catalog, path: Path = CRITERIA_FILE) -> PushCriteria:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})", field="serious_push") from None
    return parse_criteria(text, path.name, catalog)


@cache
def shipped_criteria(catalog: Catalog) -> PushCriteria:
    """The shipped file checked against a loaded catalog (once per catalog)."""
    return load_criteria(catalog)


def push_criteria(catalog: Catalog, share_levels: Iterable[DisclosureLevel]) -> PushCriteria:
    """What the push job queues: the shipped serious-dishonesty criteria (R-5.5) and the
    disclosure levels shared upward (R-5.2)."""
    return dataclasses.replace(shipped_criteria(catalog), share_levels=frozenset(share_levels))
