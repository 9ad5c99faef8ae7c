"""The portal's objection, repair and explanation forms and the cases page (R-4.1, R-4.3): filed
from a record on /me with evidence files, the record marked at once, the case followed with its
deadline as a date, decided by staff and withdrawn; bad, hostile and oversized input refused at
its field with nothing written; CSRF and roles enforced."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.access.ratelimit import RateLimiter
from chengxin.disputes.attachments import MAX_BYTES
from chengxin.disputes.models import CaseFile, Objection, RepairCase
from chengxin.records.models import Record
from chengxin.web.i18n import long_date
from tests.collection.conftest import penalty_row
from tests.platform import ALICE, BOB, Platform, platform
from tests.web.sessions import page_as
from tests.web.test_portal import PDF, post_form


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """One node for the module, on SQLite only (the verbs are tested on both databases): each
    test files against records of its own."""
    with platform(tmp_path_factory.mktemp("filing"), "sqlite") as p:
        p.client.app.state.rate_limiter = RateLimiter(10_000)  # type: ignore[attr-defined]
        yield p


def _new_record(node: Platform, name: str, *, decided: str = "2026-05-10") -> uuid.UUID:
    """A new tax penalty of Alice's, with the source's record id `name`."""
    node.ingest([penalty_row(9, number=ALICE, name="张一", record=name, decided=decided)],
                "PENALTY-TAX", f"{name}.csv")  # fmt: skip
    with node.rt.sessions() as session:
        found = session.scalar(select(Record.id).where(Record.source_record_id == name))
    assert found is not None
    return found


def _entry(html: str, record: uuid.UUID) -> str:
    """The part of /me about one record."""
    return html.partition(f'id="record-{record}"')[2].partition('class="entry" id="record-')[0]


def _shown(html: str, case_id: str) -> str:
    """The part of /me/disputes about one case."""
    return html.partition(f'id="case-{case_id}"')[2].partition('class="entry" id="case-')[0]


def _bobs(node: Platform) -> uuid.UUID:
    with node.rt.sessions() as session:
        found = session.scalar(select(Record.id).where(Record.subject_id == node.subject(BOB)))
    assert found is not None
    return found


def _case(node: Platform, record: uuid.UUID) -> dict[str, Any]:
    """Alice's latest case about the record, as the API shows it."""
    cases = node.call("GET", "/api/v1/me/disputes", "alice").json()
    return next(c for c in cases if c["record_id"] == str(record))


def _count(node: Platform, model: Any) -> int:
    with node.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _object(
    node: Platform, record: uuid.UUID, reason: str = "罚款金额与决定书不符", **kw: Any
) -> Any:
    return post_form(node, "/me/objections/new", "alice",
                     {"record_id": str(record), "reason": reason}, **kw)  # fmt: skip


def test_r4_1_an_objection_with_a_file_marks_the_record_and_the_citizen_follows_it(
    node: Platform,
) -> None:
    record = _new_record(node, "R-FLOW")
    me = page_as(node, "/me", "alice").text
    assert f'href="/me/objections/new?record={record}"' in _entry(me, record)
    form = page_as(node, f"/me/objections/new?record={record}", "alice").text
    for needed in ('id="field-reason"', 'id="field-files"', 'name="csrf_token"',
                   f'name="record_id" value="{record}"', "提交异议"):  # fmt: skip
        assert needed in form
    filed = _object(node, record, files=[("files", ("决定书.pdf", PDF, "application/pdf"))])
    assert filed.status_code == 303
    assert filed.headers["location"] == "/me/disputes?done=objection"
    mine = _entry(page_as(node, "/me", "alice").text, record)
    assert "异议处理中" in mine
    assert "/me/objections/new" not in mine  # one open objection a record
    case = _case(node, record)
    html = page_as(node, "/me/disputes?done=objection", "alice").text
    assert "您的异议已提交" in html
    shown = _shown(html, case["id"])
    assert "已提交：平台决定是否受理" in shown
    due = dt.date.fromisoformat(case["deadline"])
    assert long_date(due, "zh") in shown  # a working-day deadline, shown as a date
    assert "决定书.pdf" in shown
    assert "撤回此异议" in shown
    rejected = node.call("POST", f"/api/v1/objections/{case['id']}/reject", "the.reviewer",
                         json={"reason": "所附材料与该记录无关"})  # fmt: skip
    assert rejected.status_code == 200, rejected.text
    html = page_as(node, "/me/disputes", "alice").text
    shown = _shown(html, case["id"])
    assert "不予受理" in shown
    assert "所附材料与该记录无关" in shown
    assert "撤回此异议" not in shown  # a decided case cannot be withdrawn
    en = page_as(node, "/me/disputes?lang=en", "alice").text
    assert "Not accepted" in en
    assert "Objection: Administrative penalty: tax" in en


def test_r4_1_bad_and_hostile_input_is_refused_at_its_fields_and_nothing_is_written(
    node: Platform,
) -> None:
    record = _new_record(node, "R-BAD")
    before = (_count(node, Objection), _count(node, CaseFile))
    refused = _object(node, record, "<script>x</script>"[:4],
                      files=[("files", ("a.pdf", b"MZ\x90 not a pdf", "application/pdf"))])  # fmt: skip
    assert refused.status_code == 422
    html = refused.text
    assert 'href="#field-reason"' in html
    assert 'href="#field-files"' in html
    assert html.count('aria-invalid="true"') == 2
    assert "请写明异议理由，5至2000个字符" in html
    assert "PDF、JPEG 或 PNG 格式" in html
    assert "&lt;scr</textarea>" in html  # what was typed comes back, escaped
    big = _object(node, record, files=[("files", ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * MAX_BYTES,
                                                  "image/png"))])  # fmt: skip
    assert big.status_code == 422
    assert "每个文件不能超过 5 MB" in big.text
    many = _object(node, record, files=[("files", (f"{i}.pdf", PDF, "application/pdf"))
                                        for i in range(6)])  # fmt: skip
    assert many.status_code == 422
    assert "最多上传 5 个文件" in many.text
    too_long = _object(node, record, "长" * 5000)
    assert too_long.status_code == 422  # far past the limit: the error page
    assert "text/html" in too_long.headers["content-type"]
    assert (_count(node, Objection), _count(node, CaseFile)) == before
    assert _object(node, record, "<b>金额</b>有误").status_code == 303
    html = page_as(node, "/me/disputes", "alice").text
    assert "&lt;b&gt;金额&lt;/b&gt;有误" in html
    again = _object(node, record)
    assert again.status_code == 422
    assert "该记录已有处理中的异议" in again.text
    assert 'href="#field-record_id"' in again.text


def test_r3_1_the_forms_need_the_csrf_token_the_citizen_and_her_own_record(node: Platform) -> None:
    record = _new_record(node, "R-CSRF")
    before = _count(node, Objection)
    assert _object(node, record, csrf=False).status_code == 403
    bobs = _bobs(node)
    assert page_as(node, f"/me/objections/new?record={bobs}", "alice").status_code == 404
    assert _object(node, bobs).status_code == 404  # another's record: not confirmed
    staff = post_form(node, "/me/objections/new", "the.reviewer",
                      {"record_id": str(record), "reason": "罚款金额与决定书不符"})  # fmt: skip
    assert staff.status_code == 403
    node.client.cookies.clear()
    public = node.client.post("/me/objections/new", data={"record_id": str(record)},
                              follow_redirects=False)  # fmt: skip
    assert public.status_code == 303
    assert public.headers["location"].startswith("/login")
    assert _count(node, Objection) == before
    assert _object(node, record).status_code == 303
    withdraw = f"/me/objections/{_case(node, record)['id']}/withdraw"
    assert post_form(node, withdraw, "alice", csrf=False).status_code == 403
    done = post_form(node, withdraw, "alice")
    assert done.status_code == 303
    assert "已由您撤回" in page_as(node, done.headers["location"], "alice").text
    assert "异议处理中" not in _entry(page_as(node, "/me", "alice").text, record)
    assert post_form(node, withdraw, "alice").status_code == 409  # once only


def test_r4_3_repair_is_offered_only_where_the_rules_allow_and_refusals_show_at_their_fields(
    node: Platform,
) -> None:
    recent = _new_record(node, "R-RECENT", decided="2026-11-20")
    record = _new_record(node, "R-REPAIR")
    me = page_as(node, "/me", "alice").text
    assert f'href="/me/repairs/new?record={record}"' in _entry(me, record)
    assert "/me/repairs/new" not in _entry(me, recent)  # the shortest period has not passed
    blocked = page_as(node, f"/me/repairs/new?record={recent}", "alice").text
    assert "最短公示期尚未届满" in blocked
    assert 'action="/me/repairs/new"' not in blocked
    form = page_as(node, f"/me/repairs/new?record={record}", "alice").text
    assert 'id="field-evidence"' in form
    assert 'id="field-commitment"' in form
    before = _count(node, RepairCase)
    refused = post_form(node, "/me/repairs/new", "alice",
                        {"record_id": str(record), "statement": "已补缴税款及滞纳金",
                         "commitment": "守法"})  # fmt: skip
    assert refused.status_code == 422
    assert 'href="#field-evidence"' in refused.text
    assert 'href="#field-commitment"' in refused.text
    assert "已补缴税款及滞纳金" in refused.text  # kept
    assert _count(node, RepairCase) == before
    application = {"record_id": str(record), "evidence": ["performed_after"],
                   "statement": "已补缴税款及滞纳金",
                   "commitment": "本人承诺今后依法按期申报纳税，如有违反愿承担相应责任"}  # fmt: skip
    applied = post_form(node, "/me/repairs/new", "alice", application,
                        files=[("files", ("完税证明.pdf", PDF, "application/pdf"))])  # fmt: skip
    assert applied.status_code == 303
    html = page_as(node, applied.headers["location"], "alice").text
    assert "您的信用修复申请已提交" in html
    shown = _shown(html, _case(node, record)["id"])
    assert "已申请：平台正在审核申请" in shown
    assert "已事后履行法定义务" in shown
    assert "撤回此申请" in shown
    assert "/me/repairs/new" not in _entry(page_as(node, "/me", "alice").text, record)
    again = post_form(node, "/me/repairs/new", "alice", application)
    assert again.status_code == 422
    assert "该记录已有处理中的信用修复申请" in again.text


def test_r4_3_an_explanation_is_kept_with_the_record(node: Platform) -> None:
    record = _new_record(node, "R-EXPLAIN")
    path = f"/me/records/{record}/explanation"
    assert 'id="field-text"' in page_as(node, path, "alice").text
    short = post_form(node, path, "alice", {"text": "无"})
    assert short.status_code == 422
    assert "请填写说明，5至2000个字符" in short.text
    saved = post_form(node, path, "alice", {"text": "当日因送医急救超速，已缴清罚款"})
    assert saved.status_code == 303
    me = page_as(node, saved.headers["location"].split("#")[0], "alice").text
    assert "您的说明已保存" in me
    assert "当日因送医急救超速，已缴清罚款" in _entry(me, record)
    assert "修改我的说明" in _entry(me, record)
    assert "当日因送医急救超速" in page_as(node, path + "?lang=en", "alice").text
