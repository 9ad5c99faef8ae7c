"""The whole objection flow and the whole repair flow over the API (R-4.1, R-4.3, R-4.4): the
person files, the platform accepts, the source answers, the record changes as a new version, the
mark shows in query results, notices arrive, recipients are owed the change."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.records.models import ChangeEvent, RecordShare
from chengxin.records.service import history
from tests.platform import ALICE, Platform, platform

# Also on PostgreSQL with the per-person tables hash-partitioned (`chengxin db partition`).
pytestmark = pytest.mark.layouts

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def alices_records(node: Platform) -> dict[str, dict[str, Any]]:
    answer = node.call("GET", "/api/v1/me/records", "alice")
    assert answer.status_code == 200, answer.text
    return {r["item"]: r for r in answer.json()["records"]}


def bank_sees(node: Platform) -> dict[str, dict[str, Any]]:
    consent = node.grant(node.subject(ALICE), levels=["public", "authorised"])
    answer = node.call("POST", "/api/v1/queries", "BANK-A", json={
        "id_number": ALICE, "purpose": "loan_approval", "consent_id": consent})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return {r["item"]: r for r in answer.json()["records"]}


def file_objection(node: Platform, record_id: str, *files: tuple[str, bytes, str]) -> Any:
    return node.call(
        "POST", "/api/v1/me/objections", "alice",
        data={"record_id": record_id, "reason": "罚款金额有误，应为500元"},
        files=[("files", (name, io.BytesIO(data), kind)) for name, data, kind in files],
    )  # fmt: skip


def inbox_topics(node: Platform) -> list[str]:
    answer = node.call("GET", "/api/v1/me/notifications", "alice")
    assert answer.status_code == 200, answer.text
    return [n["topic"] for n in answer.json()]


def test_r4_1_the_whole_objection_flow_over_the_api(node: Platform) -> None:
    tax = alices_records(node)["PENALTY-TAX"]
    with node.rt.sessions() as session, session.begin():
        session.add(RecordShare(id=uuid.uuid4(), record_id=uuid.UUID(tax["record_id"]),
                                recipient="NODE-310000", shared_at=node.clock()))  # fmt: skip
    filed = file_objection(node, tax["record_id"], ("决定书.pdf", PDF, "application/pdf"),
                           ("receipt.png", PNG, "image/png"))  # fmt: skip
    assert filed.status_code == 201, filed.text
    case = filed.json()
    assert (case["state"], case["deadline_step"]) == ("filed", "accept")
    assert case["deadline"] == "2026-11-30"  # two working days after Thursday 26 November
    assert [f["media_type"] for f in case["files"]] == ["application/pdf", "image/png"]
    # From now on the record shows as under objection wherever it appears (异议处理中).
    assert alices_records(node)["PENALTY-TAX"]["under_objection"] is True
    assert bank_sees(node)["PENALTY-TAX"]["under_objection"] is True
    assert bank_sees(node)["PENALTY-TRAFFIC"]["under_objection"] is False
    again = file_objection(node, tax["record_id"])
    assert (again.status_code, again.json()["rule"]) == (409, "open-objection")

    case_id = case["id"]
    queue = node.call("GET", "/api/v1/disputes", "the.reviewer").json()
    assert [c["id"] for c in queue] == [case_id]
    accepted = node.call("POST", f"/api/v1/objections/{case_id}/accept", "the.reviewer",
                         json={"reason": "材料齐全，转税务部门核查"})  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["state"], accepted.json()["deadline_step"]) == (
        "verifying", "source-answer")  # fmt: skip
    assert accepted.json()["deadline"] == "2026-12-03"  # five working days
    # The source sees it in its queue and answers with the corrected fields.
    mine = node.call("GET", "/api/v1/source/disputes", "TAX-BJ").json()
    assert [c["id"] for c in mine] == [case_id]
    fields = {**tax["content"], "fine_amount": "500"}
    answered = node.call("POST", f"/api/v1/objections/{case_id}/answer", "TAX-BJ", json={
        "answer": "correct", "reason": "经核查金额录入错误，已更正", "fields": fields})  # fmt: skip
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "corrected"
    assert answered.json()["deadline"] is None

    now = alices_records(node)["PENALTY-TAX"]
    assert now["under_objection"] is False
    assert now["version"] == tax["version"] + 1
    assert str(now["content"]["fine_amount"]) in {"500", "500.00"}
    with node.rt.sessions() as session:
        versions = history(session, uuid.UUID(tax["record_id"]))
        assert [v.change for v in versions] == ["created", "objection_corrected"]
        events = session.scalars(select(ChangeEvent)).all()
        assert [(e.recipient, e.change, e.due_on) for e in events] == [
            ("NODE-310000", "objection_corrected", dt.date(2026, 12, 1))]  # fmt: skip
    assert {"objection.filed", "objection.verifying", "objection.corrected"} <= set(
        inbox_topics(node))  # fmt: skip
    steps = [s["event"] for s in answered.json()["steps"]]
    assert steps == ["file", "accept", "correct"]
    quality = node.call("GET", "/api/v1/quality", "TAX-BJ").json()
    [source] = quality["sources"]
    [tax_quality] = [i for i in source["items"] if i["item_code"] == "PENALTY-TAX"]
    assert (tax_quality["after_objections"], tax_quality["corrections"]) == (1, 0)
    # An administrative reconsideration (行政复议) reopens the case.
    reopened = node.call("POST", f"/api/v1/objections/{case_id}/review-outcome", "the.reviewer",
                         json={"answer": "reopen", "reason": "复议决定重新核查",
                               "document_number": "京复决〔2026〕12号"})  # fmt: skip
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["state"] == "verifying"
    assert reopened.json()["steps"][-1]["document_number"] == "京复决〔2026〕12号"


def test_r4_1_who_may_do_what_in_an_objection(node: Platform) -> None:
    tax = alices_records(node)["PENALTY-TAX"]
    case_id = file_objection(node, tax["record_id"]).json()["id"]
    # The source cannot answer before the platform accepted; nobody can skip a step.
    early = node.call("POST", f"/api/v1/objections/{case_id}/answer", "TAX-BJ",
                      json={"answer": "uphold", "reason": "维持"})  # fmt: skip
    assert (early.status_code, early.json()["rule"]) == (409, "objection-transition")
    # A citizen cannot accept their own case; a bank cannot see the queue.
    assert node.call("POST", f"/api/v1/objections/{case_id}/accept", "alice",
                     json={"reason": "x"}).status_code == 403  # fmt: skip
    assert node.call("GET", "/api/v1/disputes", "BANK-A").status_code == 403
    rejected = node.call("POST", f"/api/v1/objections/{case_id}/reject", "the.reviewer",
                         json={"reason": "未提供任何证据"})  # fmt: skip
    assert rejected.json()["state"] == "rejected"
    # Someone else's record: not found, not confirmed.
    stranger = node.call("POST", "/api/v1/me/objections", "alice",
                         data={"record_id": str(uuid.uuid4()), "reason": "不是我的记录"})  # fmt: skip
    assert (stranger.status_code, stranger.json()["field"]) == (404, "record_id")


@pytest.mark.parametrize(
    ("files", "status", "rule"),
    [
        ([("a.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")], 422, "file-type"),
        ([("a.exe", b"\x7fELF....", "image/png")], 422, "file-type"),
        ([("empty.pdf", b"", "application/pdf")], 422, "empty"),
        ([("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf")], 413, "max-bytes"),
        ([(f"{i}.png", PNG, "image/png") for i in range(6)], 422, "max-files"),
    ],
)
def test_r4_1_attachments_of_wrong_type_or_size_are_refused_and_nothing_is_filed(
    tmp_path: Path, files: list[tuple[str, bytes, str]], status: int, rule: str
) -> None:
    with platform(tmp_path, "sqlite") as node:
        tax = alices_records(node)["PENALTY-TAX"]
        answer = file_objection(node, tax["record_id"], *files)
        assert answer.status_code == status, answer.text
        assert answer.json()["rule"] == rule
        assert node.call("GET", "/api/v1/me/disputes", "alice").json() == []
        assert alices_records(node)["PENALTY-TAX"]["under_objection"] is False


def test_r4_3_the_whole_repair_flow_over_the_api(node: Platform) -> None:
    tax = alices_records(node)["PENALTY-TAX"]
    form = {"record_id": tax["record_id"], "evidence": "performed_after,volunteer_service",
            "statement": "已于2026年6月足额补缴税款及滞纳金", "commitment": "本人承诺今后依法诚信纳税，如有违反愿承担相应责任"}  # fmt: skip
    applied = node.call("POST", "/api/v1/me/repairs", "alice", data=form,
                        files=[("files", ("完税证明.pdf", io.BytesIO(PDF), "application/pdf"))])  # fmt: skip
    assert applied.status_code == 201, applied.text
    case = applied.json()
    assert (case["state"], case["rule_set"], case["deadline_step"]) == (
        "applied", "ndrc-order-36", "forward")  # decided 2026-05-10: under Order 36  # fmt: skip
    assert case["deadline"] == "2026-12-10"  # ten working days
    forwarded = node.call("POST", f"/api/v1/repairs/{case['id']}/forward", "the.reviewer")
    assert (forwarded.json()["state"], forwarded.json()["deadline"]) == ("forwarded", "2026-12-01")
    approved = node.call("POST", f"/api/v1/repairs/{case['id']}/decide", "TAX-BJ", json={
        "decision": "approve", "reason": "已纠正失信行为并履行义务，准予修复"})  # fmt: skip
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    # Publicity ends and third parties no longer get it; the person still sees it, repaired.
    assert "PENALTY-TAX" not in bank_sees(node)
    mine = alices_records(node)["PENALTY-TAX"]
    assert (mine["status"], mine["displayed"]) == ("repaired", False)
    assert "repair.approved" in inbox_topics(node)
    again = node.call("POST", "/api/v1/me/repairs", "alice", data=form)
    assert (again.status_code, again.json()["rule"]) == (422, "not-displayed")


def test_r4_3_too_early_or_without_a_commitment_is_refused_naming_the_condition(
    node: Platform,
) -> None:
    tax = alices_records(node)["PENALTY-TAX"]
    form = {"record_id": tax["record_id"], "evidence": "performed_after",
            "statement": "已补缴税款", "commitment": "本人承诺今后依法诚信纳税"}  # fmt: skip
    node.clock.now = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)  # within the 3-month minimum
    early = node.call("POST", "/api/v1/me/repairs", "alice", data=form)
    assert (early.status_code, early.json()["rule"]) == (422, "min-period")
    node.clock.now = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    short = node.call("POST", "/api/v1/me/repairs", "alice", data={**form, "commitment": "承诺"})
    assert (short.status_code, short.json()["field"]) == (422, "commitment")
    unknown = node.call("POST", "/api/v1/me/repairs", "alice", data={**form, "evidence": "luck"})
    assert (unknown.status_code, unknown.json()["field"]) == (422, "evidence")


def test_r4_3_an_explanation_is_shown_with_the_record(node: Platform) -> None:
    traffic = alices_records(node)["PENALTY-TRAFFIC"]
    path = f"/api/v1/me/records/{traffic['record_id']}/explanation"
    assert node.call("POST", path, "alice", json={"text": "当日系送病人就医"}).status_code == 200
    assert bank_sees(node)["PENALTY-TRAFFIC"]["explanation"] == "当日系送病人就医"
    hostile = node.call("POST", path, "alice", json={"text": "x" * 2001})
    assert (hostile.status_code, hostile.json()["field"]) == (422, "text")


def test_r4_3_the_source_sends_the_repair_notice_with_its_decision(node: Platform) -> None:
    """两书同达: the person learns with the decision from when and how to repair."""
    notice = node.call("POST", "/api/v1/source/repair-notices", "TAX-BJ",
                       json={"source_record_id": "R1", "item": "PENALTY-TAX"})  # fmt: skip
    assert notice.status_code == 200, notice.text
    tax = alices_records(node)["PENALTY-TAX"]
    expected = dt.date.fromisoformat(tax["decision_date"])
    assert notice.json()["repairable_from"] > expected.isoformat()
    assert "repair.notice" in inbox_topics(node)
    unknown = node.call("POST", "/api/v1/source/repair-notices", "TAX-BJ",
                        json={"source_record_id": "R999", "item": "PENALTY-TAX"})  # fmt: skip
    assert (unknown.status_code, unknown.json()["field"]) == (404, "source_record_id")
    assert node.call("POST", "/api/v1/source/repair-notices", "BANK-A",
                     json={"source_record_id": "R1", "item": "PENALTY-TAX"}).status_code == 403  # fmt: skip


def test_r4_1_an_authorised_agent_files_at_the_counter(node: Platform) -> None:
    tax = alices_records(node)["PENALTY-TAX"]
    form = {"id_number": ALICE, "record_id": tax["record_id"], "agent": "李律师",
            "reason": "受委托提出异议：金额有误"}  # fmt: skip
    bare = node.call("POST", "/api/v1/objections", "the.reviewer", data=form)
    assert bare.status_code == 422  # the written authorisation is required
    authorisation = [("files", ("授权委托书.pdf", io.BytesIO(PDF), "application/pdf"))]
    filed = node.call("POST", "/api/v1/objections", "the.reviewer", data=form, files=authorisation)
    assert filed.status_code == 201, filed.text
    assert filed.json()["reason"].startswith("代理人 agent 李律师")
    assert alices_records(node)["PENALTY-TAX"]["under_objection"] is True
    assert "objection.filed" in inbox_topics(node)  # the person is told, not only the agent
    assert node.call("POST", "/api/v1/objections", "alice", data=form,
                     files=authorisation).status_code == 403  # fmt: skip
