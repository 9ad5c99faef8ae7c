"""Feedback closes the loop (R-6.4): the department reports what it did with each measure a
check returned; only those measures, each once, a reason for skipping or overriding; figures per
measure and department for the department and for supervision (R-7.3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from chengxin.access.models import KeyOwner
from chengxin.access.service import create_api_key
from chengxin.measures.models import CheckFeedback
from chengxin.requesters import service as requesters
from chengxin.requesters.models import RequesterKind
from tests.measures.world import DAN, check, list_subject, register
from tests.platform import Platform


def other_department(node: Platform) -> str:
    with node.rt.sessions() as session, session.begin():
        row = requesters.add_requester(
            session, node.clock(), code="DEPT-N", name="另一部门", region_code="110000",
            kind=RequesterKind.GOVERNMENT_DEPARTMENT, actor="test",
        )  # fmt: skip
        node.tokens["DEPT-N"] = create_api_key(
            session, node.clock(), owner_kind=KeyOwner.REQUESTER, owner_id=row.id, label="t",
            actor="t",
        )[1]  # fmt: skip
    return "DEPT-N"


def feedback(
    node: Platform, check_id: str, items: list[dict[str, Any]], who: str = "DEPT-M"
) -> Any:
    return node.call("POST", f"/api/v1/checks/{check_id}/feedback", who, json={"measures": items})


def rows(node: Platform) -> int:
    with node.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(CheckFeedback)) or 0


def test_r6_4_the_feedback_round_trip_and_the_figures(node: Platform) -> None:
    list_subject(node, register(node, DAN, "丁八"), "DISHONEST-JUDGMENT-DEBTOR")
    answer = check(node, DAN, "air_rail_travel").json()
    first, second, *rest = [m["code"] for m in answer["measures"]]
    given = feedback(node, answer["check_id"], [
        {"code": first, "outcome": "applied", "document_number": "民航限〔2026〕3号"},
        {"code": second, "outcome": "skipped", "reason": "申请人未购买该类客票"},
    ])  # fmt: skip
    assert given.status_code == 200, given.text
    stored = node.call("GET", f"/api/v1/checks/{answer['check_id']}", "DEPT-M").json()
    assert [m["code"] for m in stored["measures"]] == sorted([first, second, *rest])
    assert {(f["measure"], f["outcome"], f["reason"]) for f in stored["feedback"]} == {
        (first, "applied", None), (second, "skipped", "申请人未购买该类客票")}  # fmt: skip
    listed = node.call("GET", "/api/v1/checks", "DEPT-M").json()
    assert [(c["check_id"], c["feedback"]) for c in listed] == [(answer["check_id"], 2)]

    mine = {r["measure"]: r for r in node.call("GET", "/api/v1/checks/statistics", "DEPT-M").json()}
    assert (mine[first]["returned"], mine[first]["applied"], mine[first]["awaiting"]) == (1, 1, 0)
    assert (mine[second]["skipped"], mine[second]["awaiting"]) == (1, 0)
    assert all(mine[code]["awaiting"] == 1 for code in rest)
    staff = node.call("GET", "/api/v1/staff/checks/statistics", "the.auditor").json()
    assert {(r["department"], r["measure"]) for r in staff} == {("DEPT-M", c) for c in mine}
    assert node.call("GET", "/api/v1/staff/checks/statistics?department=NOPE",
                     "the.auditor").json() == []  # fmt: skip

    again = feedback(node, answer["check_id"], [{"code": first, "outcome": "overridden",
                                                  "reason": "改判"}])  # fmt: skip
    assert (again.status_code, again.json()["rule"]) == (409, "already-reported")
    assert rows(node) == 2


def test_r6_4_feedback_names_only_returned_measures_once_and_gives_reasons(
    sqlite_node: Platform,
) -> None:
    node = sqlite_node
    list_subject(node, register(node, DAN, "丁八"), "DISHONEST-JUDGMENT-DEBTOR")
    answer = check(node, DAN, "air_rail_travel").json()
    code = answer["measures"][0]["code"]
    cases = [
        ([{"code": "PROCUREMENT-EXCLUSION", "outcome": "applied"}], "measures[0].code",
         "not-returned"),
        ([{"code": "MADE-UP", "outcome": "applied"}], "measures[0].code", "not-returned"),
        ([{"code": code, "outcome": "applied"}, {"code": code, "outcome": "applied"}],
         "measures[1].code", "duplicate"),
        ([{"code": code, "outcome": "skipped"}], "measures[0].reason", "reason-required"),
        ([{"code": code, "outcome": "overridden", "reason": "   "}], "measures[0].reason",
         "reason-required"),
        ([], "measures", "required"),
    ]  # fmt: skip
    for items, field, rule in cases:
        refused = feedback(node, answer["check_id"], items)
        assert refused.status_code == 422, refused.text
        assert (refused.json()["field"], refused.json()["rule"]) == (field, rule)
    for body in ({"measures": [{"code": code, "outcome": "ignored"}]},
                 {"measures": [{"code": code, "outcome": "applied", "reason": "x" * 501}]},
                 {"measures": [{"code": code, "outcome": "applied"}] * 101},
                 {"measures": [], "extra": 1}):  # fmt: skip
        refused = node.call("POST", f"/api/v1/checks/{answer['check_id']}/feedback", "DEPT-M",
                            json=body)  # fmt: skip
        assert refused.status_code == 422, refused.text
    # All or nothing: one bad item refuses the good one beside it.
    mixed = feedback(node, answer["check_id"], [{"code": code, "outcome": "applied"},
                                                 {"code": "MADE-UP", "outcome": "applied"}])  # fmt: skip
    assert mixed.status_code == 422
    assert rows(node) == 0
    # Another department's check is as unknown as a missing one; other roles may not report.
    stranger = other_department(node)
    for who in (stranger,):
        assert feedback(node, answer["check_id"], [{"code": code, "outcome": "applied"}],
                        who).status_code == 404  # fmt: skip
        assert node.call("GET", f"/api/v1/checks/{answer['check_id']}", who).status_code == 404
    assert node.call("GET", "/api/v1/checks", stranger).json() == []
    for who, status in (("BANK-A", 403), ("alice", 403), (None, 401), ("TAX-BJ", 403)):
        assert feedback(node, answer["check_id"], [{"code": code, "outcome": "applied"}],
                        who).status_code == status  # fmt: skip
    missing = feedback(node, "00000000-0000-4000-8000-000000000000",
                       [{"code": code, "outcome": "applied"}])  # fmt: skip
    assert missing.status_code == 404
    assert rows(node) == 0
