"""Credit commitments over the API (R-7.2): recorded with their terms and deadline as a
COMMITMENT-MADE record of the platform; kept, cancelled or broken; a commitment unfulfilled at
its deadline becomes a COMMITMENT-BREACH record through the collection path (R-2.2), the made
record corrected as a new version (R-2.3), the person told and able to object (R-4.1)."""

from __future__ import annotations

import datetime as dt

from chengxin.jobs.runner import JOBS
from tests.commitments.conftest import (
    BODY,
    add_department,
    counts,
    make,
    my_records,
    notices,
    set_day,
)
from tests.platform import ALICE, Platform

DEADLINE = dt.date(2026, 12, 10)


def test_r7_2_round_trip_a_missed_deadline_becomes_a_bad_record(node: Platform) -> None:
    made = make(node)
    assert (made["state"], made["deadline"], made["overdue"]) == ("pending", "2026-12-10", False)
    assert made["matter"] == BODY["matter"]
    assert made["terms"] == BODY["terms"]
    assert ALICE not in str(made)
    assert "张一" not in str(made)
    [record] = my_records(node, "COMMITMENT-MADE")
    assert record["source"] == "PLATFORM"
    assert record["record_id"] == made["record_id"]
    assert record["content"]["fulfilment"] == "pending"
    assert record["content"]["fulfil_by"] == "2026-12-10"
    assert record["content"]["accepting_body"] == "DEPT-M 名称"
    assert record["content"]["commitment_type"] == "documents_to_follow"
    [told] = notices(node, "commitment.recorded")
    assert "2026-12-10" in told["body_zh"]
    assert BODY["matter"] in told["body_zh"]

    set_day(node, DEADLINE, hour=23)  # the last day is still in time
    assert "breached 0 " in JOBS["commitments"](node.rt)
    set_day(node, DEADLINE + dt.timedelta(days=1), hour=1)
    assert "breached 1 " in JOBS["commitments"](node.rt)

    after = node.call("GET", f"/api/v1/commitments/{made['id']}", "DEPT-M").json()
    assert (after["state"], after["closed_on"]) == ("breached", "2026-12-11")
    assert after["breach_record_id"] is not None
    [breach] = my_records(node, "COMMITMENT-BREACH")
    assert (breach["source"], breach["category"]) == ("PLATFORM", "bad")
    assert breach["record_id"] == after["breach_record_id"]
    assert breach["decision_date"] == "2026-12-11"
    assert breach["document_number"] == BODY["document_number"]
    assert breach["content"]["authority"] == "DEPT-M 名称"
    assert breach["content"]["commitment_matter"] == BODY["matter"]
    assert breach["content"]["commitment_date"] == "2026-11-20"
    assert "2026-12-10" in breach["content"]["summary"]
    assert BODY["matter"] in breach["content"]["summary"]
    [corrected] = my_records(node, "COMMITMENT-MADE")
    assert (corrected["content"]["fulfilment"], corrected["version"]) == ("breached", 2)
    [told] = notices(node, "commitment.breached")
    assert "异议" in told["body_zh"]
    assert "object" in told["body_en"]

    before = counts(node)
    assert "breached 0 " in JOBS["commitments"](node.rt)  # a second run doubles nothing
    assert counts(node) == before


def test_r7_2_kept_before_the_deadline_makes_no_bad_record(node: Platform) -> None:
    made = make(node)
    kept = node.call("POST", f"/api/v1/commitments/{made['id']}/fulfil", "DEPT-M",
                     json={"fulfilled_on": "2026-11-25"})  # fmt: skip
    assert kept.status_code == 200, kept.text
    assert (kept.json()["state"], kept.json()["closed_on"]) == ("fulfilled", "2026-11-25")
    [record] = my_records(node, "COMMITMENT-MADE")
    assert (record["content"]["fulfilment"], record["version"]) == ("fulfilled", 2)
    assert notices(node, "commitment.fulfilled")
    set_day(node, DEADLINE + dt.timedelta(days=30))
    assert "breached 0 " in JOBS["commitments"](node.rt)
    assert my_records(node, "COMMITMENT-BREACH") == []
    again = node.call("POST", f"/api/v1/commitments/{made['id']}/fulfil", "DEPT-M", json={})
    assert (again.status_code, again.json()["rule"]) == (409, "commitment-transition")


def test_r7_2_cancel_revokes_the_record(node: Platform) -> None:
    made = make(node)
    cancelled = node.call("POST", f"/api/v1/commitments/{made['id']}/cancel", "DEPT-M",
                          json={"reason": "申请人撤回许可申请"})  # fmt: skip
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["state"], cancelled.json()["reason"]) == (
        "cancelled", "申请人撤回许可申请")  # fmt: skip
    assert my_records(node, "COMMITMENT-MADE") == []  # revoked: shown nowhere, history kept
    history = node.call("GET", f"/api/v1/staff/commitments/{made['id']}", "the.auditor").json()
    assert history["state"] == "cancelled"
    assert history["reason"] is None
    assert notices(node, "commitment.cancelled")
    set_day(node, DEADLINE + dt.timedelta(days=1))
    assert "breached 0 " in JOBS["commitments"](node.rt)


def test_r7_2_the_department_reports_a_breach_before_the_deadline(node: Platform) -> None:
    made = make(node, kind="hiring", document_number="入职承诺〔2026〕3号",
                matter="入职时承诺所持执业资格证书真实有效")  # fmt: skip
    reported = node.call("POST", f"/api/v1/commitments/{made['id']}/breach", "DEPT-M",
                         json={"summary": "经核查，所提交的执业资格证书系伪造"})  # fmt: skip
    assert reported.status_code == 200, reported.text
    assert reported.json()["state"] == "breached"
    [breach] = my_records(node, "COMMITMENT-BREACH")
    assert breach["decision_date"] == "2026-11-26"
    assert breach["content"]["summary"].endswith("经核查，所提交的执业资格证书系伪造")
    [made_record] = my_records(node, "COMMITMENT-MADE")
    assert made_record["content"]["commitment_type"] == "hiring"
    assert made_record["content"]["fulfilment"] == "breached"
    assert notices(node, "commitment.breached")
    set_day(node, DEADLINE + dt.timedelta(days=1))
    before = counts(node)
    assert "breached 0 " in JOBS["commitments"](node.rt)
    assert counts(node) == before


def test_r7_2_a_department_sees_and_acts_on_its_own_only(node: Platform) -> None:
    add_department(node)
    made = make(node)
    theirs = make(node, "DEPT-N", document_number="DEPT-N-1")
    before = counts(node)
    for method, path, body in (
        ("GET", "", None),
        ("POST", "/fulfil", {}),
        ("POST", "/cancel", {"reason": "撤回"}),
        ("POST", "/breach", {"summary": "经核查未履行承诺"}),
    ):
        answer = node.call(method, f"/api/v1/commitments/{made['id']}{path}", "DEPT-N", json=body)
        assert (answer.status_code, answer.json()["field"]) == (404, "commitment_id")
    assert counts(node) == before
    listed = node.call("GET", "/api/v1/commitments", "DEPT-N").json()
    assert [c["id"] for c in listed] == [theirs["id"]]
    clerk = node.call("GET", "/api/v1/commitments?state=pending", "dept.clerk").json()
    assert [c["id"] for c in clerk] == [made["id"]]  # DEPT-M's staff account, as its key
    staff = node.call("GET", "/api/v1/staff/commitments", "the.reviewer").json()
    assert {c["id"] for c in staff} == {made["id"], theirs["id"]}
    assert all(c["matter"] is None and c["terms"] is None for c in staff)
    mine = node.call("GET", "/api/v1/me/commitments", "alice").json()
    assert {c["id"] for c in mine} == {made["id"], theirs["id"]}
    assert node.call("GET", "/api/v1/commitments", "BANK-A").status_code == 403
    assert node.call("GET", "/api/v1/staff/commitments", "DEPT-M").status_code == 403
