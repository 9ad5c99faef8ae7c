"""The listing flow over the API with its roles (R-6.3, R-3.1): a source proposes, the person
sees the notice and answers, the operator confirms and removes, the reviewer reads; a bank is
refused. Staff and sources see no personal data; the CLI prints subject ids only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.platform import ALICE, Platform
from tests.support import fresh_cli_node, run

PROPOSAL = {
    "list_type": "KEY-TAX-DISHONESTY", "id_number": ALICE, "decision_date": "2026-11-20",
    "document_number": "京税告〔2026〕77号", "reasons": "连续两年未依法申报个人所得税，经处罚后仍未改正",
}  # fmt: skip


def test_r6_3_the_listing_flow_over_the_api_with_roles(node: Platform) -> None:
    assert node.call("POST", "/api/v1/listings", "BANK-A", json=PROPOSAL).status_code == 403
    assert node.call("POST", "/api/v1/listings", "the.operator", json=PROPOSAL).status_code == 403
    proposed = node.call("POST", "/api/v1/listings", "TAX-BJ", json=PROPOSAL)
    assert proposed.status_code == 201, proposed.text
    entry = proposed.json()["entry"]
    assert proposed.json()["reaches"] == []
    assert (entry["state"], entry["answer_deadline"]) == ("noticed", "2026-12-10")  # 10 workdays
    assert entry["reasons"] is None  # only the person sees the reasons
    assert ALICE not in proposed.text
    entry_id = entry["id"]

    mine = node.call("GET", "/api/v1/me/listings", "alice").json()
    assert [(m["id"], m["answer_window_open"]) for m in mine] == [(entry_id, True)]
    assert mine[0]["reasons"] == PROPOSAL["reasons"]
    assert mine[0]["legal_basis"] == ["《国务院办公厅关于加强个人诚信体系建设的指导意见》"
                                      "（国办发〔2016〕98号）六（二）"]  # fmt: skip
    early = node.call("POST", f"/api/v1/staff/listings/{entry_id}/confirm", "the.operator",
                      json={})  # fmt: skip
    assert (early.status_code, early.json()["rule"]) == (409, "answer-window-open")
    answered = node.call("POST", f"/api/v1/me/listings/{entry_id}/answer", "alice",
                         json={"statement": "已补缴全部税款及滞纳金，请求不予列入"})  # fmt: skip
    assert answered.status_code == 200, answered.text
    assert answered.json()["steps"][-1]["reason"] == "已补缴全部税款及滞纳金，请求不予列入"
    assert node.call("POST", f"/api/v1/staff/listings/{entry_id}/confirm", "the.reviewer",
                     json={}).status_code == 403  # fmt: skip
    confirmed = node.call("POST", f"/api/v1/staff/listings/{entry_id}/confirm", "the.operator",
                          json={"document_number": "京税决〔2026〕77号"})  # fmt: skip
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["state"], confirmed.json()["term_end"]) == ("listed", "2028-11-26")

    listed = node.call("GET", "/api/v1/listings?type=KEY-TAX-DISHONESTY&state=listed",
                       "the.reviewer")  # fmt: skip
    assert [e["id"] for e in listed.json()] == [entry_id]
    assert "张一" not in listed.text
    assert ALICE not in listed.text
    assert all(s["reason"] is None for s in listed.json()[0]["steps"])
    one = node.call("GET", f"/api/v1/listings/{entry_id}", "the.auditor").json()
    assert [s["event"] for s in one["steps"]] == ["propose", "notice", "answer", "confirm"]
    for who in ("BANK-A", "alice", "TAX-BJ"):
        assert node.call("GET", "/api/v1/listings", who).status_code == 403
    assert node.call("GET", "/api/v1/source/listings", "TAX-BJ").json()[0]["id"] == entry_id

    removed = node.call("POST", f"/api/v1/staff/listings/{entry_id}/remove", "the.operator",
                        json={"why": "decision", "reason": "行政复议撤销",
                              "document_number": "京复决〔2026〕9号"})  # fmt: skip
    assert removed.status_code == 200, removed.text
    assert (removed.json()["state"], removed.json()["removal_reason"]) == ("removed", "decision")
    inbox = node.call("GET", "/api/v1/me/notifications", "alice").json()
    assert {"listing.noticed", "listing.answered", "listing.listed", "listing.removed"} <= {
        n["topic"] for n in inbox}  # fmt: skip
    unknown = node.call("POST", "/api/v1/listings", "TAX-BJ",
                        json={**PROPOSAL, "id_number": None, "uscc": "91110000802100433B"})  # fmt: skip
    assert (unknown.status_code, unknown.json()["field"]) == (404, "uscc")
    both = node.call("POST", "/api/v1/listings", "TAX-BJ", json={**PROPOSAL, "uscc": "x"})
    assert (both.status_code, both.json()["rule"]) == (422, "one-subject")
    types = node.call("GET", "/api/v1/list-types")  # the rules are public
    assert "WAGE-ARREARS" in {t["code"] for t in types.json()}


def test_r6_3_cli_prints_types_and_members_as_subject_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    code, out, _ = run(capsys, "lists", "types")
    assert code == 0
    assert "WAGE-ARREARS" in out
    assert "拖欠农民工工资失信联合惩戒对象名单" in out
    code, out, _ = run(capsys, "lists", "members", "WAGE-ARREARS", "--json")
    assert code == 0
    assert json.loads(out)["subject_ids"] == []
    code, _, err = run(capsys, "lists", "members", "NO-SUCH-LIST")
    assert code == 2
    assert "list_type" in err
