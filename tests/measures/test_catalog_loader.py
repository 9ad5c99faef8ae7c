"""Operator folders of measures (R-6.2, R-6.3): a later version and a retirement take effect on
their dates; hostile and wrong files are refused, every problem named as
`file:line: field: reason`, and nothing is loaded."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from chengxin.catalog.loader import load_catalog
from chengxin.catalog.schema import Catalog
from chengxin.errors import ConfigError
from chengxin.lists.types import ListTypes, shipped_types
from chengxin.measures.loader import (
    MAX_FILE_BYTES,
    MAX_OPERATOR_FILES,
    MeasuresError,
    load_measures,
)
from chengxin.measures.types import Measures

Change = Callable[[dict[str, Any]], None]
LOCAL: dict[str, Any] = {
    "code": "LOCAL-HOUSING-SUBSIDY",
    "effective_from": dt.date(2027, 1, 1),
    "kind": "punishment",
    "name": {"zh": "限制申请公共租赁住房补贴", "en": "Restricted from rental housing subsidies"},
    "legal_basis": [{"instrument": "《某市公共租赁住房管理办法》", "article": "第二十条"}],
    "implementing_department": {"zh": "住房保障部门", "en": "Housing security departments"},
    "scenarios": ["government_funding"],
    "effect": "restrict",
    "target": {"any_of": [{"lists": ["WAGE-ARREARS"]}]},
    "duration": {"zh": "列入名单期间。", "en": "While listed."},
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def lists() -> ListTypes:
    return shipped_types()


class _NoAliases(yaml.SafeDumper):
    """PyYAML writes an object met twice as an anchor and alias, which the loader refuses."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002  (PyYAML's signature)
        return True


def dump(*measures: dict[str, Any], edition: str = "2027.1") -> str:
    data = {"kind": "measures", "edition": edition, "measures": list(measures)}
    return yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False)


def folder(tmp_path: Path, **files: str | bytes) -> Path:
    where = tmp_path / "measures"
    where.mkdir(exist_ok=True)
    for name, content in files.items():
        path = where / name.replace("__", ".")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return where


def load(tmp_path: Path, catalog: Catalog, lists: ListTypes, **files: str | bytes) -> Measures:
    return load_measures(catalog, lists, folder(tmp_path, **files))


def refused(tmp_path: Path, catalog: Catalog, lists: ListTypes, **files: str | bytes) -> list[str]:
    with pytest.raises(MeasuresError) as caught:
        load(tmp_path, catalog, lists, **files)
    assert caught.value.field == "CHENGXIN_MEASURES_DIR"
    return list(caught.value.problems)


# --- what works ------------------------------------------------------------------------------


def test_r6_3_an_operator_adds_a_measure_a_later_version_and_a_retirement(
    tmp_path: Path, catalog: Catalog, lists: ListTypes
) -> None:
    shipped = load_measures(catalog, lists)
    travel = shipped.versions["WAGE-ARREARS-TRAVEL"][-1]
    retired = travel.model_dump(mode="json") | {
        "effective_from": dt.date(2027, 1, 1),
        "retired": True,
    }
    procurement = shipped.versions["PROCUREMENT-EXCLUSION"][-1].model_dump(mode="json")
    checked = procurement | {"effective_from": dt.date(2027, 3, 1), "citation_note": None}
    measures = load(tmp_path, catalog, lists, local__yaml=dump(LOCAL, retired, checked))

    assert len(measures.codes()) == len(shipped.codes()) + 1
    before = {m.code: m for m in measures.in_force(dt.date(2026, 12, 31))}
    assert "WAGE-ARREARS-TRAVEL" in before
    assert "LOCAL-HOUSING-SUBSIDY" not in before
    after = {m.code: m for m in measures.in_force(dt.date(2027, 3, 1))}
    assert "WAGE-ARREARS-TRAVEL" not in after
    assert after["LOCAL-HOUSING-SUBSIDY"].effective_from == dt.date(2027, 1, 1)
    assert after["PROCUREMENT-EXCLUSION"].citation_note is None
    assert [m.effective_from for m in measures.versions["PROCUREMENT-EXCLUSION"]] == [
        dt.date(2016, 8, 1), dt.date(2027, 3, 1)]  # fmt: skip
    assert before["PROCUREMENT-EXCLUSION"].citation_note is not None


def test_r6_3_an_empty_operator_folder_changes_nothing(
    tmp_path: Path, catalog: Catalog, lists: ListTypes
) -> None:
    assert load(tmp_path, catalog, lists).codes() == load_measures(catalog, lists).codes()


def test_a_missing_folder_is_a_config_error(tmp_path: Path, catalog: Catalog,
                                            lists: ListTypes) -> None:  # fmt: skip
    with pytest.raises(ConfigError, match="does not exist"):
        load_measures(catalog, lists, tmp_path / "nowhere")


# --- what is refused -------------------------------------------------------------------------


def _set(path: str, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return change


F = r"measures\[0\]\(LOCAL-HOUSING-SUBSIDY\)"
REFUSALS: list[tuple[str, Change, str]] = [
    ("unknown key", _set("penalty", "heavy"), rf"{F}\.penalty: Extra inputs are not permitted"),
    ("unknown list type", _set("target.any_of.0.lists", ["NO-SUCH-LIST"]),
     rf"{F}\.target\.any_of\[0\]\.lists\[0\]: unknown list type 'NO-SUCH-LIST'"),
    ("unknown item", _set("target.any_of.0", {"records": {"items": ["NO-SUCH-ITEM"]}}),
     rf"{F}\.target\.any_of\[0\]\.records\.items\[0\]: unknown catalog item 'NO-SUCH-ITEM'"),
    ("unknown category", _set("target.any_of.0", {"records": {"categories": ["awful"]}}),
     rf"{F}\.target\.any_of\[0\]\.records\.categories\[0\]: Input should be"),
    ("reward with a punishing effect", _set("kind", "reward"),
     rf"{F}: effect restrict does not fit a reward measure"),
    ("punishment on good records", _set("target.any_of.0",
                                        {"records": {"items": ["HONOUR-MORAL-MODEL"]}}),
     rf"{F}\.target\.any_of\[0\]\.records: a punishment cannot rest on good records"),
    ("punishment on a red list", _set("target.any_of.0.lists", ["RED-MORAL-MODEL"]),
     rf"{F}\.target\.any_of\[0\]\.lists\[0\]: RED-MORAL-MODEL is a red list"),
    ("basic item", _set("target.any_of.0", {"records": {"items": ["QUAL-LAWYER"]}}),
     r"records\.items\[0\]: QUAL-LAWYER is basic information"),
    ("item outside its categories", _set("target.any_of.0", {"records": {
        "items": ["PENALTY-TAX"], "categories": ["serious"]}}),
     r"records\.items\[0\]: PENALTY-TAX is bad information, not among categories \(serious\)"),
    ("severity nobody records", _set("target.any_of.0", {"records": {
        "items": ["COMMITMENT-BREACH"], "severities": ["serious"]}}),
     r"records\.severities: no catalog item the clause names records a severity"),
    ("two of a clause", _set("target.any_of.0", {"lists": ["WAGE-ARREARS"],
                                                 "list_kinds": ["serious_dishonesty"]}),
     rf"{F}\.target\.any_of\[0\]: give exactly one of lists, list_kinds, records, clean_years"),
    ("list given twice", _set("target.any_of.0.lists", ["WAGE-ARREARS", "WAGE-ARREARS"]),
     r"lists\[1\]: WAGE-ARREARS is given twice"),
    ("number as a date", _set("effective_from", 20270101),
     rf"{F}\.effective_from: give the date as YYYY-MM-DD"),
    ("blank citation note", _set("citation_note", ""), rf"{F}\.citation_note: String should"),
    ("wrong file kind", lambda d: d.update(kind="score_model"), r"^[^:]+:1: kind: Input should be"),
    ("no measures", lambda d: d.update(measures=[]), r":3: measures: Tuple should have at least"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])  # fmt: skip
def test_r6_3_a_wrong_measure_is_refused_naming_file_line_and_field(
    tmp_path: Path, catalog: Catalog, lists: ListTypes, change: Change, expected: str
) -> None:
    data = {"kind": "measures", "edition": "2027.1", "measures": [copy.deepcopy(LOCAL)]}
    wrapper = data if change.__name__ == "<lambda>" else data["measures"][0]
    change(wrapper)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    problems = refused(tmp_path, catalog, lists, local__yaml=text)
    assert any(re.search(expected, p) for p in problems), problems
    assert all(re.match(r"^.+local\.yaml:\d+: \S+: .+", p) for p in problems), problems


def reward(**over: Any) -> dict[str, Any]:
    return LOCAL | {"code": "LOCAL-REWARD", "kind": "reward", "effect": "priority",
                    "scenarios": ["employment_business"],
                    "target": {"any_of": [{"list_kinds": ["red"]}]}} | over  # fmt: skip


REWARD_REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("on a dishonesty list", {"target": {"any_of": [{"lists": ["WAGE-ARREARS"]}]}},
     r"lists\[0\]: WAGE-ARREARS is a serious_dishonesty list: a reward cannot rest on it"),
    ("on bad records", {"target": {"any_of": [{"records": {"categories": ["bad"]}}]}},
     r"any_of\[0\]\.records: a reward cannot rest on bad or serious records"),
    ("clean years with good records", {"target": {"any_of": [
        {"clean_years": 3}, {"records": {"items": ["VOLUNTEER-SERVICE-HOURS"]}}]}},
     r"any_of\[1\]\.records: clean_years counts the absence of bad records"),
    ("deposit waiver in licensing", {"effect": "deposit_waiver",
                                     "scenarios": ["administrative_licensing"]},
     r"scenarios\[0\]: deposit_waiver is used only in public_procurement, "
     r"public_resource_trading, not in administrative_licensing"),
    ("clean years under unless", {"target": {"any_of": [{"list_kinds": ["red"]}],
                                             "unless": [{"clean_years": 2}]}},
     r"target: unless: clean_years cannot exclude"),
]  # fmt: skip


@pytest.mark.parametrize(("over", "expected"), [r[1:] for r in REWARD_REFUSALS],
                         ids=[r[0] for r in REWARD_REFUSALS])  # fmt: skip
def test_r6_2_a_reward_that_rests_on_dishonesty_is_refused(
    tmp_path: Path, catalog: Catalog, lists: ListTypes, over: dict[str, Any], expected: str
) -> None:
    problems = refused(tmp_path, catalog, lists, local__yaml=dump(reward(**over)))
    assert any(re.search(expected, p) for p in problems), problems


def test_r6_2_a_reward_may_exclude_dishonesty_under_unless(
    tmp_path: Path, catalog: Catalog, lists: ListTypes
) -> None:
    unless = {"unless": [{"lists": ["WAGE-ARREARS"]}, {"records": {"categories": ["serious"]}}]}
    good = reward(target={"any_of": [{"list_kinds": ["red"]}], **unless})
    assert "LOCAL-REWARD" in load(tmp_path, catalog, lists, local__yaml=dump(good)).codes()


def test_bad_yaml_names_the_line(tmp_path: Path, catalog: Catalog, lists: ListTypes) -> None:
    text = "kind: measures\nedition: '2027.1'\nmeasures:\n  - code: [unclosed\n"
    (problem,) = refused(tmp_path, catalog, lists, bad__yaml=text)
    assert re.search(r"bad\.yaml:\d+: \(file\): invalid YAML", problem), problem


def test_anchors_are_refused(tmp_path: Path, catalog: Catalog, lists: ListTypes) -> None:
    text = dump(LOCAL).replace("duration:", "duration: &d", 1)
    (problem,) = refused(tmp_path, catalog, lists, a__yaml=text)
    assert "anchors (&d) are not allowed" in problem


def test_non_utf8_is_refused(tmp_path: Path, catalog: Catalog, lists: ListTypes) -> None:
    raw = dump(LOCAL).encode("gb18030")
    (problem,) = refused(tmp_path, catalog, lists, gbk__yaml=raw)
    assert re.search(r"gbk\.yaml:\d+: \(file\): file is not UTF-8 text", problem), problem


def test_an_oversized_file_is_refused_unread(
    tmp_path: Path, catalog: Catalog, lists: ListTypes
) -> None:
    raw = dump(LOCAL).encode() + b"#" * MAX_FILE_BYTES
    (problem,) = refused(tmp_path, catalog, lists, big__yaml=raw)
    assert re.search(r"big\.yaml:1: \(file\): is larger than 512 KiB", problem), problem


def test_too_many_files_are_refused(tmp_path: Path, catalog: Catalog, lists: ListTypes) -> None:
    files = {f"m{i:03d}__yaml": "" for i in range(MAX_OPERATOR_FILES + 1)}
    (problem,) = refused(tmp_path, catalog, lists, **files)
    assert f"at most {MAX_OPERATOR_FILES} are read" in problem


def test_a_duplicate_version_is_refused_with_both_places(
    tmp_path: Path, catalog: Catalog, lists: ListTypes
) -> None:
    problems = refused(tmp_path, catalog, lists, a__yaml=dump(LOCAL), b__yml=dump(LOCAL))
    (problem,) = problems
    where = re.escape("b.yml:5: measures[0](LOCAL-HOUSING-SUBSIDY).effective_from:")
    assert re.search(rf"{where} LOCAL-HOUSING-SUBSIDY of 2027-01-01 is already defined at "
                     r".*a\.yaml:4; each version is defined once", problem), problem  # fmt: skip


def test_a_shipped_version_cannot_be_replaced(
    tmp_path: Path, catalog: Catalog, lists: ListTypes
) -> None:
    shipped = load_measures(catalog, lists).versions["COURT-VEHICLES"][0]
    milder = shipped.model_dump(mode="json") | {"effect": "heightened_scrutiny"}
    (problem,) = refused(tmp_path, catalog, lists, local__yaml=dump(milder))
    where = re.escape("local.yaml:5: measures[0](COURT-VEHICLES).effective_from:")
    assert re.search(rf"{where} COURT-VEHICLES of 2015-07-22 is already defined at "
                     r"chengxin/measures/data/court_consumption\.yaml:\d+; a shipped version "
                     r"cannot be replaced", problem), problem  # fmt: skip


def test_the_first_version_cannot_retire(tmp_path: Path, catalog: Catalog,
                                         lists: ListTypes) -> None:  # fmt: skip
    (problem,) = refused(tmp_path, catalog, lists, a__yaml=dump(LOCAL | {"retired": True}))
    assert "(LOCAL-HOUSING-SUBSIDY).retired: the first version of LOCAL-HOUSING-SUBSIDY" in problem
    assert problem.endswith("cannot retire it (nothing is in force yet)")


def test_a_code_keeps_its_kind(tmp_path: Path, catalog: Catalog, lists: ListTypes) -> None:
    later = reward(code=LOCAL["code"], effective_from=dt.date(2028, 1, 1))
    (problem,) = refused(tmp_path, catalog, lists, a__yaml=dump(LOCAL, later))
    assert re.search(
        r"a\.yaml:\d+: measures\[1\]\(LOCAL-HOUSING-SUBSIDY\)\.kind: LOCAL-HOUSING-SUBSIDY is a "
        r"punishment at",
        problem,
    )


def test_every_problem_of_every_file_is_reported_and_nothing_is_loaded(
    tmp_path: Path, catalog: Catalog, lists: ListTypes
) -> None:
    good = dump(LOCAL | {"code": "LOCAL-FINE"})
    bad = dump(LOCAL | {"scenarios": ["nowhere"], "effect": "banish"})
    problems = refused(tmp_path, catalog, lists, a__yaml=good, b__yaml=bad, c__yaml="x: [")
    assert len(problems) == 3, problems
    assert [p.split(":")[0].rsplit("/", 1)[-1] for p in problems] == ["b.yaml", "b.yaml",
                                                                      "c.yaml"]  # fmt: skip
    assert re.search(r"b\.yaml:\d+: measures\[0\]\(LOCAL-HOUSING-SUBSIDY\)\.scenarios\[0\]: "
                     r"Input should be", problems[0])  # fmt: skip
    assert "effect: Input should be" in problems[1]


def test_the_line_is_that_of_the_field(tmp_path: Path, catalog: Catalog, lists: ListTypes) -> None:
    text = dump(LOCAL).replace("- WAGE-ARREARS", "- WAGE-ARREAR")
    (problem,) = refused(tmp_path, catalog, lists, a__yaml=text)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "WAGE-ARREAR" in t)
    assert f"a.yaml:{line}: measures[0](LOCAL-HOUSING-SUBSIDY).target.any_of[0].lists[0]" in problem


def test_hidden_files_and_other_suffixes_are_ignored(
    tmp_path: Path, catalog: Catalog, lists: ListTypes
) -> None:
    files = {".hidden__yaml": "x: [", "notes__txt": "x: ["}
    assert len(load(tmp_path, catalog, lists, **files).codes()) == len(
        load_measures(catalog, lists).codes()
    )


def test_a_measure_is_retired_once(tmp_path: Path, catalog: Catalog, lists: ListTypes) -> None:
    first = LOCAL | {"effective_from": dt.date(2028, 1, 1), "retired": True}
    again = LOCAL | {"effective_from": dt.date(2029, 1, 1), "retired": True}
    (problem,) = refused(tmp_path, catalog, lists, a__yaml=dump(LOCAL, first, again))
    assert re.search(r"measures\[2\]\(LOCAL-HOUSING-SUBSIDY\)\.retired: LOCAL-HOUSING-SUBSIDY is "
                     r"already retired from 2028-01-01", problem), problem  # fmt: skip
    back = LOCAL | {"effective_from": dt.date(2029, 1, 1)}  # a later version brings it back
    measures = load(tmp_path, catalog, lists, a__yaml=dump(LOCAL, first, back))
    in_force = {on.year: [m.code for m in measures.in_force(on)] for on in
                (dt.date(2027, 6, 1), dt.date(2028, 6, 1), dt.date(2029, 6, 1))}  # fmt: skip
    assert ["LOCAL-HOUSING-SUBSIDY" in codes for codes in in_force.values()] == [True, False, True]
