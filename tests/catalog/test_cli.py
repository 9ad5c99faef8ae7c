"""R-2.1: `chengxin catalog list | show | validate` (exit status 2 on refusal)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chengxin.catalog.cli import app
from chengxin.catalog.schema import Catalog
from tests.catalog.support import VALID_ITEM, line_no, write

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHENGXIN_CATALOG_DIR", "CHENGXIN_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_r2_1_list_shows_code_category_domain_and_names() -> None:
    result = runner.invoke(app, ["list", "--on", "2026-04-01"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("LIST-WAGE-ARREARS"))
    assert "serious" in line
    assert "labour_social_security" in line
    assert "拖欠农民工工资失信联合惩戒对象名单信息" in line
    assert "Wage arrears" in line
    assert result.stdout.rstrip().endswith("items in force on 2026-04-01")


def test_r2_1_list_filters_and_prints_json() -> None:
    result = runner.invoke(app, ["list", "--domain", "tax", "--json", "--on", "2026-04-01"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["on"] == "2026-04-01"
    assert {i["code"] for i in body["items"]} == {
        "LIST-TAX-MAJOR-VIOLATION",
        "PENALTY-TAX",
        "QUAL-TAX-ADVISER",
    }
    assert body["count"] == 3


def test_r2_1_list_before_the_catalog_took_effect_is_empty() -> None:
    result = runner.invoke(app, ["list", "--on", "2020-12-31", "--category", "bad"])
    assert result.exit_code == 0
    assert "0 items in force on 2020-12-31" in result.stdout


def test_r2_1_list_refuses_a_bad_option() -> None:
    assert runner.invoke(app, ["list", "--on", "tomorrow"]).exit_code == 2
    assert runner.invoke(app, ["list", "--domain", "sports"]).exit_code == 2


def test_r2_1_show_prints_the_item() -> None:
    result = runner.invoke(app, ["show", "JUDICIAL-DISHONEST-DEBTOR", "--on", "2026-04-01"])
    assert result.exit_code == 0, result.output
    assert "失信被执行人信息 / Dishonest judgment debtor" in result.stdout
    assert "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条" in result.stdout
    assert "display rule list_until_removed" in result.stdout
    assert "judicial_and_lists.yaml" in result.stdout


def test_r2_1_show_json_has_current_and_versions() -> None:
    result = runner.invoke(app, ["show", "STUDENT-EXAM-CHEATING", "--json", "--on", "2026-04-01"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["current"]["min_age_at_conduct"] == 18
    assert body["current"]["display_rule"]["max_months"] == 60
    assert [v["effective_from"] for v in body["versions"]] == ["2021-01-01"]


def test_r2_1_show_unknown_code_exits_2() -> None:
    result = runner.invoke(app, ["show", "NO-SUCH-ITEM"])
    assert result.exit_code == 2
    assert "NO-SUCH-ITEM: no catalog item has this code" in result.stderr


def test_r2_1_validate_good_folder(tmp_path: Path, shipped: Catalog) -> None:
    write(tmp_path, "ok.yaml", VALID_ITEM)
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    items, versions = len(shipped) + 1, len(shipped.all_versions()) + 1
    assert result.stdout.startswith(f"OK: {items} items ({versions} versions, 1 from ")


def test_r2_1_validate_bad_folder_prints_file_line_reason_and_exits_2(tmp_path: Path) -> None:
    text = VALID_ITEM.replace("domain: education", "domain: sports")
    path = write(tmp_path, "bad.yaml", text)
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{path}:{line_no(text, 'domain: sports')}: items[0].domain: unknown value" in (
        result.stderr
    )
    assert "error: 1 problem(s) in the catalog files" in result.stderr


def test_r2_1_validate_missing_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_r2_1_list_uses_the_operator_folder_of_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "ok.yaml", VALID_ITEM)
    monkeypatch.setenv("CHENGXIN_CATALOG_DIR", str(tmp_path))
    result = runner.invoke(app, ["list", "--on", "2026-04-01", "--domain", "education"])
    assert "OP-TEST-ITEM" in result.stdout


def test_r2_1_broken_operator_folder_or_settings_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "bad.yaml", "- nope\n")
    monkeypatch.setenv("CHENGXIN_CATALOG_DIR", str(tmp_path))
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 2
    assert f"{tmp_path / 'bad.yaml'}:1:" in result.stderr
    monkeypatch.delenv("CHENGXIN_CATALOG_DIR")
    monkeypatch.setenv("CHENGXIN_PORT", "not-a-port")
    result = runner.invoke(app, ["show", "PENALTY-TAX"])
    assert result.exit_code == 2
    assert "CHENGXIN_PORT" in result.stderr
