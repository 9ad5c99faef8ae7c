"""Models written as YAML text for the tests, and records as pure facts."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import yaml

from chengxin.catalog.schema import Catalog
from chengxin.scoring.loader import SourceFile, build_models
from chengxin.scoring.model import ScoreModel
from chengxin.scoring.rules import ScoredFacts

TODAY = dt.date(2026, 11, 26)

BASE: dict[str, Any] = {
    "kind": "score_model",
    "code": "TEST",
    "version": 1,
    "effective_from": dt.date(2026, 1, 1),
    "name": {"zh": "测试", "en": "Test"},
    "scale": {"base": 100, "min": 0, "max": 200},
    "statuses": {"expired": 0, "repaired": 0},
    "category_caps": {"good": 80, "bad": 60, "serious": 90},
    "rules": [
        {"name": "serious", "category": "serious", "points": -50},
        {"name": "bad", "category": "bad", "points": -10,
         "by_severity": {"minor": -2, "general": -8, "serious": -30}},
        {"name": "hours", "item": "VOLUNTEER-SERVICE-HOURS",
         "per_unit": {"field": "hours", "unit": 10, "points": 3}, "max_per_record": 15, "cap": 40},
        {"name": "moral", "item": "HONOUR-MORAL-MODEL", "points": 25,
         "decay": {"kind": "linear", "hold_months": 6, "months": 12}},
        {"name": "good", "category": "good", "points": 5,
         "decay": {"kind": "halving", "months": 6}},
    ],
    "grades": [
        {"code": "C", "min": 0, "zh": "丙", "en": "C"},
        {"code": "B", "min": 80, "zh": "乙", "en": "B"},
        {"code": "A", "min": 120, "zh": "甲", "en": "A"},
    ],
}  # fmt: skip


def dump(data: dict[str, Any]) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def models(catalog: Catalog, *files: tuple[str, bytes, bool]) -> tuple[ScoreModel, ...]:
    return build_models([SourceFile(name, raw, shipped=shipped) for name, raw, shipped in files],
                        catalog)  # fmt: skip


def model_of(catalog: Catalog, data: dict[str, Any] | None = None) -> ScoreModel:
    (model,) = models(catalog, ("model.yaml", dump(data or BASE), False))
    return model


def fact(
    item: str,
    category: str,
    decided: dt.date = TODAY,
    *,
    severity: str | None = None,
    status: str = "active",
    content: dict[str, Any] | None = None,
    record_id: uuid.UUID | None = None,
) -> ScoredFacts:
    return ScoredFacts(record_id or uuid.uuid4(), item, category, status, severity, decided,
                       json.dumps(content or {}))  # fmt: skip
