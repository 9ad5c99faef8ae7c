"""Loads the dispute rules (`data/rules.yaml`): objection time limits and repair regimes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chengxin.catalog.schema import Catalog
from chengxin.disputes.rules import ObjectionLimits, RepairRuleSet
from chengxin.errors import ConfigError
from chengxin.keys import KeyRing
from chengxin.workdays.rules import Calendar

RULES_FILE = Path(__file__).parent / "data" / "rules.yaml"
Requirement = Literal["min_period", "obligations_performed", "commitment", "no_legal_bar"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Limits(_Strict):
    accept_workdays: int = Field(ge=1, le=60)
    source_workdays: int = Field(ge=1, le=60)
    overall_days: int = Field(ge=1, le=365)


class _RuleSet(_Strict):
    name: str = Field(min_length=1, max_length=32)
    effective_from: dt.date
    source: str = Field(min_length=1)
    requirements: list[Requirement] = Field(min_length=1)
    minor_immediate: bool
    platform_workdays: int = Field(ge=1, le=60)
    source_workdays: int = Field(ge=1, le=60)


class _File(_Strict):
    kind: Literal["dispute_rules"]
    objections: _Limits
    repair_rule_sets: list[_RuleSet] = Field(min_length=1)


class DisputeRules(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    objections: ObjectionLimits
    repair_rule_sets: list[RepairRuleSet]


def parse_rules(text: str, where: str) -> DisputeRules:
    try:
        parsed = _File.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        first = exc.errors()[0] if isinstance(exc, ValidationError) else None
        detail = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}" if first else str(exc)
        raise ConfigError(f"{where}: {detail}", field="dispute_rules") from None
    sets = [
        RepairRuleSet(
            name=r.name,
            effective_from=r.effective_from,
            source=r.source,
            requirements=frozenset(r.requirements),
            minor_immediate=r.minor_immediate,
            platform_workdays=r.platform_workdays,
            source_workdays=r.source_workdays,
        )
        for r in parsed.repair_rule_sets
    ]
    limits = ObjectionLimits(**parsed.objections.model_dump())
    return DisputeRules(objections=limits, repair_rule_sets=sets)


@cache
def shipped_rules() -> DisputeRules:
    return parse_rules(RULES_FILE.read_text("utf-8"), str(RULES_FILE.name))


@dataclass(frozen=True)
class DisputeContext:
    """What every dispute verb needs beside the session and the time."""

    keys: KeyRing
    catalog: Catalog
    calendar: Calendar
    rules: DisputeRules
