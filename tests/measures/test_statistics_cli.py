"""`chengxin measures statistics` (R-6.4, R-7.3): the figures per measure and department on the
node, after the demo department's checks and feedback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import fresh_cli_node, run


def test_r7_3_statistics_show_what_departments_did_with_the_measures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    code, out, _ = run(capsys, "measures", "statistics")
    assert (code, out.strip()) == (0, "no checks returned a measure in this period")
    assert run(capsys, "demo", "--people", "80")[0] == 0
    code, out, _ = run(capsys, "measures", "statistics", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["department"] for r in rows} == {"DEMO-MARKET"}
    assert sum(r["returned"] for r in rows) == 3  # scrutiny; green channel and 容缺受理
    assert sum(r["applied"] for r in rows) == 2  # one feedback for each of the two checks
    assert all(r["awaiting"] == r["returned"] - r["applied"] for r in rows)
    code, out, _ = run(capsys, "measures", "statistics", "--department", "DEMO-MARKET")
    assert code == 0
    assert "SERIOUS-RECORD-LICENSING-SCRUTINY" in out
    code, _, err = run(capsys, "measures", "statistics", "--since", "2026-13-01")
    assert code == 2
    assert "since" in err
