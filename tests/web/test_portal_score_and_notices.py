"""The portal's integrity score page (R-5.4) — opt in, the score explained by its records, opt
out deleting it — and the inbox's buttons and e-mail address (notices, R-4.1): each only for the
citizen, with the CSRF token, in both languages."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from chengxin.access.ratelimit import RateLimiter
from chengxin.notifications.service import notify
from tests.platform import ALICE, BOB, Platform, platform
from tests.web.sessions import page_as
from tests.web.test_portal import post_form


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """One node for the module, on SQLite only (the verbs are tested on both databases)."""
    with platform(tmp_path_factory.mktemp("score"), "sqlite") as p:
        p.client.app.state.rate_limiter = RateLimiter(10_000)  # type: ignore[attr-defined]
        yield p


def test_r5_4_the_score_is_explained_after_opting_in_and_deleted_on_opting_out(
    node: Platform,
) -> None:
    html = page_as(node, "/me/score", "alice").text
    assert "授权并计算我的诚信分" in html
    assert "每人的起始分为 600 分" in html
    assert "不单独作为实施任何奖惩措施的依据" in html  # informational only (PIPL art. 24)
    assert post_form(node, "/me/score/opt-in", "alice", csrf=False).status_code == 403
    assert post_form(node, "/me/score/opt-in", "the.reviewer").status_code == 403
    assert node.call("GET", "/api/v1/me/score", "alice").status_code == 404
    opted = post_form(node, "/me/score/opt-in", "alice")
    assert opted.status_code == 303
    score = node.call("GET", "/api/v1/me/score", "alice").json()
    html = page_as(node, opted.headers["location"], "alice").text
    assert "您已授权，诚信分已计算" in html
    assert f'<span class="score-total">{score["total"]}</span>' in html
    assert (
        html.count("<td>税务行政处罚信息</td>") + html.count("<td>交通安全领域行政处罚信息</td>")
        == 2
    )
    assert f"起始分 {score['base']} 分，加上计入的分数，合计 {score['total']} 分" in html
    en = page_as(node, "/me/score?lang=en", "alice").text
    assert "Opt out and delete my score" in en
    assert "Administrative penalty: tax" in en
    out = post_form(node, "/me/score/opt-out", "alice")
    assert out.status_code == 303
    assert node.call("GET", "/api/v1/me/score", "alice").json()["opted_in"] is False
    html = page_as(node, out.headers["location"], "alice").text
    assert "您已撤回授权，诚信分已删除" in html
    assert "授权并计算我的诚信分" in html


def _notice(node: Platform, id_number: str, title: str) -> uuid.UUID:
    with node.rt.sessions() as session, session.begin():
        return notify(session, node.rt.keys, node.clock(), subject_id=node.subject(id_number),
                      topic="test.notice", title_zh=title, title_en=f"{title} (en)",
                      body_zh="正文", body_en="Body").id  # fmt: skip


def test_notices_are_marked_read_one_by_one_or_all_at_once(node: Platform) -> None:
    first, _second = _notice(node, ALICE, "第一条通知"), _notice(node, ALICE, "第二条通知")
    html = page_as(node, "/me/notifications", "alice").text
    assert "全部标记为已读" in html
    assert f'action="/me/notifications/{first}/read"' in html
    assert (
        post_form(node, f"/me/notifications/{first}/read", "alice", csrf=False).status_code == 403
    )
    marked = post_form(node, f"/me/notifications/{first}/read", "alice")
    assert marked.status_code == 303
    unread = node.call("GET", "/api/v1/me/notifications?unread=true", "alice").json()
    assert str(first) not in {n["id"] for n in unread}
    assert len(unread) >= 1
    bobs = _notice(node, BOB, "张二的通知")
    assert post_form(node, f"/me/notifications/{bobs}/read", "alice").status_code == 404
    assert "张二的通知" not in page_as(node, "/me/notifications", "alice").text
    everything = post_form(node, "/me/notifications/read-all", "alice")
    assert everything.status_code == 303
    assert node.call("GET", "/api/v1/me/notifications?unread=true", "alice").json() == []
    html = page_as(node, everything.headers["location"], "alice").text
    assert "通知已标记为已读" in html
    assert "未读" not in html
    assert "全部标记为已读" not in html


def test_the_e_mail_address_is_set_refused_at_its_field_and_removed(node: Platform) -> None:
    assert "通知目前仅在此处显示" in page_as(node, "/me/notifications", "alice").text
    for bad in ("zhang@@example.com", "zhang@example.com\r\nBcc: x@example.org", "张@例子.中国"):
        refused = post_form(node, "/me/contact", "alice", {"email": bad})
        assert refused.status_code == 422, bad
        assert 'href="#field-email"' in refused.text
        assert 'aria-invalid="true"' in refused.text
    assert node.call("GET", "/api/v1/me/contact", "alice").json()["email"] is None
    assert post_form(node, "/me/contact", "alice", {"email": "zy@example.com"},
                     csrf=False).status_code == 403  # fmt: skip
    saved = post_form(node, "/me/contact", "alice", {"email": " Zhang.Yi@Example.COM "})
    assert saved.status_code == 303
    assert node.call("GET", "/api/v1/me/contact", "alice").json()["email"] == "Z***@example.com"
    html = page_as(node, saved.headers["location"], "alice").text
    assert "通知同时发送至 Z***@example.com" in html
    assert "Zhang.Yi" not in html
    removed = post_form(node, "/me/contact/delete", "alice")
    assert removed.status_code == 303
    assert node.call("GET", "/api/v1/me/contact", "alice").json()["email"] is None
    assert "电子邮箱地址已删除" in page_as(node, removed.headers["location"], "alice").text
