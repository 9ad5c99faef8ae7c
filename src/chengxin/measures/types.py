"""Reward and punishment measures as data (`data/*.yaml`, `kind: measures`), R-6.2, R-6.3.

Each measure names its legal basis, implementing department, the scenarios it is used in, its
effect and whom it targets. A measure that is not here is never applied, and the check applies
exactly what a measure says (措施法定、过惩相当). Each version is in force from `effective_from`;
a version with `retired: true` ends the measure from that date. Validated strictly at load.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from chengxin.catalog.vocab import Category, Severity
from chengxin.errors import NotFound
from chengxin.lists.rules import ListKind
from chengxin.lists.types import CODE, Bilingual, LegalBasis


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MeasureKind(StrEnum):
    REWARD = "reward"  # 守信激励
    PUNISHMENT = "punishment"  # 失信惩戒


class Scenario(StrEnum):
    """Where an implementing department meets a person (应用场景)."""

    ADMINISTRATIVE_LICENSING = "administrative_licensing"  # 行政许可
    CIVIL_SERVICE_RECRUITMENT = "civil_service_recruitment"  # 公务员录用
    PUBLIC_PROCUREMENT = "public_procurement"  # 政府采购
    GOVERNMENT_FUNDING = "government_funding"  # 政府资金和补贴
    PUBLIC_RESOURCE_TRADING = "public_resource_trading"  # 公共资源交易
    HIGH_CONSUMPTION = "high_consumption"  # 高消费
    AIR_RAIL_TRAVEL = "air_rail_travel"  # 乘坐飞机、高铁
    SCHOOLS = "schools"  # 子女就读学校
    FINANCING = "financing"  # 融资授信
    PROFESSIONAL_LICENSING = "professional_licensing"  # 职业资格、执业许可
    AWARDS_HONOURS = "awards_honours"  # 评优评先、表彰奖励
    EMPLOYMENT_BUSINESS = "employment_business"  # 教育、就业、创业扶持
    SENIOR_APPOINTMENT = "senior_appointment"  # 担任国有企业法定代表人、高级管理人员
    ROUTINE_SUPERVISION = "routine_supervision"  # 日常监管检查


SCENARIO_NAMES: dict[Scenario, tuple[str, str]] = {
    Scenario.ADMINISTRATIVE_LICENSING: ("行政许可", "Administrative licensing"),
    Scenario.CIVIL_SERVICE_RECRUITMENT: ("公务员录用", "Civil-service recruitment"),
    Scenario.PUBLIC_PROCUREMENT: ("政府采购", "Public procurement"),
    Scenario.GOVERNMENT_FUNDING: ("政府资金和补贴", "Government funds and subsidies"),
    Scenario.PUBLIC_RESOURCE_TRADING: ("公共资源交易", "Public resource trading"),
    Scenario.HIGH_CONSUMPTION: ("高消费及非生活工作必需消费", "High consumption"),
    Scenario.AIR_RAIL_TRAVEL: ("乘坐飞机、列车", "Air and rail travel"),
    Scenario.SCHOOLS: ("子女就读学校", "Schools"),
    Scenario.FINANCING: ("融资授信", "Financing"),
    Scenario.PROFESSIONAL_LICENSING: ("职业资格和执业许可", "Professional licensing"),
    Scenario.AWARDS_HONOURS: ("评优评先、表彰奖励", "Awards and honours"),
    Scenario.EMPLOYMENT_BUSINESS: ("教育、就业、创业扶持", "Education, employment, business"),
    Scenario.SENIOR_APPOINTMENT: ("担任国企法定代表人、高管", "Senior appointments"),
    Scenario.ROUTINE_SUPERVISION: ("日常监管检查", "Routine supervision"),
}


class Effect(StrEnum):
    PROHIBIT = "prohibit"  # 禁止
    RESTRICT = "restrict"  # 限制
    HEIGHTENED_SCRUTINY = "heightened_scrutiny"  # 重点审查、从严监管
    PRIORITY = "priority"  # 优先
    GREEN_CHANNEL = "green_channel"  # 绿色通道
    DOCUMENTS_TO_FOLLOW = "documents_to_follow"  # 容缺受理
    FEWER_INSPECTIONS = "fewer_inspections"  # 减少检查频次
    DEPOSIT_WAIVER = "deposit_waiver"  # 免交保证金


PUNISHING = frozenset({Effect.PROHIBIT, Effect.RESTRICT, Effect.HEIGHTENED_SCRUTINY})


class RecordCondition(_Strict):
    """Records that count: of these items, categories and severities (each given must hold),
    decided within the last `within_months`. Only records shown today count."""

    items: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    severities: tuple[Severity, ...] = ()
    within_months: StrictInt | None = Field(default=None, ge=1, le=600)

    @model_validator(mode="after")
    def _something(self) -> RecordCondition:
        if not self.items and not self.categories and not self.severities:
            raise ValueError("name items, categories or severities")
        return self


class Clause(_Strict):
    """One way to be targeted; exactly one of the four is given."""

    lists: tuple[str, ...] = ()  # list type codes
    list_kinds: tuple[ListKind, ...] = ()
    records: RecordCondition | None = None
    clean_years: StrictInt | None = Field(default=None, ge=1, le=10)  # no bad record for N years

    @model_validator(mode="after")
    def _one(self) -> Clause:
        given = [bool(self.lists), bool(self.list_kinds), self.records is not None,
                 self.clean_years is not None]  # fmt: skip
        if sum(given) != 1:
            raise ValueError("give exactly one of lists, list_kinds, records, clean_years")
        return self


class Target(_Strict):
    """Applies when any clause of `any_of` holds and no clause of `unless` does."""

    any_of: tuple[Clause, ...] = Field(min_length=1)
    unless: tuple[Clause, ...] = ()

    @model_validator(mode="after")
    def _plain_unless(self) -> Target:
        if any(c.clean_years is not None for c in self.unless):
            raise ValueError("unless: clean_years cannot exclude (use it in any_of)")
        return self


class Measure(_Strict):
    """One version of a measure."""

    code: str = Field(pattern=CODE)
    effective_from: dt.date
    retired: StrictBool = False  # from this date the measure is no longer applied
    kind: MeasureKind
    name: Bilingual
    description: Bilingual | None = None
    legal_basis: tuple[LegalBasis, ...] = Field(min_length=1)
    citation_note: str | None = Field(default=None, min_length=1, max_length=300)  # e.g. 待核
    implementing_department: Bilingual
    scenarios: tuple[Scenario, ...] = Field(min_length=1)
    effect: Effect
    target: Target
    duration: Bilingual  # how long it binds, in words; the check computes `until` from reasons

    @field_validator("effective_from", mode="before")
    @classmethod
    def _no_number_as_date(cls, value: object) -> object:
        # Pydantic would read 20260101 as seconds since 1970; a date is written YYYY-MM-DD.
        if isinstance(value, int | float):
            raise ValueError("give the date as YYYY-MM-DD")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Measure:
        punishing = self.effect in PUNISHING
        if punishing != (self.kind is MeasureKind.PUNISHMENT):
            raise ValueError(f"effect {self.effect} does not fit a {self.kind} measure")
        if self.kind is MeasureKind.PUNISHMENT and any(
            c.clean_years is not None for c in self.target.any_of
        ):
            raise ValueError("a punishment cannot target a clean record")
        return self


class MeasureFile(_Strict):
    kind: Literal["measures"]
    edition: str = Field(min_length=1, max_length=40)
    measures: tuple[Measure, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Measures:
    """Every version of every measure, by code, oldest first."""

    versions: dict[str, tuple[Measure, ...]]

    def codes(self) -> list[str]:
        return sorted(self.versions)

    def in_force(self, on: dt.date) -> list[Measure]:
        """The version of each measure in force on `on`; retired and future ones left out."""
        found = []
        for code in self.codes():
            current = [m for m in self.versions[code] if m.effective_from <= on]
            if current and not current[-1].retired:
                found.append(current[-1])
        return found

    def version(self, code: str, effective_from: dt.date) -> Measure:
        for measure in self.versions.get(code, ()):
            if measure.effective_from == effective_from:
                return measure
        raise NotFound(f"measure {code} of {effective_from} is not loaded", field="measure")
