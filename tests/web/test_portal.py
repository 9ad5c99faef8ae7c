"""The citizen portal (R-3.7, R-5.3): my records through the one door with their marks, my
report's downloads, who looked at my data with its ledger proofs, the inbox — each only for the
citizen and only about them, in both languages, with nothing personal in an address."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import pytest

from chengxin.access.ratelimit import RateLimiter
from tests.platform import ALICE, BOB, Platform
from tests.web.sessions import page_as


@pytest.fixture
def node(sqlite_node: Platform) -> Platform:
    """Pages behave alike on both databases (the services under them are tested on both):
    these run on SQLite only, to keep the suite within its time budget."""
    return sqlite_node


PORTAL = ("/me", "/me/report", "/me/disputes", "/me/consents", "/me/score", "/me/queries",
          "/me/notifications")  # fmt: skip
PDF = b"%PDF-1.4\n% an evidence file\n"


def post_form(node: Platform, path: str, who: str, data: dict[str, Any] | None = None,
              *, csrf: bool = True, **kw: Any) -> Any:  # fmt: skip
    """POST a page's form as a logged-in user, with the session's CSRF token in the form (as
    the pages put it) unless `csrf` is False; the answer is not followed."""
    node.client.cookies.clear()
    node.client.cookies.set(node.cookie_name, node.cookies[who])
    body = {**(data or {}), **({"csrf_token": node.csrf[who]} if csrf else {})}
    try:
        return node.client.post(path, data=body, follow_redirects=False, **kw)
    finally:
        node.client.cookies.clear()


@pytest.fixture(autouse=True)
def _roomy_rate_limit(node: Platform) -> None:
    node.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]


def test_every_portal_page_serves_the_citizen_and_refuses_everyone_else(node: Platform) -> None:
    pages = [(path, lang) for lang in ("zh", "en") for path in (*PORTAL, "/me/listings")]
    for path, lang in pages:  # listings are linked from /me, not from the navigation
        mine = page_as(node, path, "alice", params={"lang": lang})
        assert mine.status_code == 200, f"{path}: {mine.text}"
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in mine.text
        assert path not in PORTAL or f'<a href="{path}" aria-current="page">' in mine.text
        public = page_as(node, path, None, params={"lang": lang})
        assert public.status_code == 303
        assert unquote(public.headers["location"]) == f"/login?next={path}"
        for other in ("the.reviewer", "the.operator", "the.auditor", "bank.clerk", "dept.clerk"):
            refused = page_as(node, path, other, params={"lang": lang})
            assert refused.status_code == 403, f"{path} as {other}"
            assert refused.headers["content-type"].startswith("text/html")


def _hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|action)="([^"]*)"', html)


def test_my_records_are_mine_only_with_their_marks(node: Platform) -> None:
    (record, *_) = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
    filed = node.call("POST", "/api/v1/me/objections", "alice",
                      data={"record_id": record["record_id"], "reason": "罚款金额与决定书不符"})  # fmt: skip
    assert filed.status_code == 201, filed.text
    html = page_as(node, "/me", "alice").text
    assert html.count('class="entry"') == 2  # the tax and the traffic penalty
    assert "张一" in html
    assert "张二" not in html
    assert html.count("异议处理中") == 1
    assert ALICE not in html  # the page needs no ID number
    en = page_as(node, "/me?lang=en", "alice").text
    assert "Under objection" in en
    for href in _hrefs(html) + _hrefs(en):
        assert ALICE not in href
        assert BOB not in href
        assert "张" not in unquote(href)


def test_the_records_page_is_a_registered_self_query(node: Platform) -> None:
    page_as(node, "/me", "alice")
    (latest, *_) = node.call("GET", "/api/v1/me/queries", "alice").json()
    assert latest["purpose"] == "self_query"
    html = page_as(node, "/me/queries", "alice").text
    assert f"条目 {latest['ledger_index']}" in html
    assert "下一个检查点后可获取证明" in html  # no checkpoint yet
    node.checkpoint()
    html = page_as(node, "/me/queries", "alice").text
    proof = re.search(r'href="(/api/v1/ledger/proof/inclusion\?[^"]+)"', html)
    assert proof is not None
    answer = page_as(node, proof.group(1).replace("&amp;", "&"), "alice")
    assert answer.status_code == 200
    assert answer.json()["leaf_index"] == latest["ledger_index"]
    entry = page_as(node, f"/api/v1/ledger/entries/{latest['ledger_index']}", "alice")
    assert entry.status_code == 200


def test_the_bank_query_shows_in_who_looked_and_not_to_bob(node: Platform) -> None:
    consent = node.grant(node.subject(ALICE))
    asked = node.call("POST", "/api/v1/queries", "bank.clerk",
                      json={"id_number": ALICE, "purpose": "loan_approval",
                            "consent_id": consent})  # fmt: skip
    assert asked.status_code == 200, asked.text
    html = page_as(node, "/me/queries", "alice").text
    assert "BANK-A 名称" in html
    assert "贷款审批" in html


def test_the_report_page_links_the_downloads_and_they_work(node: Platform) -> None:
    html = page_as(node, "/me/report", "alice").text
    assert 'href="/api/v1/me/report?format=html"' in html
    assert 'href="/api/v1/me/report?format=pdf"' in html
    pdf = page_as(node, "/api/v1/me/report?format=pdf", "alice")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"


def test_the_inbox_shows_my_notices(node: Platform) -> None:
    (record, *_) = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
    node.call("POST", "/api/v1/me/objections", "alice",
              data={"record_id": record["record_id"], "reason": "罚款金额与决定书不符"})  # fmt: skip
    (notice,) = node.call("GET", "/api/v1/me/notifications", "alice").json()  # filed
    html = page_as(node, "/me/notifications", "alice").text
    assert notice["title_zh"] in html
    assert "未读" in html
    assert notice["title_en"] in page_as(node, "/me/notifications?lang=en", "alice").text
