"""The shipped catalog of measures (R-6.2 rewards, R-6.3 joint punishment): it loads, every
measure names its basis, department, scenarios, duration and existing targets, and the docs list
every code."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from chengxin.catalog.loader import load_catalog
from chengxin.catalog.schema import Catalog
from chengxin.lists.rules import ListKind
from chengxin.lists.types import ListTypes, shipped_types
from chengxin.measures.loader import MeasuresError, load_measures, shipped_files
from chengxin.measures.types import Measure, MeasureKind, Measures, Scenario
from tests.conftest import NOW

DOCS = Path(__file__).resolve().parents[2] / "docs"
TODAY = NOW.date()
DEBTOR_LISTS = ("DISHONEST-JUDGMENT-DEBTOR", "DISHONEST-JUDGMENT-DEBTOR-REFUSING")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def lists() -> ListTypes:
    return shipped_types()


@pytest.fixture(scope="module")
def shipped(catalog: Catalog, lists: ListTypes) -> Measures:
    return load_measures(catalog, lists)


def _all(measures: Measures) -> list[Measure]:
    return [m for versions in measures.versions.values() for m in versions]


def test_r6_3_the_shipped_set_loads_split_by_theme(shipped: Measures) -> None:
    names = {f.name.rsplit("/", 1)[-1] for f in shipped_files()}
    assert {"court_consumption.yaml", "joint_punishment.yaml", "rewards.yaml"} <= names
    assert 25 <= len(shipped.codes()) <= 35
    assert len(shipped.in_force(TODAY)) == len(shipped.codes())
    kinds = Counter(m.kind for m in shipped.in_force(TODAY))
    assert kinds[MeasureKind.REWARD] >= 4
    assert kinds[MeasureKind.PUNISHMENT] >= 20


def test_r6_3_every_measure_is_bilingual_with_basis_department_and_duration(
    shipped: Measures,
) -> None:
    for m in _all(shipped):
        for text in (m.name, m.implementing_department, m.duration):
            assert re.search(r"[\u4e00-\u9fff]", text.zh), m.code
            assert re.search(r"[A-Za-z]", text.en), m.code
        assert all(b.instrument.startswith(("《", "中共中央")) for b in m.legal_basis), m.code
        assert all(b.article for b in m.legal_basis), m.code
        if m.citation_note is not None:  # honest about what was not checked
            assert m.citation_note.startswith("待核"), m.code


def test_r6_3_every_target_names_list_types_and_items_that_exist(
    shipped: Measures, catalog: Catalog, lists: ListTypes
) -> None:
    for m in _all(shipped):
        for clause in (*m.target.any_of, *m.target.unless):
            assert set(clause.lists) <= set(lists.codes()), m.code
            items = clause.records.items if clause.records else ()
            assert set(items) <= set(catalog.codes()), m.code


def test_r6_3_one_court_measure_per_item_of_article_3(shipped: Measures) -> None:
    court = [m for m in shipped.in_force(TODAY) if m.code.startswith("COURT-")]
    articles = sorted(b.article for m in court for b in m.legal_basis)
    numerals = "一二三四五六七八九"
    assert articles == sorted(f"第三条第一款第（{n}）项" for n in numerals)
    for m in court:
        assert m.effect == "prohibit"
        assert m.target.any_of[0].lists == DEBTOR_LISTS
        assert m.target.any_of[1].records is not None
        assert m.target.any_of[1].records.items == ("JUDICIAL-CONSUMPTION-RESTRICTION",)
        assert set(m.scenarios) <= {Scenario.HIGH_CONSUMPTION, Scenario.AIR_RAIL_TRAVEL,
                                    Scenario.SCHOOLS}  # fmt: skip


def test_r6_3_civil_service_bar_rests_on_the_civil_servant_law(shipped: Measures) -> None:
    (bar,) = [m for m in shipped.in_force(TODAY) if Scenario.CIVIL_SERVICE_RECRUITMENT in
              m.scenarios]  # fmt: skip
    assert bar.legal_basis[0].article == "第二十六条第（四）项"
    assert bar.citation_note is None
    assert bar.target.any_of[0].list_kinds == (ListKind.SERIOUS_DISHONESTY,)


def test_r6_2_green_channel_and_documents_to_follow(shipped: Measures) -> None:
    licensing = {m.effect: m for m in shipped.in_force(TODAY)
                 if m.kind is MeasureKind.REWARD
                 and Scenario.ADMINISTRATIVE_LICENSING in m.scenarios}  # fmt: skip
    assert set(licensing) == {"green_channel", "documents_to_follow"}
    for m in licensing.values():
        assert [c.clean_years for c in m.target.any_of] == [3, None]
        assert m.target.any_of[1].list_kinds == (ListKind.RED,)
        assert m.target.unless[0].list_kinds == (ListKind.SERIOUS_DISHONESTY,
                                                 ListKind.KEY_SUPERVISION)  # fmt: skip
        assert m.legal_basis[0].article == "六（一）"


def test_r6_3_heightened_scrutiny_for_serious_records_within_36_months(shipped: Measures) -> None:
    scrutiny = shipped.versions["SERIOUS-RECORD-LICENSING-SCRUTINY"][-1]
    conditions = [c.records for c in scrutiny.target.any_of]
    assert all(c is not None and c.within_months == 36 for c in conditions)
    breach = shipped.versions["COMMITMENT-BREACH-NO-WAIVER"][-1]
    assert breach.effect == "restrict"
    assert breach.target.any_of[0].records is not None
    assert breach.target.any_of[0].records.items == ("COMMITMENT-BREACH",)


# --- the docs --------------------------------------------------------------------------------


def test_r6_3_every_shipped_code_is_in_the_docs(shipped: Measures) -> None:
    text = (DOCS / "measures.md").read_text(encoding="utf-8")
    missing = [code for code in shipped.codes() if f"`{code}`" not in text]
    assert missing == []


def test_the_settings_table_names_the_measures_folder() -> None:
    assert "| `CHENGXIN_MEASURES_DIR` |" in (DOCS / "operations.md").read_text(encoding="utf-8")


def _doc_block(kind: str) -> str:
    text = (DOCS / "measures.md").read_text(encoding="utf-8")
    found = re.search(rf"```{kind}\n(.*?)```", text, re.DOTALL)
    assert found is not None
    return found.group(1)


def test_r6_3_the_operator_example_in_the_docs_loads_as_it_says(
    tmp_path: Path, catalog: Catalog, lists: ListTypes
) -> None:
    (tmp_path / "local.yaml").write_text(_doc_block("yaml"), encoding="utf-8")
    measures = load_measures(catalog, lists, tmp_path)
    on = {m.code: m for m in measures.in_force(dt.date(2027, 3, 1))}
    assert "LOCAL-HOUSING-SUBSIDY" in on
    assert "WAGE-ARREARS-TRAVEL" not in on
    assert on["PROCUREMENT-EXCLUSION"].citation_note is None
    assert "WAGE-ARREARS-TRAVEL" in {m.code for m in measures.in_force(dt.date(2026, 12, 31))}


def test_the_problems_quoted_in_the_docs_are_those_the_loader_gives(
    tmp_path: Path, catalog: Catalog, lists: ListTypes
) -> None:
    wrong = _doc_block("yaml").replace("[WAGE-ARREARS]", "[WAGE-ARREAR]", 1)
    wrong = wrong.replace("effective_from: 2027-03-01", "effective_from: 2016-08-01")
    (tmp_path / "local.yaml").write_text(wrong, encoding="utf-8")
    with pytest.raises(MeasuresError) as caught:
        load_measures(catalog, lists, tmp_path)
    quoted = _doc_block("text").splitlines()
    given = [p.replace(str(tmp_path), "/etc/chengxin/measures") for p in caught.value.problems]
    assert given == quoted[:-1]
    assert quoted[-1] == f"error: {len(given)} problem(s) in the measure files"
