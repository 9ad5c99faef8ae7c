"""The published measures over the API (R-6.2, R-6.3): anyone reads the measures in force on a
date, one measure's versions and the scenarios; an operator's folder shows on its dates."""

from __future__ import annotations

from pathlib import Path

from chengxin.measures.types import SCENARIO_NAMES
from tests.measures.test_catalog_loader import LOCAL, dump
from tests.platform import Platform, platform


def test_r6_3_anyone_reads_the_measures_in_force(node: Platform) -> None:
    for who in (None, "alice", "DEPT-M", "the.operator"):
        answer = node.call("GET", "/api/v1/measures", who)
        assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["on"] == "2026-11-26"  # NOW in Beijing
    assert body["count"] == len(body["measures"]) >= 25
    court = next(m for m in body["measures"] if m["code"] == "COURT-VEHICLES")
    assert court["effect"] == "prohibit"
    assert court["legal_basis"][0]["article"] == "第三条第一款第（五）项"
    assert court["target"]["any_of"][1]["records"]["items"] == ["JUDICIAL-CONSUMPTION-RESTRICTION"]

    early = node.call("GET", "/api/v1/measures?on=2016-01-01").json()
    assert (early["on"], early["count"]) == ("2016-01-01", 9)  # only 法释〔2015〕17号 yet


def test_r6_2_filters_by_scenario_and_kind(sqlite_node: Platform) -> None:
    node = sqlite_node
    rewards = node.call("GET", "/api/v1/measures?kind=reward").json()["measures"]
    assert rewards
    assert all(m["kind"] == "reward" for m in rewards)
    licensing = node.call("GET", "/api/v1/measures?scenario=administrative_licensing&kind=reward")
    assert {m["effect"] for m in licensing.json()["measures"]} == {
        "green_channel", "documents_to_follow"}  # fmt: skip
    wrong = node.call("GET", "/api/v1/measures?scenario=everywhere")
    assert wrong.status_code == 422
    assert node.call("GET", "/api/v1/measures?on=2026-02-30").status_code == 422


def test_r6_3_one_measure_and_the_scenarios(sqlite_node: Platform) -> None:
    node = sqlite_node
    one = node.call("GET", "/api/v1/measures/CIVIL-SERVICE-RECRUITMENT-BAR")
    assert one.status_code == 200, one.text
    body = one.json()
    assert body["in_force"]["legal_basis"][0]["article"] == "第二十六条第（四）项"
    assert [v["effective_from"] for v in body["versions"]] == ["2019-06-01"]
    missing = node.call("GET", "/api/v1/measures/NO-SUCH-MEASURE")
    assert (missing.status_code, missing.json()["field"]) == (404, "code")

    scenarios = node.call("GET", "/api/v1/scenarios").json()["scenarios"]
    assert len(scenarios) == len(SCENARIO_NAMES)
    first = scenarios[0]
    assert (first["code"], first["zh"], first["en"]) == (
        "administrative_licensing", "行政许可", "Administrative licensing")  # fmt: skip


def test_r6_3_an_operators_retirement_shows_on_its_date(tmp_path: Path) -> None:
    folder = tmp_path / "measures"
    folder.mkdir()
    with platform(tmp_path / "node", "sqlite") as plain:
        travel = plain.call("GET", "/api/v1/measures/WAGE-ARREARS-TRAVEL").json()["in_force"]
    retired = travel | {"effective_from": "2026-12-01", "retired": True}
    (folder / "local.yaml").write_text(dump(LOCAL, retired), encoding="utf-8")
    with platform(tmp_path / "ops", "sqlite", CHENGXIN_MEASURES_DIR=str(folder)) as node:
        detail = node.call("GET", "/api/v1/measures/WAGE-ARREARS-TRAVEL").json()
        assert [v["retired"] for v in detail["versions"]] == [False, True]
        assert detail["in_force"]["effective_from"] == "2022-01-01"  # until 2026-12-01
        later = node.call("GET", "/api/v1/measures?on=2027-01-01").json()
        codes = {m["code"] for m in later["measures"]}
        assert "WAGE-ARREARS-TRAVEL" not in codes
        assert "LOCAL-HOUSING-SUBSIDY" in codes
