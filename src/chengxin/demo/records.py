"""Synthetic records for the demo, as sources would send them (pure: seed and `today` decide).

Six sources each send one batch: tax and food-and-drug penalties, dishonest judgment debtors,
volunteer service hours, moral-model honours and charitable donations.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from chengxin.catalog.vocab import SourceKind
from chengxin.demo.generator import DemoPerson


@dataclass(frozen=True)
class DemoSource:
    code: str
    name: str
    region: str
    kind: SourceKind
    item: str


SOURCES = (
    DemoSource("TAX-BJ", "国家税务总局北京市税务局", "110000", SourceKind.GOVERNMENT_DEPARTMENT, "PENALTY-TAX"),
    DemoSource("SAMR-BJ", "北京市市场监督管理局", "110000", SourceKind.GOVERNMENT_DEPARTMENT, "PENALTY-FOOD-DRUG"),
    DemoSource("COURT-BJ", "北京市高级人民法院", "110000", SourceKind.COURT, "JUDICIAL-DISHONEST-DEBTOR"),
    DemoSource("VOL-BJ", "北京市志愿服务指导中心", "110000", SourceKind.GOVERNMENT_DEPARTMENT, "VOLUNTEER-SERVICE-HOURS"),
    DemoSource("CIVIL-BJ", "北京市精神文明建设委员会办公室", "110000", SourceKind.GOVERNMENT_DEPARTMENT, "HONOUR-MORAL-MODEL"),
    DemoSource("CHARITY-BJ", "北京市民政局", "110000", SourceKind.GOVERNMENT_DEPARTMENT, "DONATION-CHARITABLE"),
)  # fmt: skip


def _day(rng: random.Random, today: dt.date, max_days: int) -> dt.date:
    return today - dt.timedelta(days=rng.randint(1, max_days))


def _penalty(
    rng: random.Random, today: dt.date, n: int, authority: str, kind: str
) -> dict[str, Any]:
    decided = _day(rng, today, 900)
    return {
        "decision_number": f"京{kind}罚〔{decided.year}〕{n + 1}号",
        "decision_date": decided.isoformat(),
        "authority": authority,
        "violation_type": rng.choice(("未按规定申报", "虚开发票", "逃避缴纳税款"))
        if kind == "税"
        else rng.choice(("销售过期食品", "未取得许可经营", "标签不符合规定")),
        "facts": "经查，当事人存在上述违法行为。",
        "legal_provisions": "《中华人民共和国行政处罚法》第二十八条",
        "penalty_types": rng.choice(
            (["fine"], ["warning"], ["fine", "confiscation_of_illegal_gains"])
        ),
        "penalty_content": "罚款",
        "fine_amount": str(rng.randint(2, 500) * 100),
        "severity": rng.choice(("minor", "general", "general", "serious")),
    }


def _fields(source: DemoSource, rng: random.Random, today: dt.date, n: int) -> dict[str, Any]:
    if source.item == "PENALTY-TAX":
        return _penalty(rng, today, n, source.name, "税")
    if source.item == "PENALTY-FOOD-DRUG":
        return _penalty(rng, today, n, source.name, "市监")
    if source.item == "JUDICIAL-DISHONEST-DEBTOR":
        return {
            "case_number": f"（{today.year - 1}）京0105执{1000 + n}号", "court": "北京市朝阳区人民法院",
            "basis_document": f"（{today.year - 2}）京0105民初{2000 + n}号", "basis_issuer": "北京市朝阳区人民法院",
            "obligations": "支付欠款及利息", "performance": "none",
            "dishonest_conduct": ["refuses_despite_ability"], "unperformed_amount": str(rng.randint(1, 90) * 1000),
            "listed_on": _day(rng, today, 700).isoformat(),
        }  # fmt: skip
    if source.item == "VOLUNTEER-SERVICE-HOURS":
        end = _day(rng, today, 300)
        return {"organisation": "北京市朝阳区志愿者协会", "project": "社区服务",
                "period_start": (end - dt.timedelta(days=90)).isoformat(), "period_end": end.isoformat(),
                "hours": str(rng.randint(4, 120)), "recorded_on": end.isoformat()}  # fmt: skip
    if source.item == "HONOUR-MORAL-MODEL":
        return {"title": "北京市道德模范", "awarding_body": source.name, "level": "provincial",
                "decision_date": _day(rng, today, 1500).isoformat(), "deeds": "助人为乐"}  # fmt: skip
    return {"recipient": "北京市慈善协会", "donation_kind": "money", "amount": str(rng.randint(1, 200) * 100),
            "donated_on": _day(rng, today, 800).isoformat(), "purpose": "助学"}  # fmt: skip


def demo_rows(
    people: list[DemoPerson], seed: int, today: dt.date
) -> dict[str, list[dict[str, Any]]]:
    """Rows per source code; each person gets a record from a source with some probability."""
    rng = random.Random(seed * 7919 + 1)  # noqa: S311  (synthetic data)
    rates = {
        "TAX-BJ": 0.15,
        "SAMR-BJ": 0.1,
        "COURT-BJ": 0.05,
        "VOL-BJ": 0.25,
        "CIVIL-BJ": 0.02,
        "CHARITY-BJ": 0.1,
    }
    rows: dict[str, list[dict[str, Any]]] = {s.code: [] for s in SOURCES}
    for i, person in enumerate(people):
        adult = int(person.id_number[6:10]) <= today.year - 18
        for source in SOURCES:
            if adult and rng.random() < rates[source.code]:
                rows[source.code].append(
                    {"id_number": person.id_number, "name": person.name, "record_id": f"{source.code}-{i}",
                     **_fields(source, rng, today, i)}
                )  # fmt: skip
    return rows
