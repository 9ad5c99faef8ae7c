"""The page foundation: the layout in both languages, the language switch and its cookie, HTML
error pages on page paths only, the static files, the headers, and a walk over every page."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.conftest import Published


def test_the_home_page_is_on_the_layout_in_both_languages(light: TestClient) -> None:
    zh = light.get("/")
    assert zh.status_code == 200
    assert '<html lang="zh-CN">' in zh.text
    assert "诚信 · 个人公共信用信息平台" in zh.text
    assert 'href="/?lang=en" lang="en" hreflang="en">English</a>' in zh.text
    assert '<a href="/" aria-current="page">首页</a>' in zh.text
    assert '<a class="skip" href="#main">跳到主要内容</a>' in zh.text
    assert '<link rel="stylesheet" href="/static/site.css' in zh.text
    en = light.get("/?lang=en")
    assert '<html lang="en">' in en.text
    assert '<th scope="row">Records in force</th>' in en.text
    assert 'href="/?lang=zh" lang="zh-CN" hreflang="zh-CN">中文</a>' in en.text


def test_the_language_is_query_then_cookie_then_accept_language(light: TestClient) -> None:
    chosen = light.get("/knowledge?lang=en")
    assert "Credit knowledge" in chosen.text
    cookie = chosen.headers["set-cookie"]
    assert cookie.startswith("lang=en;")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert light.cookies.get("lang") == "en"
    assert '<html lang="en">' in light.get("/public/lists").text  # remembered
    assert '<html lang="zh-CN">' in light.get("/public/lists?lang=zh").text  # switched back
    assert light.cookies.get("lang") == "zh"
    light.cookies.clear()
    assert "set-cookie" not in light.get("/").headers  # no choice made, nothing set
    english = {"Accept-Language": "en-GB,en;q=0.9,zh-CN;q=0.5"}
    assert '<html lang="en">' in light.get("/", headers=english).text
    chinese = {"Accept-Language": "fr-FR, zh-TW;q=0.8, en;q=0.7"}
    assert '<html lang="zh-CN">' in light.get("/", headers=chinese).text
    assert '<html lang="zh-CN">' in light.get("/", headers={"Accept-Language": "de"}).text
    light.cookies.set("lang", "klingon")
    assert '<html lang="en">' in light.get("/", headers=english).text  # a bad cookie is ignored
    light.cookies.set("lang", "en")
    assert '<html lang="en">' in light.get("/", headers={"Accept-Language": "zh"}).text


def test_the_language_switch_keeps_filters_but_never_a_name(site: Published) -> None:
    html = site.html_of("/public/lists?region=11&kind=red&page=1")
    assert 'href="/public/lists?region=11&amp;kind=red&amp;page=1&amp;lang=en"' in html
    stray = site.html_of("/public/lists?name=%E7%8E%8B%E5%A4%A7%E6%98%8E&region=11")
    assert "name=" not in re.search(r'class="lang-switch" href="([^"]*)"', stray)[1]  # type: ignore[index]


def test_a_bad_language_is_an_html_422_on_pages_and_problem_json_in_the_api(
    light: TestClient,
) -> None:
    page = light.get("/?lang=fr")
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "<code>lang</code>" in page.text
    api = light.get("/api/v1/catalog/items?on=yesterday")
    assert api.status_code == 422
    assert api.headers["content-type"] == "application/problem+json"
    missing = light.get("/nowhere")
    assert missing.headers["content-type"] == "application/problem+json"
    page_missing = light.get("/public/nowhere?lang=en")
    assert page_missing.status_code == 404
    assert "Page not found" in page_missing.text
    wrong_method = light.delete("/public/lists")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith("text/html")


def test_static_css_and_page_headers(light: TestClient) -> None:
    css = light.get("/static/site.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text
    assert light.get("/static/../settings.py").status_code == 404
    assert light.get("/static/%2e%2e/app.py").status_code == 404
    page = light.get("/public/lists")
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"


def _pages(routes: list[Any]) -> list[tuple[str, str]]:
    found = []
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            found.extend(_pages(included.routes))
        elif isinstance(route, APIRoute) and not route.path.startswith("/api/"):
            found.extend((m, route.path) for m in sorted(route.methods - {"HEAD"}))
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_without_a_server_error(site: Published, lang: str) -> None:
    """A crawler's walk: each page route, with a real and an unknown id, in both languages."""
    pages = _pages(site.client.app.routes)  # type: ignore[attr-defined]
    assert ("GET", "/public/lists/{entry_id}") in pages
    assert ("POST", "/public/lists") in pages
    for method, path in pages:
        for entry_id in (site.entries["debtor"], uuid.uuid4()):
            concrete = path.replace("{entry_id}", str(entry_id))
            concrete = concrete.replace("{slug}", "integrity-code").replace("{code}", "X")
            answer = site.client.request(method, concrete, params={"lang": lang},
                                         data={"name": "王大明"} if method == "POST" else None)  # fmt: skip
            assert answer.status_code < 500, f"{method} {concrete}: {answer.status_code}"
            if answer.headers["content-type"].startswith("text/html") and path != "/verify/{code}":
                assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in answer.text
