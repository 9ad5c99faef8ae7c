"""The console's tip-off triage (举报, R-6.5): the queue by state, oldest first, with filters;
a tip-off with its texts (escaped), evidence files and steps; accept, reject, refer and close
with reasons, for reviewers and operators; auditors read only. Bad, hostile or forged posts
change nothing, and no address carries what the public sent."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from chengxin.access.ratelimit import RateLimiter
from chengxin.disputes.attachments import check_file
from chengxin.tipoffs import service
from chengxin.tipoffs.rules import TipoffCategory
from tests.platform import Platform, platform
from tests.tipoffs.conftest import PDF
from tests.web.sessions import page_as, post_form

LINK = re.compile(r'href="(/console/tipoffs/[0-9a-f-]{36})"')
HOSTILE = "某公司<script>alert(1)</script>"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """SQLite only (the verbs are tested on both databases): two tip-offs a day apart, the older
    one in Shanghai with a file and a contact, the newer one in Beijing, anonymous."""
    with platform(tmp_path_factory.mktemp("console-tipoffs"), "sqlite") as p:
        p.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]
        for day, category, region, subject, contact, files in (
            (24, TipoffCategory.MARKET_ORDER, "310101", HOSTILE, "13800000000", [PDF]),
            (25, TipoffCategory.HEALTH_SAFETY, "110105", "某餐馆", None, []),
        ):
            with p.rt.sessions() as session, session.begin():
                service.file_tipoff(
                    session, p.rt.keys, dt.datetime(2026, 11, day, 2, 0, tzinfo=dt.UTC),
                    category=category, region_code=region, subject=subject,
                    text="长期以次充好，欺骗消费者，涉及多人。", contact=contact,
                    files=[check_file("证据.pdf", data) for data in files],
                )  # fmt: skip
        yield p


def _links(node: Platform, query: str = "", who: str = "the.auditor") -> list[str]:
    answer = page_as(node, f"/console/tipoffs?lang=en{query}", who)
    assert answer.status_code == 200, answer.text
    return LINK.findall(answer.text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r3_1_triage_serves_the_staff_and_refuses_others(node: Platform, lang: str) -> None:
    (oldest, _) = _links(node)
    for path in ("/console/tipoffs", oldest):
        for user in ("the.reviewer", "the.operator", "the.auditor"):
            answer = page_as(node, path, user, params={"lang": lang})
            assert answer.status_code == 200, answer.text
            assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in answer.text
            assert '<a href="/console/tipoffs" aria-current="page">' in answer.text
        for user in ("alice", "bank.clerk", "dept.clerk"):
            assert page_as(node, path, user, params={"lang": lang}).status_code == 403
        public = page_as(node, path, None)
        assert unquote(public.headers["location"]) == f"/login?next={path}"


def test_r6_5_the_queue_is_oldest_first_and_filters_by_state_kind_and_region(
    node: Platform,
) -> None:
    (oldest, newest) = _links(node)
    assert "某公司" in page_as(node, oldest, "the.auditor").text
    assert _links(node, "&region=310000") == [oldest]  # Shanghai takes in its districts
    assert _links(node, "&category=health_safety") == [newest]
    assert _links(node, "&state=closed") == []
    bad = page_as(node, "/console/tipoffs?lang=en&region=31&category=nope", "the.auditor")
    assert bad.status_code == 422
    assert 'id="error-region"' in bad.text
    assert 'id="error-category"' in bad.text
    assert page_as(node, "/console/tipoffs?page=2", "the.auditor").status_code == 404


def test_r6_5_a_tip_off_shows_its_texts_escaped_and_its_files(node: Platform) -> None:
    (oldest, _) = _links(node)
    html = page_as(node, f"{oldest}?lang=en", "the.auditor").text
    assert "某公司&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "13800000000" in html  # the reporter's contact, for the staff only
    assert "Your role reads tip-offs only" in html  # the auditor has no form
    (link,) = re.findall(r'href="([^"]+/files/[0-9a-f-]{36})"', html)
    download = page_as(node, link, "the.auditor")
    assert (download.content, download.headers["cache-control"]) == (PDF, "no-store")
    assert download.headers["content-disposition"].startswith("attachment;")
    for href in re.findall(r'(?:href|action)="([^"]*)"', html):
        assert "某" not in unquote(href)
        assert "138" not in href


def test_r6_5_staff_accept_refer_and_close_with_reasons_checked_at_the_field(
    node: Platform,
) -> None:
    (oldest, _) = _links(node)
    steps = {"action": "accept", "reason": "线索具体，予以受理"}
    assert post_form(node, oldest, "the.auditor", steps).status_code == 403
    assert post_form(node, oldest, "the.reviewer", steps, csrf=False).status_code == 403
    empty = post_form(node, f"{oldest}?lang=en", "the.reviewer", {"action": "accept", "reason": ""})
    assert (empty.status_code, 'id="error-reason"' in empty.text) == (422, True)
    assert _links(node, "&state=received")[0] == oldest  # nothing written
    assert post_form(node, oldest, "the.operator", steps).status_code == 303
    html = page_as(node, f"{oldest}?lang=en", "the.operator").text
    assert 'name="source_code"' in html
    nowhere = post_form(node, f"{oldest}?lang=en", "the.operator",
                        {"action": "refer", "reason": "移交", "source_code": "NOPE"})  # fmt: skip
    assert (nowhere.status_code, 'id="error-source_code"' in nowhere.text) == (422, True)
    unnamed = post_form(node, f"{oldest}?lang=en", "the.operator",
                        {"action": "refer", "reason": "移交", "source_code": ""})  # fmt: skip
    assert (unnamed.status_code, 'id="error-source_code"' in unnamed.text) == (422, True)
    referred = post_form(node, oldest, "the.operator",
                         {"action": "refer", "reason": "移交税务部门", "source_code": "TAX-BJ"})  # fmt: skip
    assert referred.status_code == 303
    again = post_form(node, f"{oldest}?lang=en", "the.reviewer", steps)
    assert (again.status_code, 'href="#field-state"' in again.text) == (409, True)
    closed = post_form(node, oldest, "the.reviewer", {"action": "close", "reason": "已立案查处"})
    assert closed.status_code == 303
    html = page_as(node, f"{oldest}?lang=en", "the.reviewer").text
    assert "Closed" in html
    assert "已立案查处" in html
    assert "account:the.operator" in html
    assert _links(node, "&state=closed") == [oldest]
