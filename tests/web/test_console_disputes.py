"""The console's objections (异议) and repairs (信用修复) (R-4.1, R-4.3): open cases by deadline,
overdue first, with filters; a case with its record, reasons, evidence files and steps; the steps
a reviewer takes (accept or reject a filing, enter a reconsideration outcome, forward or refuse a
repair), and what waits for the source. The citizen sees the outcome; bad, forged or unentitled
posts change nothing; no address carries personal information."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from chengxin.access.ratelimit import RateLimiter
from chengxin.disputes import objections
from chengxin.disputes.models import Objection, RepairCase
from chengxin.records.models import Record
from tests.conftest import NOW
from tests.platform import ALICE, BOB, Platform, platform
from tests.web.sessions import page_as, post_form

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LATER = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # the objections' deadline has passed
CASE_LINK = re.compile(r'href="(/console/disputes/(?:objection|repair)/[0-9a-f-]{36})"')


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """SQLite only (the verbs are tested on both databases): alice objects to her tax penalty
    with a file and applies to repair her traffic penalty; bob objects at the counter."""
    with platform(tmp_path_factory.mktemp("console-disputes"), "sqlite") as p:
        p.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]
        records = {r["item"]: r["record_id"] for r in
                   p.call("GET", "/api/v1/me/records", "alice").json()["records"]}  # fmt: skip
        filed = p.call("POST", "/api/v1/me/objections", "alice",
                       data={"record_id": records["PENALTY-TAX"], "reason": "罚款金额有误<b>x</b>"},
                       files=[("files", ("决定书.pdf", io.BytesIO(PDF), "application/pdf"))])  # fmt: skip
        assert filed.status_code == 201, filed.text
        applied = p.call("POST", "/api/v1/me/repairs", "alice", data={
            "record_id": records["PENALTY-TRAFFIC"], "evidence": "performed_after",
            "statement": "已于2026年6月缴清罚款", "commitment": "本人承诺今后遵守交通法规，如有违反愿承担责任"})  # fmt: skip
        assert applied.status_code == 201, applied.text
        bob = p.subject(BOB)
        with p.rt.sessions() as session, session.begin():
            record = session.scalars(select(Record).where(Record.subject_id == bob)).one()
            objections.file_objection(session, p.rt.disputes, p.clock(), subject_id=bob,
                                      record_id=record.id, reason="处罚对象有误", files=[],
                                      actor="test")  # fmt: skip
        yield p


def _queue(node: Platform, query: str = "", who: str = "the.reviewer") -> tuple[int, str]:
    answer = page_as(node, f"/console/disputes?lang=en{query}", who)
    return answer.status_code, answer.text


def _case(node: Platform, kind: str, number: str = ALICE) -> str:
    """The page of the person's case of `kind` (each has one)."""
    model = Objection if kind == "objection" else RepairCase
    with node.rt.sessions() as session:
        case = session.scalars(select(model).where(model.subject_id == node.subject(number))).one()
    return f"/console/disputes/{kind}/{case.id}"


def _my_states(node: Platform) -> dict[str, str]:
    return {c["kind"]: c["state"] for c in node.call("GET", "/api/v1/me/disputes", "alice").json()}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r3_1_cases_serve_reviewers_and_operators_and_refuse_others(
    node: Platform, lang: str
) -> None:
    case = _case(node, "objection")
    for path in ("/console/disputes", case):
        for user in ("the.reviewer", "the.operator"):
            answer = page_as(node, path, user, params={"lang": lang})
            assert answer.status_code == 200, answer.text
            assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in answer.text
            assert '<a href="/console/disputes" aria-current="page">' in answer.text
        for user in ("the.auditor", "alice", "bank.clerk"):
            assert page_as(node, path, user, params={"lang": lang}).status_code == 403
        public = page_as(node, path, None)
        assert unquote(public.headers["location"]) == f"/login?next={path}"


def test_r4_1_open_cases_come_by_deadline_overdue_first_with_filters(node: Platform) -> None:
    status, html = _queue(node)
    assert status == 200
    kinds = [link.split("/")[3] for link in CASE_LINK.findall(html)]
    assert kinds == ["objection", "objection", "repair"]  # due 30 Nov, 30 Nov, 10 Dec
    assert "November 30, 2026" in html
    assert "Overdue" not in html
    assert [k.split("/")[3] for k in CASE_LINK.findall(_queue(node, "&kind=repair")[1])] == [
        "repair"]  # fmt: skip
    assert len(CASE_LINK.findall(_queue(node, "&stage=filed")[1])) == 2
    assert CASE_LINK.findall(_queue(node, "&stage=forwarded")[1]) == []
    kept, node.clock.now = (node.cookies["the.operator"], node.csrf["the.operator"]), LATER
    try:
        node.login("the.operator")  # the session of the 26th has ended by then
        assert _queue(node, who="the.operator")[1].count('class="mark mark-overdue"') == 2
    finally:
        node.clock.now = NOW
        node.cookies["the.operator"], node.csrf["the.operator"] = kept
    bad, refused = _queue(node, "&kind=appeal&stage=closed")
    assert bad == 422
    assert 'id="error-kind"' in refused
    assert 'id="error-stage"' in refused
    assert _queue(node, "&page=2")[0] == 404


def test_r4_1_the_case_shows_record_reasons_files_and_steps_masked(node: Platform) -> None:
    case = _case(node, "objection")
    html = page_as(node, f"{case}?lang=en", "the.reviewer").text
    assert "罚款金额有误&lt;b&gt;x&lt;/b&gt;" in html  # the person's text, escaped
    assert "PENALTY-TAX" in html
    assert '张* · <span class="number">110105********' in html
    assert ALICE not in html
    assert "张一" not in html
    (link,) = re.findall(r'href="([^"]+/files/[0-9a-f-]{36})"', html)
    for user in ("the.reviewer", "the.operator"):
        download = page_as(node, link, user)
        assert download.content == PDF
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["cache-control"] == "no-store"
    elsewhere = _case(node, "repair") + "/files/" + link.rsplit("/", 1)[1]
    assert page_as(node, elsewhere, "the.reviewer").status_code == 404  # another case's file
    reader = page_as(node, f"{case}?lang=en", "the.operator").text
    assert "Your role reads the case only" in reader
    assert "csrf_token" not in reader.split("<main", 1)[1].split("</main>")[0]
    for page in (html, reader, _queue(node)[1]):
        for href in re.findall(r'(?:href|action)="([^"]*)"', page):
            assert not any(s in unquote(href) for s in (ALICE, BOB, "张"))


def test_r4_1_a_reviewer_rejects_the_filing_and_the_citizen_sees_it(node: Platform) -> None:
    case = _case(node, "objection")
    missing = post_form(node, f"{case}?lang=en", "the.reviewer", {"action": "reject", "reason": ""})
    assert missing.status_code == 422
    assert 'id="error-reason"' in missing.text
    assert 'href="#field-reason"' in missing.text
    forged = post_form(node, case, "the.reviewer", {"action": "reject", "reason": "不符合"},
                       csrf=False)  # fmt: skip
    assert forged.status_code == 403
    operator = post_form(node, case, "the.operator", {"action": "reject", "reason": "不符合"})
    assert operator.status_code == 403
    odd = post_form(node, f"{case}?lang=en", "the.reviewer", {"action": "forward", "reason": "x"})
    assert (odd.status_code, 'href="#field-action"' in odd.text) == (422, True)
    assert _my_states(node)["objection"] == "filed"
    done = post_form(node, case, "the.reviewer", {"action": "reject", "reason": "未提供决定书原件"})
    assert (done.status_code, done.headers["location"]) == (303, case)
    assert _my_states(node)["objection"] == "rejected"  # what the citizen sees
    html = page_as(node, f"{case}?lang=en", "the.reviewer").text
    assert "Not accepted" in html
    assert "未提供决定书原件" in html
    stale = post_form(node, f"{case}?lang=en", "the.reviewer", {"action": "accept", "reason": "x"})
    assert stale.status_code == 409
    assert 'href="#field-state"' in stale.text


def test_r4_1_a_reconsideration_outcome_reopens_the_case_for_the_source(node: Platform) -> None:
    case = _case(node, "objection")  # rejected by the test before: no longer in the queue
    form = {"action": "review", "outcome": "reopen", "reason": "复议决定撤销不予受理决定"}
    nodoc = post_form(node, f"{case}?lang=en", "the.reviewer", {**form, "document_number": ""})
    assert nodoc.status_code == 422
    assert 'id="error-document_number"' in nodoc.text
    done = post_form(node, case, "the.reviewer", {**form, "document_number": "京政复〔2026〕8号"})
    assert done.status_code == 303
    html = page_as(node, f"{case}?lang=en", "the.reviewer").text
    assert "Waiting for the unit TAX-BJ" in html
    assert "京政复〔2026〕8号" in html
    assert _my_states(node)["objection"] == "verifying"


def test_r4_3_a_reviewer_forwards_a_repair_and_it_waits_for_the_source(node: Platform) -> None:
    case = _case(node, "repair")
    refuse = post_form(node, f"{case}?lang=en", "the.reviewer", {"action": "reject", "reason": ""})
    assert (refuse.status_code, 'id="error-reason"' in refuse.text) == (422, True)
    done = post_form(node, case, "the.reviewer", {"action": "forward"})
    assert done.status_code == 303
    html = page_as(node, f"{case}?lang=en", "the.reviewer").text
    assert "Waiting for the designating unit TAX-BJ" in html
    assert "POST /api/v1/repairs/{id}/decide" in html
    assert _my_states(node)["repair"] == "forwarded"


def test_r4_1_an_accepted_objection_waits_for_the_source(node: Platform) -> None:
    case = _case(node, "objection", BOB)
    done = post_form(node, case, "the.reviewer", {"action": "accept", "reason": "材料齐全，转核查"})
    assert done.status_code == 303
    html = page_as(node, f"{case}?lang=en", "the.reviewer").text
    assert "With the source for verification" in html
    assert "Waiting for the unit TAX-BJ" in html
    assert "<form" not in html.split('id="field-action"', 1)[1]  # nothing for the staff to do
