"""R-2.1: loading refuses bad catalog files, naming file, line and reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from chengxin.catalog import yamlsource
from chengxin.catalog.loader import load_catalog
from chengxin.catalog.yamlsource import MAX_FILE_BYTES, CatalogError
from chengxin.errors import ConfigError
from tests.catalog.support import VALID_ITEM, line_no, problems_of, write

LEGAL_BASIS = (
    "    legal_basis:\n"
    "      - instrument: 《中华人民共和国行政处罚法》\n"
    "        article: 第四十八条\n"
)


def _one_problem(folder: Path, name: str, text: str) -> tuple[str, int, str]:
    path = write(folder, name, text)
    problems = problems_of(folder)
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert problem.file == str(path)
    assert str(problem) == f"{path}:{problem.line}: {problem.reason}"
    return problem.file, problem.line, problem.reason


def test_r2_1_valid_operator_file_loads(tmp_path: Path) -> None:
    write(tmp_path, "ok.yaml", VALID_ITEM)
    catalog = load_catalog(tmp_path)
    item = catalog.item("OP-TEST-ITEM", dt.date(2026, 4, 1))
    assert item.origin == "operator"
    assert item.defined_at == f"{tmp_path / 'ok.yaml'}:4"


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("domain: education", "domain: sports", "domain: unknown value 'sports'"),
        ("category: bad", "category: awful", "category: unknown value 'awful'"),
        ("info_class: compliance", "info_class: gossip", "info_class: unknown value"),
        ("disclosure: authorised", "disclosure: everyone", "disclosure: unknown value"),
        ("update_frequency: monthly", "update_frequency: hourly", "update_frequency: unknown"),
        ("kinds: [government_department]", "kinds: [neighbours]", "unknown value 'neighbours'"),
        ("code: OP-TEST-ITEM", "code: op test", "code: 'op test' is not valid"),
        ("effective_from: 2026-04-01", "effective_from: soon", "must be a date"),
        ("display_rule: bad_record_5y", "display_rul: bad_record_5y", "unknown key"),
        ("type: date", "type: datetime", "type: unknown value 'datetime'"),
        ("max_length: 100", "max_length: -1", "max_length: must be at least 1"),
        ("name: summary", "name: Summary!", "name: 'Summary!' is not valid"),
        (
            "instrument: 《中华人民共和国行政处罚法》",
            "instrument: some law",
            "name the law or regulation with its title in 《》",
        ),
    ],
)
def test_r2_1_bad_value_names_file_line_and_reason(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    text = VALID_ITEM.replace(old, new)
    _, line, got = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, new)
    assert reason in got


def test_r2_1_missing_legal_basis_is_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace(
        LEGAL_BASIS,
        "",
    )
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "- code: OP-TEST-ITEM")
    assert reason == "items[0]: missing required key 'legal_basis'"


def test_r2_1_empty_legal_basis_is_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace(
        LEGAL_BASIS,
        "    legal_basis: []\n",
    )
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "legal_basis: []")
    assert reason == "items[0].legal_basis: must not be empty"


def test_r2_1_legal_basis_without_article_is_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("        article: 第四十八条\n", "")
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "- instrument: 《中华人民共和国行政处罚法》")
    assert reason.startswith("items[0].legal_basis[0]: missing required key 'article'")
    assert "第四十八条" in reason
    assert "三（二）" in reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('""', "items[0].legal_basis[0].article: must not be empty"),
        ('"  "', "items[0].legal_basis[0].article: must not be empty"),
        ("", "items[0].legal_basis[0].article: a value is required"),
    ],
)
def test_r2_1_legal_basis_with_empty_article_is_refused(
    tmp_path: Path, value: str, reason: str
) -> None:
    new = f"article: {value}".rstrip()
    text = VALID_ITEM.replace("article: 第四十八条", new)
    _, line, got = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, new)
    assert got == reason


def test_r2_1_second_legal_basis_without_article_is_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace(
        "        article: 第四十八条\n",
        "        article: 第四十八条\n      - instrument: 《中华人民共和国教育法》\n",
    )
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "- instrument: 《中华人民共和国教育法》")
    assert reason.startswith("items[0].legal_basis[1]: missing required key 'article'")


def test_r2_1_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("category: bad", "category: [bad")
    _, line, reason = _one_problem(tmp_path, "broken.yaml", text)
    assert reason.startswith("invalid YAML")
    assert line >= line_no(text, "category: [bad")


def test_r2_1_duplicate_keys_are_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("    category: bad\n", "    category: bad\n    category: good\n")
    _, line, reason = _one_problem(tmp_path, "dup.yaml", text)
    assert line == line_no(text, "category: good")
    assert "duplicate key 'category'" in reason
    assert f"line {line_no(text, 'category: bad')}" in reason


def test_r2_1_anchors_and_aliases_are_refused(tmp_path: Path) -> None:
    bomb = "kind: catalog_items\nedition: '2026.1'\na: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    _, line, reason = _one_problem(tmp_path, "bomb.yaml", bomb)
    assert line == 3
    assert "anchors (&a) are not allowed" in reason


def test_r2_1_python_tags_are_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("category: bad", "category: !!python/object:os.system bad")
    _, line, reason = _one_problem(tmp_path, "tag.yaml", text)
    assert line == line_no(text, "!!python")
    assert "is not allowed" in reason


def test_r2_1_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"kind: catalog_items\n" + b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    problems = problems_of(tmp_path)
    assert [(p.file, p.line) for p in problems] == [(str(path), 1)]
    assert "larger than" in problems[0].reason


def test_r2_1_non_mapping_root_is_refused(tmp_path: Path) -> None:
    _, line, reason = _one_problem(tmp_path, "list.yaml", "- a\n- b\n")
    assert line == 1
    assert "mapping" in reason


def test_r2_1_empty_and_non_utf8_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a_empty.yaml").write_text("# nothing\n", encoding="utf-8")
    (tmp_path / "b_gbk.yaml").write_bytes("kind: catalog_items\nname: 诚信\n".encode("gbk"))
    problems = problems_of(tmp_path)
    assert [(Path(p.file).name, p.line, p.reason) for p in problems] == [
        ("a_empty.yaml", 1, "file is empty"),
        ("b_gbk.yaml", 2, "file is not UTF-8 text"),
    ]


def test_r2_1_unknown_file_kind_is_refused(tmp_path: Path) -> None:
    _, line, reason = _one_problem(tmp_path, "k.yaml", "kind: recipes\n")
    assert line == 1
    assert "unknown file kind 'recipes'" in reason


def test_r2_1_duplicate_field_names_are_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("name: summary", "name: decision_date")
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "- name: decision_date", 2)
    assert "field 'decision_date' is defined twice" in reason


def test_r2_1_enum_field_without_values_is_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("type: string\n        max_length: 100", "type: enum")
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "- name: summary")
    assert "exactly one of values or values_from" in reason


def test_r2_1_bad_pattern_is_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("max_length: 100", 'max_length: 100\n        pattern: "[0-9"')
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "pattern:")
    assert "not a valid regular expression" in reason


def test_r2_1_string_field_needs_max_length_and_options_fit_the_type(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("max_length: 100", "min: 3")
    write(tmp_path, "bad.yaml", text)
    reasons = [p.reason for p in problems_of(tmp_path)]
    assert any("min: applies only to integer and decimal fields" in r for r in reasons)
    assert any("a string field needs max_length" in r for r in reasons)


def test_r2_1_unknown_field_set_is_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace(
        "      - name: summary\n", "      - use: nothing_like_this\n      - name: summary\n"
    )
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "use: nothing_like_this")
    assert "unknown field set 'nothing_like_this'" in reason


def test_r2_1_unknown_display_rule_is_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("display_rule: bad_record_5y", "display_rule: forever")
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "- code: OP-TEST-ITEM")
    assert "unknown display rule 'forever'" in reason


def test_r4_2_display_rule_needs_its_start_field(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("display_rule: bad_record_5y", "display_rule: list_until_removed")
    _, _, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert "needs a date field 'listed_on'" in reason


def test_r4_2_penalty_rule_needs_penalty_types(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("display_rule: bad_record_5y", "display_rule: administrative_penalty")
    _, _, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert "needs a enum field 'penalty_types'" in reason


def test_r2_6_min_age_needs_a_conduct_date(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("domain: education", "domain: education\n    min_age_at_conduct: 18")
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "min_age_at_conduct")
    assert "needs a required date field 'conduct_date'" in reason


def test_r2_1_two_versions_on_the_same_day_overlap(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", VALID_ITEM)
    write(tmp_path, "b.yaml", VALID_ITEM)
    problems = problems_of(tmp_path)
    assert len(problems) == 1
    assert problems[0].file == str(tmp_path / "b.yaml")
    assert problems[0].line == 4
    assert f"already defined at {tmp_path / 'a.yaml'}:4" in problems[0].reason


def test_r2_1_effective_to_after_the_next_version_overlaps(tmp_path: Path) -> None:
    first = VALID_ITEM.replace(
        "effective_from: 2026-04-01", "effective_from: 2026-04-01\n    effective_to: 2027-01-01"
    )
    write(tmp_path, "a.yaml", first)
    write(tmp_path, "b.yaml", VALID_ITEM.replace("2026-04-01", "2027-01-01"))
    problems = problems_of(tmp_path)
    assert [(Path(p.file).name, p.line) for p in problems] == [("a.yaml", 4)]
    assert "effective_to 2027-01-01 overlaps the version taking effect 2027-01-01" in (
        problems[0].reason
    )


def test_r2_1_effective_to_before_effective_from_is_refused(tmp_path: Path) -> None:
    text = VALID_ITEM.replace(
        "effective_from: 2026-04-01", "effective_from: 2026-04-01\n    effective_to: 2026-03-01"
    )
    _, line, reason = _one_problem(tmp_path, "bad.yaml", text)
    assert line == line_no(text, "effective_to")
    assert "before effective_from" in reason


def test_r2_1_operator_cannot_replace_a_shipped_version(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("OP-TEST-ITEM", "PENALTY-TAX").replace("2026-04-01", "2021-01-01")
    _, line, reason = _one_problem(tmp_path, "replace.yaml", text)
    assert line == 4
    assert "a shipped version cannot be replaced" in reason
    assert "penalties.yaml" in reason


def test_r2_1_operator_version_must_be_later_than_shipped(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("OP-TEST-ITEM", "PENALTY-TAX").replace("2026-04-01", "2020-06-01")
    _, _, reason = _one_problem(tmp_path, "early.yaml", text)
    assert "must take effect after the latest shipped version (2021-01-01)" in reason


def test_r2_1_operator_may_add_a_later_version_of_a_shipped_item(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("OP-TEST-ITEM", "CONTRACT-BREACH").replace("2026-04-01", "2027-01-01")
    write(tmp_path, "v2.yaml", text)
    catalog = load_catalog(tmp_path)
    assert [v.effective_from for v in catalog.versions("CONTRACT-BREACH")] == [
        dt.date(2021, 1, 1),
        dt.date(2027, 1, 1),
    ]
    assert catalog.item("CONTRACT-BREACH", dt.date(2026, 12, 31)).origin == "shipped"
    assert catalog.item("CONTRACT-BREACH", dt.date(2027, 1, 1)).origin == "operator"


def test_r2_1_operator_cannot_redefine_a_display_rule_or_regime(tmp_path: Path) -> None:
    write(
        tmp_path,
        "rules.yaml",
        """\
        kind: display_rules
        rules:
          - name: bad_record_5y
            kind: not_displayed
            description: {zh: 改写, en: Rewritten}
            source: none
        """,
    )
    write(
        tmp_path,
        "regime.yaml",
        """\
        kind: penalty_regime
        code: local-2026
        title: {zh: 地方规则, en: Local rules}
        source: 地方规定
        effective_from: 2026-04-01
        tiers:
          any: {max_months: 6}
        """,
    )
    problems = problems_of(tmp_path)
    assert [(Path(p.file).name, p.line) for p in problems] == [
        ("regime.yaml", 1),
        ("rules.yaml", 3),
    ]
    assert "the same day as 'ndrc-order-36'" in problems[0].reason
    assert "display rule 'bad_record_5y' is already defined" in problems[1].reason


def test_r4_2_operator_may_add_a_later_regime(tmp_path: Path) -> None:
    write(
        tmp_path,
        "regime.yaml",
        """\
        kind: penalty_regime
        code: future-order
        title: {zh: 将来的规则, en: A future rule set}
        source: 假设的规章
        effective_from: 2030-01-01
        tiers:
          minor: {max_months: 1, publicised: false}
          general: {min_months: 1, max_months: 6}
          serious: {min_months: 6, max_months: 24}
        """,
    )
    catalog = load_catalog(tmp_path)
    assert [r.code for r in catalog.regimes][-1] == "future-order"


def test_r4_2_regime_tiers_must_be_complete(tmp_path: Path) -> None:
    text = """\
    kind: penalty_regime
    code: partial
    title: {zh: 不全, en: Partial}
    source: 假设
    effective_from: 2031-01-01
    tiers:
      minor: {max_months: 1}
      general: {min_months: 12, max_months: 6}
    """
    write(tmp_path, "regime.yaml", text)
    problems = problems_of(tmp_path)
    assert problems[0].line == 6
    assert "give either one tier 'any' or all of: minor, general, serious" in problems[0].reason


def test_r2_1_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", VALID_ITEM.replace("domain: education", "domain: sports"))
    write(tmp_path, "b.yaml", "- not a mapping\n")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    error = info.value
    assert [Path(p.file).name for p in error.problems] == ["a.yaml", "b.yaml"]
    assert isinstance(error, ConfigError)
    assert str(error).endswith("(and 1 more)")
    assert (error.file, error.line) == (str(tmp_path / "a.yaml"), line_no(VALID_ITEM, "domain:"))


def test_r2_1_missing_operator_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_catalog(tmp_path / "nowhere")
    assert info.value.field == "CHENGXIN_CATALOG_DIR"


def test_r2_1_hidden_and_other_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, ".hidden/bad.yaml", "- broken\n")
    write(tmp_path, "README.md", "not yaml: [\n")
    write(tmp_path, "sub/ok.yml", VALID_ITEM)
    assert "OP-TEST-ITEM" in load_catalog(tmp_path).codes()


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("kind: catalog_items\nitems: [a\n", 3, "invalid YAML"),
        ("kind: catalog_items\na: &x 1\nb: *x\n", 2, "anchors (&x) are not allowed"),
        ("kind: catalog_items\nkind: display_rules\n", 2, "duplicate key 'kind'"),
    ],
)
def test_r2_1_pure_python_yaml_reader_reports_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, line: int, reason: str
) -> None:
    monkeypatch.setattr(yamlsource, "_LOADER", yaml.SafeLoader)
    write(tmp_path, "x.yaml", text)
    problems = problems_of(tmp_path)
    assert problems[0].line == line
    assert reason in problems[0].reason


def test_r2_1_deep_nesting_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "deep.yaml", "kind: catalog_items\nx: " + "[" * 40 + "]" * 40 + "\n")
    problems = problems_of(tmp_path)
    assert "nested deeper than" in problems[0].reason


def test_r4_2_operator_may_add_an_older_regime_for_older_decisions(tmp_path: Path) -> None:
    write(
        tmp_path,
        "old.yaml",
        """\
        kind: penalty_regime
        code: older-rules
        title: {zh: 旧规则, en: Older rules}
        source: 假设的旧规定
        effective_from: 2019-07-01
        judges_earlier_decisions: true
        tiers:
          any: {min_months: 3, max_months: 12}
        """,
    )
    catalog = load_catalog(tmp_path)
    assert [r.code for r in catalog.regimes] == ["older-rules", "ndrc-order-58", "ndrc-order-36"]
