"""Credit reports (R-5.3): content by role through the one door, marks and legend, the PDF's
Chinese text, and verification that catches a tampered report."""

from __future__ import annotations

import copy
import datetime as dt
import io
from typing import Any

import pypdf
import pytest

from tests.platform import ALICE, Platform

# Also on PostgreSQL with the per-person tables hash-partitioned (`chengxin db partition`).
pytestmark = pytest.mark.layouts

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def my_report(node: Platform, fmt: str = "json") -> Any:
    answer = node.call("GET", f"/api/v1/me/report?format={fmt}", "alice")
    assert answer.status_code == 200, answer.text
    return answer


def bank_report(node: Platform, levels: list[str]) -> dict[str, Any]:
    consent = node.grant(node.subject(ALICE), levels=levels)
    answer = node.call("POST", "/api/v1/reports", "BANK-A", json={
        "id_number": ALICE, "purpose": "loan_approval", "consent_id": consent})  # fmt: skip
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def test_r5_3_my_report_holds_everything_of_mine_with_marks_and_who_looked(node: Platform) -> None:
    records = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
    tax = next(r for r in records if r["item"] == "PENALTY-TAX")
    traffic = next(r for r in records if r["item"] == "PENALTY-TRAFFIC")
    node.call("POST", "/api/v1/me/objections", "alice",
              data={"record_id": traffic["record_id"], "reason": "不是我驾驶的车辆"})  # fmt: skip
    applied = node.call("POST", "/api/v1/me/repairs", "alice", data={
        "record_id": tax["record_id"], "evidence": "performed_after",
        "statement": "已补缴全部税款", "commitment": "本人承诺今后依法诚信纳税"})  # fmt: skip
    assert applied.status_code == 201, applied.text
    bank_report(node, ["public"])
    report = my_report(node).json()
    assert report["subject"] == {"found": True, "name": "张一", "id_number": ALICE}
    bad = {r["item"]: r for r in report["bad_records"]}
    assert set(bad) == {"PENALTY-TAX", "PENALTY-TRAFFIC"}
    assert (bad["PENALTY-TRAFFIC"]["under_objection"], bad["PENALTY-TRAFFIC"]["pending_repair"]) \
        == (True, False)  # fmt: skip
    assert (bad["PENALTY-TAX"]["under_objection"], bad["PENALTY-TAX"]["pending_repair"]) == (
        False, True)  # fmt: skip
    assert report["summary"]["under_objection"] == 1
    assert report["summary"]["pending_repair"] == 1
    assert {"under_objection", "pending_repair"} <= set(report["legend"])
    who = [q["who"] for q in report["query_history"]]
    assert who[0] == "citizen"  # this very report is a registered self-query
    assert "BANK-A 名称" in who
    assert report["verification"]["code"].count("-") == 3


def test_r5_3_a_requester_never_sees_items_outside_the_consent(node: Platform) -> None:
    report = bank_report(node, ["public"])
    assert [r["item"] for r in report["bad_records"]] == ["PENALTY-TAX"]
    assert report["subject"]["name"] == "张*"
    assert report["subject"]["id_number"] != ALICE
    assert "query_history" not in report  # the person's own report only
    assert report["audience"] == "BANK-A"
    refused = node.call("POST", "/api/v1/reports", "BANK-B", json={
        "id_number": ALICE, "purpose": "loan_approval"})  # fmt: skip
    assert (refused.status_code, refused.json()["rule"]) == (403, "consent-required")


def test_r5_3_the_pdf_carries_the_chinese_text_of_the_report(sqlite_node: Platform) -> None:
    node = sqlite_node
    answer = my_report(node, "pdf")
    assert answer.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(answer.content))
    text = "".join(page.extract_text() for page in reader.pages)
    squeezed = "".join(text.split())
    code = answer.headers["content-disposition"].split("credit-report-")[1].split(".pdf")[0]
    for expected in ("个人信用报告", "张一", ALICE, "税务行政处罚信息", "交通安全领域行政处罚信息",
                     "失信信息", "标记说明", code, f"/verify/{code}"):  # fmt: skip
        assert "".join(expected.split()) in squeezed, expected


def test_r5_3_html_escapes_what_people_wrote(sqlite_node: Platform) -> None:
    node = sqlite_node
    records = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
    path = f"/api/v1/me/records/{records[0]['record_id']}/explanation"
    node.call("POST", path, "alice", json={"text": "<script>alert(1)</script> 说明"})
    page = my_report(node, "html").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_r5_3_verification_confirms_a_report_and_catches_tampering(node: Platform) -> None:
    report = my_report(node).json()
    code = report["verification"]["code"]
    ok = node.call("POST", "/api/v1/reports/verify", json=report).json()
    assert (ok["valid"], ok["current"], ok["problem"]) == (True, True, None)
    tampered = copy.deepcopy(report)
    tampered["bad_records"][0]["decision_date"] = "2020-01-01"
    bad = node.call("POST", "/api/v1/reports/verify", json=tampered).json()
    assert (bad["valid"], bad["problem"]) == (
        False, "the content differs from the report issued with this code")  # fmt: skip
    forged = copy.deepcopy(report)
    forged["verification"]["signature"] = forged["verification"]["signature"][::-1]
    assert node.call("POST", "/api/v1/reports/verify", json=forged).json()["valid"] is False
    page = node.call("GET", f"/verify/{code}")
    assert page.status_code == 200
    assert "真实有效" in page.text
    assert node.call("GET", "/verify/AAAA-BBBB-CCCC-DDDD").status_code == 404
    # After the person's records change, the report is authentic but no longer current.
    node.clock.now += dt.timedelta(minutes=5)
    records = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
    node.call("POST", "/api/v1/me/objections", "alice",
              data={"record_id": records[0]["record_id"], "reason": "请核查该记录"})  # fmt: skip
    case = node.call("GET", "/api/v1/disputes", "the.reviewer").json()[0]
    node.call("POST", f"/api/v1/objections/{case['id']}/accept", "the.reviewer",
              json={"reason": "受理"})  # fmt: skip
    node.call("POST", f"/api/v1/objections/{case['id']}/answer", "TAX-BJ",
              json={"answer": "revoke", "reason": "错误录入，撤销"})  # fmt: skip
    later = node.call("GET", f"/api/v1/reports/verify/{code}").json()
    assert (later["valid"], later["current"]) == (True, False)
    assert node.call("POST", "/api/v1/reports/verify", json={"no": "code"}).status_code == 422


def test_r5_3_list_memberships_appear_by_who_may_see_them(sqlite_node: Platform) -> None:
    node = sqlite_node
    proposal = {"list_type": "KEY-TAX-DISHONESTY", "id_number": ALICE,
                "decision_date": "2026-11-20", "document_number": "京税告〔2026〕77号",
                "reasons": "连续两年未依法申报个人所得税"}  # fmt: skip
    entry = node.call("POST", "/api/v1/listings", "TAX-BJ", json=proposal).json()["entry"]
    node.call("POST", f"/api/v1/me/listings/{entry['id']}/answer", "alice",
              json={"statement": "已补缴税款，请求不予列入"})  # fmt: skip
    confirmed = node.call("POST", f"/api/v1/staff/listings/{entry['id']}/confirm",
                          "the.operator", json={})  # fmt: skip
    assert confirmed.status_code == 200, confirmed.text
    mine = my_report(node).json()
    assert [(x["list_type"], x["kind"]) for x in mine["lists"]] == [
        ("KEY-TAX-DISHONESTY", "key_supervision")]  # fmt: skip
    assert bank_report(node, ["public"])["lists"] == []  # key supervision: not for a bank


def test_r5_4_the_score_is_in_my_report_only_if_i_opted_in(sqlite_node: Platform) -> None:
    node = sqlite_node
    assert my_report(node).json()["score"] is None
    assert node.call("POST", "/api/v1/me/score/opt-in", "alice").status_code in {200, 201}
    score = my_report(node).json()["score"]
    assert score["total"] == score["base"] + sum(line["final"] for line in score["lines"])
    assert "PENALTY-TAX" in {line["item_code"] for line in score["lines"]}
    assert "score" not in bank_report(node, ["public"])  # never for third parties
    html = my_report(node, "html").text
    assert "诚信积分" in html
