"""R-5.4, loading score models: the shipped one, an operator's folder, and every refusal named as
`file:line: field: reason`."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import Category, Severity
from chengxin.errors import ConfigError
from chengxin.records.models import RecordStatus
from chengxin.scoring.loader import ScoreModelError, load_models, model_on
from chengxin.scoring.model import DecayKind, ScoreModel
from chengxin.settings import load_settings
from tests.scoring.support import BASE, dump, model_of, models

Change = Callable[[dict[str, Any]], None]


def test_the_shipped_model(model: ScoreModel) -> None:
    assert (model.code, model.version, model.effective_from) == ("CX-PERSONAL", 1,
                                                                 dt.date(2026, 1, 1))  # fmt: skip
    assert (model.base, model.minimum, model.maximum) == (600, 0, 1000)
    assert model.status_percent[RecordStatus.REPAIRED] == 0
    assert model.status_percent[RecordStatus.EXPIRED] == 0
    assert [g.code for g in model.grades] == ["D", "C", "B", "A", "AA", "AAA"]
    bad = model.rule_for("PENALTY-TAX", "bad")
    assert bad is not None
    assert bad.by_severity == {Severity.MINOR: -5, Severity.GENERAL: -20, Severity.SERIOUS: -60}
    assert bad.decay.kind is DecayKind.LINEAR  # the file's default_decay
    serious = model.rule_for("LIST-SERIOUS-DISHONESTY", "serious")
    assert serious is not None
    assert serious.points == -150
    hours = model.rule_for("VOLUNTEER-SERVICE-HOURS", "good")
    assert hours is not None
    assert hours.per_unit is not None
    assert hours.per_unit.field == "hours"
    assert model.rule_for("QUAL-LAWYER", "basic") is None
    assert model.category_caps[Category.GOOD] + model.base <= model.maximum


def _set(path: str, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return change


_DELETE = object()

REFUSALS: list[tuple[str, Change, str]] = [
    ("unknown top key", _set("weights", 3), r"weights: Extra inputs are not permitted"),
    ("unknown rule key", _set("rules.0.pointz", 3), r"rules\[0\]\.pointz: Extra inputs"),
    ("wrong kind", _set("kind", "catalog_items"), r"kind: Input should be 'score_model'"),
    ("unknown item", _set("rules.2.item", "NO-SUCH-ITEM"),
     r"rules\[2\]\.item: unknown catalog item 'NO-SUCH-ITEM'"),
    ("unknown category", _set("rules.0.category", "awful"), r"rules\[0\]\.category: Input should be"),
    ("basic category", _set("rules.0.category", "basic"), r"rules\[0\]\.category: basic information"),
    ("basic item", _set("rules.3.item", "QUAL-LAWYER"), r"rules\[3\]\.item: QUAL-LAWYER is basic"),
    ("item and category", _set("rules.3.category", "good"), r"rules\[3\]: give either item"),
    ("wrong sign", _set("rules.0.points", 50), r"rules\[0\]\.points: must be negative"),
    ("wrong severity sign", _set("rules.1.by_severity.minor", 2),
     r"rules\[1\]\.by_severity\.minor: must be negative"),
    ("unknown severity", _set("rules.1.by_severity", {"huge": -3}),
     r"rules\[1\]\.by_severity\.huge: not a known key"),
    ("good points negative", _set("rules.3.points", -25), r"rules\[3\]\.points: must be positive"),
    ("negative rule cap", _set("rules.2.cap", -40),
     r"rules\[2\]\.cap: Input should be greater than or equal to 0"),
    ("negative category cap", _set("category_caps.good", -1),
     r"category_caps\.good: Input should be greater than or equal to 0"),
    ("basic category cap", _set("category_caps.basic", 5), r"category_caps\.basic: basic information"),
    ("zero record cap", _set("rules.2.max_per_record", 0), r"rules\[2\]\.max_per_record: Input"),
    ("per unit without record cap", _set("rules.2.max_per_record", _DELETE),
     r"rules\[2\]: a per_unit rule needs max_per_record"),
    ("per unit on a category", _set("rules.4.per_unit", {"field": "hours", "unit": 1, "points": 1}),
     r"rules\[4\]\.per_unit: per_unit replaces points"),
    ("per unit on a text field", _set("rules.2.per_unit.field", "organisation"),
     r"rules\[2\]\.per_unit\.field: field 'organisation' of VOLUNTEER-SERVICE-HOURS is not a number"),
    ("per unit on a missing field", _set("rules.2.per_unit.field", "minutes"),
     r"rules\[2\]\.per_unit\.field: VOLUNTEER-SERVICE-HOURS has no field 'minutes'"),
    ("zero unit", _set("rules.2.per_unit.unit", 0), r"rules\[2\]\.per_unit\.unit: Input should be greater"),
    ("no points", _set("rules.0.points", _DELETE), r"rules\[0\]: give points"),
    ("duplicate name", _set("rules.1.name", "serious"), r"rules\[1\]\.name: rule 'serious' is already"),
    ("two rules for an item", _set("rules.4", {"name": "more", "item": "HONOUR-MORAL-MODEL", "points": 1}),
     r"rules\[4\]\.item: HONOUR-MORAL-MODEL already has a rule \(rules\[3\]\)"),
    ("two rules for a category", _set("rules.4.category", "bad"), r"rules\[4\]\.category: bad already has"),
    ("linear without months", _set("rules.3.decay", {"kind": "linear"}), r"rules\[3\]\.decay\.kind: a linear decay needs months"),
    ("none with months", _set("rules.3.decay", {"kind": "none", "months": 3}), r"rules\[3\]\.decay: a decay of kind none"),
    ("unknown decay", _set("rules.3.decay", {"kind": "exponential"}), r"rules\[3\]\.decay\.kind: Input should be"),
    ("thresholds not increasing", _set("grades.2.min", 80), r"grades\[2\]\.min: thresholds must increase"),
    ("first grade above min", _set("grades.0.min", 10), r"grades\[0\]\.min: the lowest grade must start at scale\.min"),
    ("grade above max", _set("grades.2.min", 500), r"grades\[2\]\.min: is above scale\.max"),
    ("duplicate grade", _set("grades.1.code", "C"), r"grades\[1\]\.code: grade 'C' is given twice"),
    ("base outside", _set("scale.base", 300), r"scale\.base: must lie between min"),
    ("min above max", _set("scale.min", 500), r"scale\.max: must be greater than min"),
    ("status share", _set("statuses.repaired", 150), r"statuses\.repaired: Input should be less"),
    ("unknown status", _set("statuses.revoked", 10), r"statuses\.revoked: Extra inputs"),
    ("float points", _set("rules.0.points", -1.5), r"rules\[0\]\.points: Input should be a valid integer"),
    ("bad code", _set("code", "lower case"), r"code: String should match pattern"),
    ("no rules", _set("rules", []), r"rules: List should have at least 1 item"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_each_refusal_names_file_line_and_field(
    catalog: Catalog, case: str, change: Change, message: str
) -> None:
    data = copy.deepcopy(BASE)
    change(data)
    with pytest.raises(ScoreModelError) as caught:
        models(catalog, ("model.yaml", dump(data), False))
    assert any(re.fullmatch(rf"model\.yaml:\d+: {message}.*", p) for p in caught.value.problems), (
        case, caught.value.problems)  # fmt: skip
    assert isinstance(caught.value, ConfigError)
    assert caught.value.field == "CHENGXIN_SCORING_DIR"


def test_the_line_is_the_offending_key_and_all_problems_are_listed(catalog: Catalog) -> None:
    text = dump(BASE).decode().replace("points: -50", "points: 50")
    text = text.replace("item: HONOUR-MORAL-MODEL", "item: QUAL-LAWYER")
    lines = text.splitlines()
    with pytest.raises(ScoreModelError) as caught:
        models(catalog, ("ops/model.yaml", text.encode(), False))
    assert caught.value.problems == (
        f"ops/model.yaml:{lines.index('  points: 50') + 1}: rules[0].points: must be negative: "
        "the rule's points are serious information",
        f"ops/model.yaml:{lines.index('  item: QUAL-LAWYER') + 1}: rules[3].item: QUAL-LAWYER is "
        "basic information, which is not conduct and never scores",
    )
    assert str(caught.value).endswith("(and 1 more)")


def test_unsafe_or_broken_yaml_is_refused(catalog: Catalog) -> None:
    broken = b"kind: score_model\nbase: &b 3\nmin: *b\n"
    with pytest.raises(ScoreModelError, match=r"model\.yaml:2: anchors"):
        models(catalog, ("model.yaml", broken, False))
    with pytest.raises(ScoreModelError, match=r"model\.yaml:\d+: invalid YAML"):
        models(catalog, ("model.yaml", b"kind: [", False))


def test_versions_across_files(catalog: Catalog) -> None:
    later = {**BASE, "version": 2, "effective_from": dt.date(2027, 1, 1), "base": None}
    del later["base"]
    both = models(catalog, ("a.yaml", dump(BASE), True), ("b.yaml", dump(later), False))
    assert [m.version for m in both] == [1, 2]
    assert model_on(both, dt.date(2026, 12, 31)).version == 1
    assert model_on(both, dt.date(2027, 1, 1)).version == 2
    with pytest.raises(ConfigError, match="no score model is in force on 2025-12-31"):
        model_on(both, dt.date(2025, 12, 31))
    with pytest.raises(ScoreModelError, match=r"b\.yaml:1: version: TEST v1 is already defined "
                                              r"in a\.yaml; a shipped model cannot be replaced"):  # fmt: skip
        models(catalog, ("a.yaml", dump(BASE), True), ("b.yaml", dump(BASE), False))
    same_day = {**BASE, "version": 2}
    with pytest.raises(ScoreModelError, match=r"b\.yaml:1: effective_from: TEST v1 \(a\.yaml\) "
                                              r"takes effect the same day"):  # fmt: skip
        models(catalog, ("a.yaml", dump(BASE), True), ("b.yaml", dump(same_day), False))


def test_an_operator_folder_through_the_setting(tmp_path: Path, catalog: Catalog) -> None:
    folder = tmp_path / "scoring"
    folder.mkdir()
    settings = load_settings({"CHENGXIN_SCORING_DIR": str(folder)})
    assert settings.scoring_dir == folder
    newer = {**BASE, "code": "CX-PERSONAL", "version": 2, "effective_from": dt.date(2027, 1, 1)}
    (folder / "model-2027.yaml").write_bytes(dump(newer))
    (folder / ".hidden.yaml").write_text("not: a model")
    (folder / "notes.txt").write_text("ignored")
    loaded = load_models(settings.scoring_dir, catalog)
    assert [(m.code, m.version) for m in loaded] == [("CX-PERSONAL", 1), ("CX-PERSONAL", 2)]
    (folder / "broken.yaml").write_bytes(dump({**newer, "version": 3, "bogus": 1}))
    with pytest.raises(ScoreModelError, match=r"broken\.yaml:\d+: bogus: Extra inputs"):
        load_models(folder, catalog)
    with pytest.raises(ConfigError, match="does not exist"):
        load_models(tmp_path / "missing", catalog)


def test_a_model_without_caps_or_decay(catalog: Catalog) -> None:
    plain = copy.deepcopy(BASE)
    del plain["category_caps"]
    plain["rules"] = [{"name": "bad", "category": "bad", "points": -1}]
    loaded = model_of(catalog, plain)
    assert loaded.category_caps == {}
    assert loaded.horizon_months == 0
