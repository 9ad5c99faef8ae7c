"""The public tip-off pages (举报, R-6.5): the form and its round trip through staff triage, refusals
at the field in both languages with nothing written, the shared hourly filing limit, the
cross-site (Origin) check, and no tracking number or personal information in any address."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest

from chengxin.access.ratelimit import RateLimiter
from chengxin.disputes.attachments import MAX_BYTES
from chengxin.tipoffs.rules import make_tracking
from tests.platform import Platform, platform
from tests.tipoffs.conftest import FORM, JPEG, PDF, PNG, counts, file_tipoff, only_id

PAGE_FORM = {**FORM, "contact": "13800000000"}
TRACKING = re.compile(r'id="tracking-number">(JB-[0-9A-Z]{12})<')
SAME_ORIGIN = "http://testserver"
UNKNOWN = make_tracking(12345)  # well formed, never issued
MISTYPED = UNKNOWN[:-1] + ("0" if UNKNOWN[-1] != "0" else "1")  # a wrong check character


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    with platform(tmp_path_factory.mktemp("tipoff-pages"), request.param) as node:
        yield node


@pytest.fixture
def site(shared: Platform) -> Platform:
    """The shared node with fresh limits (filing: 5 an hour) and no cookies."""
    state = shared.client.app.state  # type: ignore[attr-defined]
    state.rate_limiter = RateLimiter(600)
    state.tipoff_limiter = None  # made again on first use
    shared.client.cookies.clear()
    return shared


def post_form(
    node: Platform, *files: tuple[str, bytes, str], lang: str = "zh", **changes: str
) -> Any:
    uploads = [("files", (name, io.BytesIO(data), kind)) for name, data, kind in files]
    return node.client.post(
        f"/tipoffs/new?lang={lang}", data={**PAGE_FORM, **changes}, files=uploads or None,
        headers={"Origin": SAME_ORIGIN},
    )  # fmt: skip


def track(node: Platform, number: str, lang: str = "zh") -> Any:
    return node.client.post(f"/tipoffs/track?lang={lang}", data={"tracking": number})


def error_at(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="error-{field}">([^<]*)</p>', html)
    assert found, f"no error at {field}"
    return found[1]


def test_r6_5_the_form_in_both_languages(site: Platform) -> None:
    zh = site.client.get("/tipoffs/new")
    assert zh.status_code == 200
    assert "<h1>举报失信</h1>" in zh.text
    assert 'enctype="multipart/form-data"' in zh.text
    assert '<a href="/tipoffs/new" aria-current="page">举报失信</a>' in zh.text  # the nav item
    assert 'name="csrf_token"' not in zh.text.split("<main")[1]  # the public form needs none
    en = site.client.get("/tipoffs/new?lang=en")
    assert "<h1>Report dishonesty</h1>" in en.text
    assert "Refusing national defence obligations" in en.text
    assert "<h1>Follow a report</h1>" in site.client.get("/tipoffs/track?lang=en").text


def test_r6_5_filed_through_the_form_tracked_then_triaged(site: Platform) -> None:
    before = counts(site)
    answer = post_form(site, ("证据.pdf", PDF, "application/pdf"), ("photo.png", PNG, "image/png"))
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tracking = TRACKING.search(answer.text)[1]  # type: ignore[index]
    assert "只显示这一次" in answer.text
    after = counts(site)
    assert after["tipoffs"] == before["tipoffs"] + 1
    assert after["tipoff_files"] == before["tipoff_files"] + 2
    tipoff_id = only_id(site)
    staff = site.call("GET", f"/api/v1/staff/tipoffs/{tipoff_id}", "the.reviewer").json()
    assert (staff["subject"], staff["contact"]) == (PAGE_FORM["subject"], "13800000000")
    assert [f["media_type"] for f in staff["evidence"]] == ["application/pdf", "image/png"]
    # The number, read leniently (lower case, spaces), shows the state and dates only.
    shown = track(site, " " + tracking.lower().replace("-", " - ") + " ")
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    assert '<td id="tipoff-state">已收到，等待审核</td>' in shown.text
    assert "2026年" in shown.text
    for private in (PAGE_FORM["subject"], "13800000000", "证据.pdf", tracking):
        assert private not in shown.text
    accepted = site.call("POST", f"/api/v1/staff/tipoffs/{tipoff_id}/accept", "the.reviewer",
                         json={"reason": "线索具体，予以受理"})  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    later = track(site, tracking, lang="en")
    assert '<td id="tipoff-state">Accepted for handling</td>' in later.text
    assert "线索具体" not in later.text  # the staff's reason stays with the staff
    assert later.text.count("<li>") >= 2  # received, then accepted (with their dates)


def test_r6_5_the_tracking_number_never_travels_in_an_address(site: Platform) -> None:
    answer = post_form(site, lang="en")
    tracking = TRACKING.search(answer.text)[1]  # type: ignore[index]
    assert str(answer.url).endswith("/tipoffs/new?lang=en")
    hrefs = re.findall(r'(?:href|action)="([^"]*)"', answer.text)
    assert hrefs
    assert not any(tracking in h or "JB" in h for h in hrefs)
    assert 'class="lang-switch" href="/tipoffs/new?lang=zh"' in answer.text  # nothing carried
    shown = track(site, tracking)
    assert not any(tracking in h for h in re.findall(r'(?:href|action)="([^"]*)"', shown.text))
    assert f'value="{tracking}"' not in shown.text  # not echoed back into the page either
    assert site.client.get(f"/tipoffs/track?tracking={tracking}").text.count(tracking) == 0


@pytest.mark.parametrize(
    ("changes", "files", "field", "zh", "en"),
    [
        ({"category": "gossip"}, [], "category", "请从列出的类别中选择一项",
         "Choose one of the categories shown"),
        ({"region_code": "999999"}, [], "region_code", "6 位行政区划代码",
         "six-digit administrative division code"),
        ({"text": "太短了"}, [], "text", "10 至 5000 字", "10 to 5000 characters"),
        ({"subject": "王"}, [], "subject", "2 至 500 字", "2 to 500 characters"),
        ({}, [("证据.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")], "files",
         "PDF、JPEG 或 PNG", "PDF, JPEG or PNG"),
        ({}, [("p.jpg", JPEG, "image/jpeg")] * 6, "files", "最多上传 5 个文件",
         "Attach at most 5 files"),
        ({}, [("big.pdf", PDF + b"\0" * MAX_BYTES, "application/pdf")], "files",
         "不能超过 5 MB", "at most 5 MB"),
    ],
)  # fmt: skip
def test_r6_5_refusals_at_the_field_keep_what_was_typed_and_write_nothing(
    site: Platform, changes: dict[str, str], files: list[Any], field: str, zh: str, en: str
) -> None:
    before = counts(site)
    for lang, wanted in (("zh", zh), ("en", en)):
        site.client.app.state.tipoff_limiter = None  # type: ignore[attr-defined]
        answer = post_form(site, *files, lang=lang, **changes)
        assert answer.status_code == 422, answer.text
        assert wanted in error_at(answer.text, field)
        assert f'<a href="#field-{field}">' in answer.text  # the summary links to the field
        assert f'id="field-{field}"' in answer.text
        assert 'aria-invalid="true"' in answer.text
        typed = {**PAGE_FORM, **changes}
        assert f'value="{typed["subject"]}"' in answer.text
        assert f">{typed['text']}</textarea>" in answer.text
        assert f'value="{typed["contact"]}"' in answer.text
    assert counts(site) == before


def test_r6_5_every_refusal_is_shown_at_once(site: Platform) -> None:
    answer = post_form(site, category="", region_code="12", subject="", text="")
    assert answer.status_code == 422
    for field in ("category", "region_code", "subject", "text"):
        error_at(answer.text, field)


def test_r6_5_filing_shares_the_apis_limit_of_five_an_hour(site: Platform) -> None:
    before = counts(site)
    for _ in range(3):
        assert file_tipoff(site).status_code == 201  # the API
    assert post_form(site).status_code == 201
    assert post_form(site, text="短").status_code == 422  # a refused filing counts too
    refused = post_form(site)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert "请求过于频繁" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert file_tipoff(site).status_code == 429  # and the API is out of budget too
    assert counts(site)["tipoffs"] == before["tipoffs"] + 4


def test_r6_5_posts_from_another_site_are_refused(site: Platform) -> None:
    before = counts(site)
    for origin in ("https://evil.example", "null", "http://testserver.evil.example"):
        refused = site.client.post("/tipoffs/new", data=PAGE_FORM, headers={"Origin": origin})
        assert refused.status_code == 403, origin
        assert refused.headers["content-type"].startswith("text/html")
        tracked = site.client.post("/tipoffs/track", data={"tracking": make_tracking(1)},
                                   headers={"Origin": origin})  # fmt: skip
        assert tracked.status_code == 403
    assert counts(site) == before
    # No Origin (an older browser, a privacy setting) and this site's own are accepted.
    assert site.client.post("/tipoffs/new", data=PAGE_FORM).status_code == 201
    assert post_form(site).status_code == 201  # Origin: http://testserver


@pytest.mark.parametrize(
    ("number", "status", "zh", "en"),
    [
        (UNKNOWN, 404, "没有此编号的举报", "No tip-off has this tracking number"),
        (MISTYPED, 422, "编号校验不通过", "does not add up"),
        ("JB-123", 422, "JB- 加 12 位字母和数字", "JB- followed by 12 letters and digits"),
        ("", 422, "JB- 加 12 位字母和数字", "JB- followed by 12 letters and digits"),
    ],
)  # fmt: skip
def test_r6_5_tracking_refusals_at_the_field(
    site: Platform, number: str, status: int, zh: str, en: str
) -> None:
    for lang, wanted in (("zh", zh), ("en", en)):
        answer = track(site, number, lang)
        assert answer.status_code == status
        assert wanted in error_at(answer.text, "tracking")
        assert f'value="{number}"' in answer.text  # kept, to correct it
