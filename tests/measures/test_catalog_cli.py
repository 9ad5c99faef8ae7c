"""`chengxin measures list | show | validate` (R-6.2, R-6.3): the published measures on the
command line, and an operator's folder checked before it is put in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chengxin.catalog.loader import load_catalog
from chengxin.lists.types import shipped_types
from chengxin.measures.loader import load_measures
from tests.measures.test_catalog_loader import LOCAL, dump
from tests.support import fresh_cli_node, run

SHIPPED = len(load_measures(load_catalog(), shipped_types()).codes())  # all in force today


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    monkeypatch.delenv("CHENGXIN_MEASURES_DIR", raising=False)
    return fresh_cli_node(tmp_path, monkeypatch, capsys)


@pytest.mark.usefixtures("cli")
def test_r6_3_list_shows_the_measures_in_force(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "measures", "list")
    assert code == 0
    assert "COURT-VEHICLES" in out
    assert "限制购买非经营必需车辆" in out
    assert out.rstrip().splitlines()[-1].startswith(f"{SHIPPED} measures in force on ")

    code, out, _ = run(capsys, "measures", "list", "--on", "2016-01-01", "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["on"] == "2016-01-01"
    assert {m["code"][:6] for m in answer["measures"]} == {"COURT-"}  # only 法释〔2015〕17号 yet
    assert answer["count"] == 9

    code, out, _ = run(capsys, "measures", "list", "--kind", "reward", "--scenario",
                       "administrative_licensing")  # fmt: skip
    assert code == 0
    assert "LICENSING-GREEN-CHANNEL" in out
    assert "COURT-" not in out


@pytest.mark.usefixtures("cli")
def test_r6_3_show_prints_every_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "measures", "show", "LICENSING-DOCUMENTS-TO-FOLLOW")
    assert code == 0
    assert "1 version(s), in force today" in out
    assert "no bad record for 3 years or any red list, unless" in out
    assert "六（一）" in out

    code, out, _ = run(capsys, "measures", "show", "PROCUREMENT-EXCLUSION", "--json")
    answer = json.loads(out)
    assert answer["in_force"]["effective_from"] == "2016-08-01"
    assert answer["in_force"]["citation_note"].startswith("待核")
    assert len(answer["versions"]) == 1

    code, _, err = run(capsys, "measures", "show", "NO-SUCH-MEASURE")
    assert code == 2
    assert err.startswith("error: NO-SUCH-MEASURE: no measure has this code")


def test_r6_3_validate_checks_an_operator_folder(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = cli / "good"
    good.mkdir()
    (good / "local.yaml").write_text(dump(LOCAL), encoding="utf-8")
    code, out, _ = run(capsys, "measures", "validate", str(good))
    assert code == 0
    assert out.startswith(f"OK: {SHIPPED + 1} measures ({SHIPPED + 1} versions, ")

    bad = cli / "bad"
    bad.mkdir()
    (bad / "a.yaml").write_text(dump(LOCAL | {"effect": "banish"}), encoding="utf-8")
    (bad / "b.yaml").write_text("kind: measures\nedition: [\n", encoding="utf-8")
    code, out, err = run(capsys, "measures", "validate", str(bad))
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith(f"{bad}/a.yaml:")
    assert "measures[0](LOCAL-HOUSING-SUBSIDY).effect: Input should be" in lines[0]
    assert lines[1].startswith(f"{bad}/b.yaml:")
    assert lines[-1] == "error: 2 problem(s) in the measure files"


def test_a_broken_measures_folder_stops_list_with_every_problem(
    cli: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = cli / "ops"
    folder.mkdir()
    (folder / "a.yaml").write_text(dump(LOCAL | {"kind": "reward"}), encoding="utf-8")
    monkeypatch.setenv("CHENGXIN_MEASURES_DIR", str(folder))
    code, out, err = run(capsys, "measures", "list")
    assert code == 2
    assert out == ""
    assert "effect restrict does not fit a reward measure" in err
    assert err.splitlines()[-1] == "error: 1 problem(s) in the measure files"
