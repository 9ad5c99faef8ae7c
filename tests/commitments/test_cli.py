"""`chengxin commitments list|show` and `chengxin jobs run commitments` (R-7.2): states, dates
and ids only — no name, number or sealed text is printed; a bad id exits 2 naming the field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from chengxin.cli_support import runtime
from chengxin.clock import china_today
from chengxin.commitments import service
from chengxin.commitments.rules import CommitmentKind
from chengxin.commitments.submit import CommitmentContext
from chengxin.jobs.runner import PERIODIC
from chengxin.requesters import service as requesters
from chengxin.requesters.models import RequesterKind
from tests.commitments.conftest import BODY
from tests.support import fresh_cli_node, run


def _commitment() -> str:
    rt = runtime()
    now = rt.clock()
    today = china_today(now)
    ctx = CommitmentContext(rt.keys, rt.catalog, rt.settings.region_code)
    try:
        with rt.sessions() as session, session.begin():
            dept = requesters.add_requester(session, now, code="DEPT-M", name="某区人社局",
                                            kind=RequesterKind.GOVERNMENT_DEPARTMENT,
                                            region_code="110000", actor="test")  # fmt: skip
            made = service.make_commitment(
                session, ctx, now, requester_id=dept.id, id_number=BODY["id_number"],
                name=BODY["name"], kind=CommitmentKind.HIRING, document_number="入职承诺-1",
                matter=BODY["matter"], terms=BODY["terms"], made_on=today,
                deadline=today + dt.timedelta(days=30), actor="test",
            )  # fmt: skip
            return str(made.id)
    finally:
        rt.close()


def test_r7_2_the_cli_lists_and_shows_commitments_and_runs_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    assert "commitments" in PERIODIC
    assert run(capsys, "commitments", "list") == (0, "", "")
    code, out, _ = run(capsys, "jobs", "run", "commitments")
    assert (code, out.startswith("commitments: breached 0 ")) == (0, True)
    made = _commitment()
    code, out, _ = run(capsys, "commitments", "list", "--state", "pending")
    assert code == 0
    assert made in out
    assert "hiring" in out
    code, out, _ = run(capsys, "commitments", "list", "--overdue", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run(capsys, "commitments", "show", made, "--json")
    shown = json.loads(out)
    assert (code, shown["state"], shown["department"]) == (0, "pending", "DEPT-M")
    assert shown["matter"] is None
    code, out, _ = run(capsys, "commitments", "show", made)
    assert code == 0
    for secret in (BODY["id_number"], BODY["name"], BODY["matter"], BODY["terms"]):
        assert secret not in out
    code, _, err = run(capsys, "commitments", "show", "nope")
    assert (code, err.strip()) == (2, "error: id: is not a UUID")
    code, _, err = run(capsys, "commitments", "list", "--state", "lost")
    assert code == 2
    assert "--state" in err
