"""Scores, explanations and models as plain JSON-ready dicts, for the API, the CLI and reports.
Pure. Only ids, item codes and numbers: no names, no ID numbers."""

from __future__ import annotations

from typing import Any

from chengxin.scoring.model import DecayKind, Rule, ScoreModel
from chengxin.scoring.rules import Breakdown, Line, WhatIf

NOTICE = {
    "zh": "本积分仅供参考，经本人授权计算，不单独作为实施任何奖惩措施的依据；本人可随时撤回授权，"
    "撤回后积分即删除。",
    "en": "Informational only, computed with your authorisation; it never alone decides any "
    "measure. You may opt out at any time, and the score is then deleted.",
}


def line_dict(line: Line) -> dict[str, Any]:
    return {
        "record_id": str(line.record_id),
        "item_code": line.item_code,
        "category": line.category,
        "rule": line.rule,
        "status": line.status,
        "decision_date": line.decision_date.isoformat(),
        "raw": line.raw,
        "counted": line.counted,
        "months": line.months,
        "decay": f"{line.decay.numerator}/{line.decay.denominator}",
        "status_percent": line.status_percent,
        "points": line.points,
        "cut": line.cut,
        "caps": list(line.caps),
        "final": line.final,
    }


def breakdown_dict(breakdown: Breakdown) -> dict[str, Any]:
    """The explanation: `base + Σ lines[].final == total`."""
    grade = breakdown.grade
    return {
        "model": {"code": breakdown.model_code, "version": breakdown.model_version},
        "as_of": breakdown.today.isoformat(),
        "total": breakdown.total,
        "grade": {
            "code": grade.code,
            "zh": grade.name_zh,
            "en": grade.name_en,
            "min": grade.minimum,
        },
        "base": breakdown.base,
        "lines": [line_dict(line) for line in breakdown.lines],
        "rule_totals": dict(sorted(breakdown.rule_totals.items())),
        "category_totals": dict(sorted(breakdown.category_totals.items())),
        "bounds": breakdown.bounds,
    }


def what_if_dict(what: WhatIf) -> dict[str, Any]:
    return {
        "repair": str(what.record_id),
        "before": {"total": what.before.total, "grade": what.before.grade.code},
        "after": {"total": what.after.total, "grade": what.after.grade.code},
        "change": what.change,
        "lines_after": [line_dict(line) for line in what.after.lines],
    }


def _decay(rule: Rule) -> dict[str, Any]:
    decay = rule.decay
    if decay.kind is DecayKind.NONE:
        return {"kind": decay.kind.value}
    return {"kind": decay.kind.value, "months": decay.months, "hold_months": decay.hold_months,
            "text": decay.describe()}  # fmt: skip


def rule_dict(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"name": rule.name, "category": rule.category.value}
    if rule.item is not None:
        out["item"] = rule.item
    if rule.per_unit is not None:
        unit = rule.per_unit
        out["per_unit"] = {"field": unit.field, "unit": str(unit.unit), "points": unit.points}
    else:
        out["points"] = rule.points
        if rule.by_severity:
            out["by_severity"] = {k.value: v for k, v in rule.by_severity.items()}
    for key in ("max_per_record", "cap"):
        if getattr(rule, key) is not None:
            out[key] = getattr(rule, key)
    out["decay"] = _decay(rule)
    if rule.note:
        out["note"] = rule.note
    return out


def model_dict(model: ScoreModel) -> dict[str, Any]:
    return {
        "code": model.code,
        "version": model.version,
        "effective_from": model.effective_from.isoformat(),
        "name": {"zh": model.name_zh, "en": model.name_en},
        "scale": {"base": model.base, "min": model.minimum, "max": model.maximum},
        "status_percent": {k.value: v for k, v in model.status_percent.items()},
        "category_caps": {k.value: v for k, v in model.category_caps.items()},
        "rules": [rule_dict(r) for r in model.rules],
        "grades": [
            {"code": g.code, "min": g.minimum, "zh": g.name_zh, "en": g.name_en}
            for g in model.grades
        ],
        "source": model.source,
    }
