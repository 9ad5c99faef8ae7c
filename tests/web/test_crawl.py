"""Every page as every role (issue G): a crawler follows each link a role is shown, from the home
page and the role's own start page, in both languages, and finds no server error, no broken or
forbidden link, no personal information in any address and no accessibility fault it can see
(tests/web/accessibility.py); together the roles reach every page the site has."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from fastapi.routing import APIRoute

from chengxin.access.ratelimit import RateLimiter
from chengxin.identity import service as identity
from tests.collection.conftest import penalty_row
from tests.platform import ALICE, BOB, Platform, platform
from tests.web import accessibility
from tests.web.conftest import PEOPLE, Published, publish
from tests.web.sessions import page_as, post_form

START = {  # who (None: the public) → where they start besides the home page
    None: ["/public/lists", "/tipoffs/track"],
    "alice": ["/me"],
    "the.reviewer": ["/console"],
    "the.operator": ["/console"],
    "the.auditor": ["/console"],
    "bank.clerk": [],
    "dept.clerk": [],
}
HTML_LANG = {"zh": "zh-CN", "en": "en"}  # Accept-Language → the page's <html lang>
MAX_PAGES = 400  # a role's walk stops here (a runaway pager would otherwise never end)
# Pages no link leads to, by design: reached through a form (the code printed on a report).
FORM_ONLY = {"/verify/{code}"}
CASE = {"kind": "honour", "id_number": ALICE, "region_code": "110105",
        "title_zh": "补缴税款后守信经营", "title_en": "Back taxes paid, trade kept honest",
        "story_zh": "张某在受到税务处罚后及时补缴税款，此后三年按期申报纳税，主动作出信用承诺。",
        "story_en": "After a tax penalty Ms Zhang paid what she owed and filed on time since."}  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """A node with something on every page: listings, an objection, a tip-off, a typical case,
    an identity review, a batch with a refused row, a signed checkpoint."""
    with platform(tmp_path_factory.mktemp("crawl"), "sqlite") as node:
        node.client.app.state.rate_limiter = RateLimiter(100_000)  # type: ignore[attr-defined]
        published = publish(node)
        (record, *_) = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
        node.call("POST", "/api/v1/me/objections", "alice",
                  data={"record_id": record["record_id"], "reason": "罚款金额与决定书不符"})  # fmt: skip
        node.call("POST", "/api/v1/tipoffs", None, data={
            "category": "market_order", "region_code": "110105", "subject": "某某商店",
            "text": "长期以次充好，欺骗消费者。"})  # fmt: skip
        case = post_form(node, "/console/cases", "the.reviewer", CASE).headers["location"]
        post_form(node, f"/me/cases/{case.rsplit('/', 1)[1]}/consent", "alice", {})
        post_form(node, f"{case}/publish", "the.reviewer", {"months": "12"})
        with node.rt.sessions() as session, session.begin():
            identity.register_person(session, node.rt.keys, node.clock(), BOB, "张三",
                                     actor="test")  # a second name: a review  # fmt: skip
        node.ingest([penalty_row(9, number="110101", name="某")], "PENALTY-TAX", "bad.csv")
        node.checkpoint()
        yield published


def _links(html: str, base: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"]*)"', html):  # links; forms post
        url = urljoin(base, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc not in {"", "testserver"}:
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


# ID numbers and full names of the node's people: none may appear in an address.
PERSONAL = [text for pair in [(ALICE, "张一"), (BOB, "张二"), *((n, name) for n, name, _ in
            PEOPLE.values())] for text in pair]  # fmt: skip


def crawl(node: Platform, who: str | None, lang: str) -> tuple[set[str], list[str]]:
    """The paths `who` reached reading in `lang`, and what was wrong on the way."""
    queue, seen, wrong = deque(["/", *START[who]]), set(), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        if any(text in unquote(url) for text in PERSONAL):
            wrong.append(f"personal information in {url}")
        if "/api/" in url or url.startswith(("/static/", "/openapi.json")):
            continue  # the API and files: checked by their own tests
        answer = page_as(node, url, who, headers={"accept-language": lang})
        if answer.status_code == 303 and urlsplit(answer.headers["location"]).path != "/login":
            queue.append(answer.headers["location"])
            continue
        if answer.status_code != 200:
            wrong.append(f"{url}: {answer.status_code}")
            continue
        if answer.headers["content-type"].startswith("text/html"):
            chosen = re.search(r"[?&]lang=(\w+)", url)  # the language switch's link
            shown = HTML_LANG[chosen.group(1) if chosen else lang]
            if f'<html lang="{shown}">' not in answer.text:
                wrong.append(f"{url}: not in {shown}")
            wrong += [f"{url}: {problem}" for problem in accessibility.problems(answer.text)]
            links = _links(answer.text, url)
            # The language switch's links are left out: each walk reads in one language.
            queue.extend(link for link in links if not link.startswith("/logout")
                          and not re.search(r"[?&]lang=", link))  # fmt: skip
    return seen, wrong


def _page_routes(node: Platform) -> dict[str, re.Pattern[str]]:
    routes = {}
    for route in node.client.app.routes:  # type: ignore[attr-defined]
        if (
            isinstance(route, APIRoute)
            and "GET" in route.methods
            and not (route.path.startswith("/api/") or route.path in {"/healthz"})
        ):
            routes[route.path] = route.path_regex
    return routes


def test_every_role_reaches_every_linked_page_without_error_and_together_every_page(
    world: Published,
) -> None:
    node = world.node
    reached: set[str] = set()
    problems = []
    for who in START:
        for lang in HTML_LANG:
            seen, wrong = crawl(node, who, lang)
            assert len(seen) < MAX_PAGES, f"{who}: the walk did not end"
            problems += [f"{who} ({lang}): {w}" for w in wrong]
            reached |= {urlsplit(url).path for url in seen}
    assert problems == [], "\n".join(problems)
    unreached = [
        path for path, pattern in _page_routes(node).items()
        if path not in FORM_ONLY and not any(pattern.match(url) for url in reached)
    ]  # fmt: skip
    assert unreached == []
