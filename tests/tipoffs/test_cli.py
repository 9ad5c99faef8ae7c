"""`chengxin tipoffs list|show` (R-6.5): the queue and one tip-off's states, dates, files and
steps — never what the reporter wrote, their contact, a reason or the tracking number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chengxin.catalog.vocab import SourceKind
from chengxin.cli_support import runtime
from chengxin.collection import sources
from chengxin.disputes.attachments import check_files
from chengxin.tipoffs import service
from chengxin.tipoffs.rules import TipoffCategory
from tests.support import fresh_cli_node, run
from tests.tipoffs.conftest import FORM, PDF

CONTACT = "13800000000"
REASON = "线索具体，移交税务部门"


def _file_and_refer() -> tuple[str, str]:
    rt = runtime()
    now = rt.clock()
    try:
        with rt.sessions() as session, session.begin():
            sources.add_source(session, now, code="TAX-BJ", name="北京市税务局",
                               region_code="110105", kind=SourceKind.GOVERNMENT_DEPARTMENT,
                               actor="test")  # fmt: skip
            filed = service.file_tipoff(
                session, rt.keys, now, category=TipoffCategory.MARKET_ORDER, region_code="110105",
                subject=FORM["subject"], text=FORM["text"], contact=CONTACT,
                files=check_files([("举报材料.pdf", PDF)]),
            )  # fmt: skip
            tipoff_id = filed.tipoff.id
            service.accept_tipoff(session, rt.keys, now, tipoff_id=tipoff_id, reason=REASON,
                                  actor="cli:test")  # fmt: skip
            service.refer_tipoff(session, rt.keys, now, tipoff_id=tipoff_id, source_code="TAX-BJ",
                                 reason=REASON, actor="cli:test")  # fmt: skip
            return str(tipoff_id), filed.tracking
    finally:
        rt.close()


def test_r6_5_the_cli_lists_and_shows_tipoffs_without_their_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    assert run(capsys, "tipoffs", "list") == (0, "", "")
    tipoff_id, tracking = _file_and_refer()
    code, out, _ = run(capsys, "tipoffs", "list")
    assert code == 0
    assert tipoff_id in out
    assert "referred" in out
    assert "TAX-BJ" in out
    code, out, _ = run(capsys, "tipoffs", "list", "--state", "closed", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run(capsys, "tipoffs", "list", "--region", "310000")
    assert (code, out) == (0, "")
    code, out, _ = run(capsys, "tipoffs", "show", tipoff_id, "--json")
    shown = json.loads(out)
    assert (code, shown["state"], shown["anonymous"], shown["files"]) == (0, "referred", False, 1)
    assert [s["event"] for s in shown["steps"]] == ["file", "accept", "refer"]
    assert shown["evidence"][0]["media_type"] == "application/pdf"
    code, text_out, _ = run(capsys, "tipoffs", "show", tipoff_id)
    assert code == 0
    assert "refer" in text_out
    for printed in (out, text_out):
        for secret in (FORM["subject"], FORM["text"], CONTACT, REASON, tracking, "举报材料"):
            assert secret not in printed
    code, _, err = run(capsys, "tipoffs", "show", "JB-000000000000")
    assert (code, "id" in err) == (2, True)
    code, _, err = run(capsys, "tipoffs", "show", "00000000-0000-4000-8000-000000000000")
    assert (code, "tipoff_id" in err) == (2, True)
