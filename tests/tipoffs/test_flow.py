"""Tip-offs over the API (R-6.5): anyone files one, anonymously or with a contact, and follows it
by its tracking number (state and dates only); staff are told in their inbox, read the texts and
evidence, and accept, refer (移交认定单位) and close it, or reject it — each step a ledger entry."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from chengxin.ledger.models import LedgerEntry
from chengxin.tipoffs.rules import ALPHABET, make_tracking
from tests.platform import Platform
from tests.tipoffs.conftest import FORM, JPEG, PDF, filed, only_id

TRACKING = re.compile(r"^JB-[0-9A-HJKMNP-TV-Z]{12}$")


def staff_one(node: Platform, tipoff_id: str, who: str = "the.reviewer") -> dict[str, Any]:
    answer = node.call("GET", f"/api/v1/staff/tipoffs/{tipoff_id}", who)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def step(node: Platform, tipoff_id: str, verb: str, **body: str) -> Any:
    return node.call("POST", f"/api/v1/staff/tipoffs/{tipoff_id}/{verb}", "the.reviewer",
                     json=body)  # fmt: skip


def ledger(node: Platform) -> list[dict[str, Any]]:
    with node.rt.sessions() as session:
        rows = session.scalars(
            select(LedgerEntry.body).where(LedgerEntry.kind == "tipoff").order_by(LedgerEntry.idx)
        )
        return [json.loads(body) for body in rows]


def test_r6_5_anyone_files_anonymously_and_follows_it_by_tracking_number(node: Platform) -> None:
    made = filed(node, ("处罚决定书.pdf", PDF, "application/pdf"), ("现场.jpg", JPEG, "image/jpeg"))
    assert TRACKING.match(made["tracking"])
    assert made["state"] == "received"
    assert [s["state"] for s in made["steps"]] == ["received"]
    assert FORM["subject"] not in json.dumps(made, ensure_ascii=False)

    followed = node.call("GET", f"/api/v1/tipoffs/{made['tracking'].lower()}")
    assert followed.status_code == 200, followed.text
    assert set(followed.json()) == {"state", "filed_at", "updated_at", "steps"}
    assert followed.json()["state"] == "received"
    assert followed.json()["filed_at"] == made["filed_at"]

    tipoff_id = only_id(node)
    seen = staff_one(node, tipoff_id)
    assert (seen["anonymous"], seen["contact"], seen["files"]) == (True, None, 2)
    assert (seen["subject"], seen["text"]) == (FORM["subject"], FORM["text"])
    assert (seen["category"], seen["region_code"]) == ("market_order", "110105")
    assert [(f["name"], f["media_type"], f["size"]) for f in seen["evidence"]] == [
        ("处罚决定书.pdf", "application/pdf", len(PDF)), ("现场.jpg", "image/jpeg", len(JPEG))]  # fmt: skip
    pdf = seen["evidence"][0]["id"]
    got = node.call("GET", f"/api/v1/staff/tipoffs/{tipoff_id}/files/{pdf}", "the.auditor")
    assert (got.status_code, got.content, got.headers["content-type"]) == (
        200, PDF, "application/pdf")  # fmt: skip
    assert got.headers["x-content-type-options"] == "nosniff"
    assert made["tracking"] not in json.dumps(seen)

    # The staff who triage are told; the notice carries neither the texts nor the number.
    for user in ("the.reviewer", "the.operator"):
        inbox = node.call("GET", "/api/v1/staff/notifications", user).json()
        [notice] = [n for n in inbox if n["topic"] == "tipoff.received"]
        assert notice["ref"] == tipoff_id
        assert "市场公平竞争秩序" in notice["title_zh"]
        assert FORM["subject"] not in json.dumps(notice, ensure_ascii=False)
        assert made["tracking"] not in json.dumps(notice)
    [entry] = ledger(node)
    assert (entry["event"], entry["to"], entry["actor"]) == ("file", "received", "public")


def test_r6_5_a_signed_in_person_files_with_a_contact_and_is_not_recorded(node: Platform) -> None:
    answer = node.call("POST", "/api/v1/tipoffs", "alice",
                       data={**FORM, "category": "evading_obligations",
                             "contact": "  13800000000 / tipster@example.com "})  # fmt: skip
    assert answer.status_code == 201, answer.text
    seen = staff_one(node, only_id(node), "the.auditor")
    assert (seen["anonymous"], seen["contact"]) == (False, "13800000000 / tipster@example.com")
    assert [s["actor"] for s in seen["steps"]] == ["public"]
    assert "alice" not in json.dumps(ledger(node))


def test_r6_5_staff_triage_accept_refer_close_and_reject(node: Platform) -> None:
    first = filed(node)
    node.clock.now = node.clock.now.replace(minute=30)
    second = filed(node, category="key_supervision", region_code="310101")
    queue = node.call("GET", "/api/v1/staff/tipoffs", "the.operator").json()
    assert [r["category"] for r in queue] == ["market_order", "key_supervision"]  # oldest first
    one, two = queue[0]["id"], queue[1]["id"]
    assert "subject" not in queue[0]
    for query, expected in (("?category=key_supervision", [two]), ("?region_code=110000", [one]),
                            ("?region_code=310100", [two]), ("?state=accepted", []),
                            ("?region_code=310000&category=market_order", [])):  # fmt: skip
        rows = node.call("GET", f"/api/v1/staff/tipoffs{query}", "the.auditor").json()
        assert [r["id"] for r in rows] == expected, query

    accepted = step(node, one, "accept", reason="线索具体，属于严重失信行为")
    assert (accepted.status_code, accepted.json()["state"]) == (200, "accepted")
    assert step(node, one, "refer", source_code="NO-SUCH", reason="移交").json()["field"] == (
        "source_code")  # fmt: skip
    referred = step(node, one, "refer", source_code="TAX-BJ", reason="涉税，移交税务部门核查")
    assert (referred.json()["state"], referred.json()["referred_to"]) == ("referred", "TAX-BJ")
    closed = step(node, one, "close", reason="税务部门已立案查处")
    assert closed.status_code == 200, closed.text
    done = closed.json()
    assert (done["state"], done["version"], done["decided_at"] is not None) == ("closed", 4, True)
    assert [(s["event"], s["to_state"], s["source"]) for s in done["steps"]] == [
        ("file", "received", None), ("accept", "accepted", None),
        ("refer", "referred", "TAX-BJ"), ("close", "closed", None)]  # fmt: skip
    assert done["steps"][2]["reason"] == "涉税，移交税务部门核查"
    assert {s["actor"] for s in done["steps"][1:]} == {"account:the.reviewer"}

    rejected = step(node, two, "reject", reason="不属于信用领域，请向公安机关报案")
    assert rejected.json()["state"] == "rejected"
    for verb, body, status, rule in (
        ("accept", {"reason": "再次受理"}, 409, "tipoff-transition"),
        ("close", {"reason": "办结"}, 409, "tipoff-transition"),
        ("accept", {"reason": "  "}, 422, "length"),
        ("accept", {}, 422, "missing"),
        ("accept", {"reason": "x" * 2001}, 422, "string_too_long"),
        (
            "refer",
            {"reason": "移交", "source_code": "TAX-BJ", "extra": "1"},
            422,
            "extra_forbidden",
        ),
    ):
        answer = step(node, two, verb, **body)
        assert (answer.status_code, answer.json()["rule"]) == (status, rule), (verb, body)
    gone = step(node, "00000000-0000-4000-8000-000000000000", "accept", reason="受理")
    assert (gone.status_code, gone.json()["field"]) == (404, "tipoff_id")

    # The reporter sees states and dates, never the reasons or to whom it went.
    followed = node.call("GET", f"/api/v1/tipoffs/{first['tracking']}").json()
    assert followed["state"] == "closed"
    assert [s["state"] for s in followed["steps"]] == ["received", "accepted", "referred", "closed"]
    assert "TAX-BJ" not in json.dumps(followed)
    assert "税务" not in json.dumps(followed, ensure_ascii=False)
    assert node.call("GET", f"/api/v1/tipoffs/{second['tracking']}").json()["state"] == "rejected"
    assert node.call("GET", "/api/v1/staff/tipoffs", "the.reviewer").json() == []  # none open
    closed_rows = node.call("GET", "/api/v1/staff/tipoffs?state=closed", "the.reviewer").json()
    assert [r["id"] for r in closed_rows] == [one]
    assert [e["event"] for e in ledger(node)] == ["file", "file", "accept", "refer", "close",
                                                  "reject"]  # fmt: skip


def _similar(tracking: str) -> str:
    """A well-formed number that differs from `tracking` in its first character only."""
    bits = sum(ALPHABET.index(c) << (5 * i) for i, c in enumerate(tracking[3:14]))
    return make_tracking(bits ^ 1)


def _problem(answer: Any) -> tuple[int, dict[str, Any]]:
    body = {k: v for k, v in answer.json().items() if k not in {"instance", "request_id"}}
    return answer.status_code, body


def test_r6_5_a_wrong_tracking_number_tells_nothing_about_similar_ones(node: Platform) -> None:
    real = filed(node)["tracking"]
    stranger = make_tracking(0x0F0F_0F0F_0F0F_0F)
    near = _problem(node.call("GET", f"/api/v1/tipoffs/{_similar(real)}"))
    far = _problem(node.call("GET", f"/api/v1/tipoffs/{stranger}"))
    assert near == far
    assert near[0] == 404
    assert near[1]["field"] == "tracking"
    # A typing error is caught by the check character, whichever number it was meant to be.
    typo_real = _problem(
        node.call("GET", f"/api/v1/tipoffs/{real[:-1]}{'0' if real[-1] != '0' else '1'}")
    )
    assert typo_real[0] == 422
    assert typo_real[1]["rule"] == "tracking-check"
    for raw, rule in (("JB-123", "tracking-format"), ("XX-000000000000", "tracking-prefix"),
                      ("JB-" + "0" * 60, "string_too_long")):  # fmt: skip
        answer = node.call("GET", f"/api/v1/tipoffs/{raw}")
        assert (answer.status_code, answer.json()["rule"]) == (422, rule), raw
