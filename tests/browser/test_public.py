"""The public site in chromium (issue G): a listed person is shown masked on the publicity pages,
and a tip-off (举报) is filed through the form, tracked by its number, triaged by a staff member
through the API, and the tracking page shows the new state.

The demo has no list entries, so this module's own node gets them through the live API, as a
designating source would: a red listing (its notice only informs, so the source confirms it at
once) and a serious-dishonesty listing, confirmed after the person stated their case (陈述申辩) —
the one way such a listing takes effect before its answer window of working days is over."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from chengxin.demo.generator import DemoPerson
from chengxin.identity.masking import mask_id_number, mask_name
from tests.browser.conftest import LiveNode, Tab, running_node

PASSWORD = "browser tests password"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FACTS = "该公司收取装修预付款后长期不开工、不退款，涉及业主二十余户。"


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A node of this module's own: its listings and tip-offs are not the other tests' data."""
    with running_node(tmp_path_factory.mktemp("public-node") / "data") as served:
        yield served


class Session:
    """A logged-in account on the live node: its cookie and CSRF token."""

    def __init__(self, node: LiveNode, username: str) -> None:
        self.node = node
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        status, body = self.send("POST", "/api/v1/auth/login",
                                 {"username": username, "password": PASSWORD})  # fmt: skip
        assert status == 200, body
        self.csrf = str(body["csrf_token"])

    def send(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if hasattr(self, "csrf"):
            headers["X-CSRF-Token"] = self.csrf
        request = urllib.request.Request(  # noqa: S310  (a loopback http URL of our own)
            self.node.base_url + path, method=method, data=json.dumps(body).encode(),
            headers=headers,
        )  # fmt: skip
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"{}")


def account(node: LiveNode, username: str, role: str, *extra: str) -> Session:
    secret = node.data_dir / f"{username}.password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    node.cli("accounts", "add", username, "--role", role, "--password-file", str(secret), *extra)
    return Session(node, username)


def propose(node: LiveNode, token: str, list_type: str, person: DemoPerson) -> str:
    status, proposal = node.api("POST", "/api/v1/listings", token=token, body={
        "list_type": list_type, "id_number": person.id_number,
        "document_number": "（2026）京浏览器测试1号", "decision_date": "2026-01-05",
        "reasons": "浏览器测试：经调查认定的事实和理由",
    })  # fmt: skip
    assert status == 201, proposal
    return str(proposal["entry"]["id"])


def confirm(node: LiveNode, token: str, entry_id: str) -> None:
    status, listing = node.api("POST", f"/api/v1/listings/{entry_id}/confirm", {}, token)
    assert status == 200, listing
    assert listing["state"] == "listed", listing


@dataclass(frozen=True)
class Listed:
    red: DemoPerson
    serious: DemoPerson


@pytest.fixture(scope="module")
def listed(live_node: LiveNode) -> Listed:
    node = live_node
    red, serious = node.people[1], node.people[2]
    civil = node.cli("sources", "key-create", "CIVIL-BJ", "--label", "browser").strip()
    confirm(node, civil, propose(node, civil, "RED-MORAL-MODEL", red))
    court = node.cli("sources", "key-create", "COURT-BJ", "--label", "browser").strip()
    entry = propose(node, court, "DISHONEST-JUDGMENT-DEBTOR", serious)
    person = account(node, "listed.person", "citizen", "--id-number", serious.id_number)
    status, answered = person.send("POST", f"/api/v1/me/listings/{entry}/answer",
                                    {"statement": "我已知悉，无异议。"})  # fmt: skip
    assert status == 200, answered
    confirm(node, court, entry)
    return Listed(red, serious)


def test_the_public_lists_show_listed_people_masked(tab: Tab, listed: Listed) -> None:
    page = tab.page
    tab.open("/public/lists")
    expect(page.get_by_role("heading", level=1)).to_have_text("信用公示")
    entries = page.locator("ol.entries > li")
    expect(entries).to_have_count(2)
    html = page.content()
    for person in (listed.red, listed.serious):
        expect(page.locator("ol.entries")).to_contain_text(mask_name(person.name))
        expect(page.locator("ol.entries")).to_contain_text(mask_id_number(person.id_number))
        assert person.name not in html
        assert person.id_number not in html
    expect(page.locator("ol.entries")).to_contain_text("诚信道德模范")
    tab.screenshot("public-lists", doc=True)
    entries.first.get_by_role("link").click()  # an entry's own page: criteria and legal basis
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    entry_html = page.content()
    assert listed.red.name not in entry_html
    assert listed.serious.name not in entry_html
    assert listed.red.id_number not in entry_html
    assert listed.serious.id_number not in entry_html
    tab.screenshot("public-entry")
    tab.assert_no_console_errors()


def test_a_name_search_finds_the_person_without_the_name_in_the_address(
    tab: Tab, listed: Listed
) -> None:
    page = tab.page
    tab.open("/public/lists")
    page.get_by_label("姓名").fill(listed.serious.name)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("ol.entries > li")).to_have_count(1)
    expect(page.locator("ol.entries")).to_contain_text(mask_name(listed.serious.name))
    assert listed.serious.name not in page.url
    assert listed.serious.name not in page.locator("ol.entries").inner_html()
    tab.assert_no_console_errors()


def track(tab: Tab, number: str, state: str) -> None:
    page = tab.page
    tab.open("/tipoffs/track")
    page.get_by_label("查询编号").fill(number)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#tipoff-state")).to_have_text(state)
    assert number not in page.url


def test_a_tipoff_is_filed_tracked_and_triaged(
    tab: Tab, live_node: LiveNode, tmp_path: Path
) -> None:
    page = tab.page
    tab.open("/")
    page.get_by_role("link", name="举报失信").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("举报失信")
    page.get_by_label("举报类别").select_option("market_order")
    page.get_by_label("发生地（行政区划代码）").fill("110105")
    page.get_by_label("被举报人或单位").fill("朝阳区某装修公司")
    page.get_by_label("举报内容").fill(FACTS)
    evidence = tmp_path / "合同.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("证据材料（选填）").set_input_files(evidence)
    tab.screenshot("tipoff-form", doc=True)
    page.get_by_role("button", name="提交举报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("举报已收到")
    number = page.locator("#tracking-number").inner_text().strip()
    assert number.startswith("JB-")
    assert number not in page.url
    tab.screenshot("tipoff-filed")

    track(tab, number, "已收到，等待审核")
    staff = account(live_node, "triage.reviewer", "reviewer")
    queue = staff_queue(staff)
    assert len(queue) == 1, queue
    status, body = staff.send("POST", f"/api/v1/staff/tipoffs/{queue[0]['id']}/accept",
                              {"reason": "线索具体，予以受理"})  # fmt: skip
    assert status == 200, body
    track(tab, number, "已受理")
    tab.screenshot("tipoff-tracked")
    tab.assert_no_console_errors()


def staff_queue(staff: Session) -> list[dict[str, Any]]:
    request = urllib.request.Request(staff.node.base_url + "/api/v1/staff/tipoffs")  # noqa: S310
    with staff.opener.open(request, timeout=30) as answer:
        rows: list[dict[str, Any]] = json.loads(answer.read())
    return rows


def test_a_refused_tipoff_keeps_what_was_typed(tab: Tab) -> None:
    page = tab.page
    tab.open("/tipoffs/new?lang=en")
    page.get_by_label("Category").select_option("other")
    page.get_by_label("Where it happened (region code)").fill("999999")
    page.get_by_label("Who or what you report").fill("Some company")
    page.get_by_label("What happened").fill("too short")
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator("#error-region_code")).to_contain_text("six-digit")
    expect(page.locator("#error-text")).to_contain_text("10 to 5000 characters")
    expect(page.get_by_label("Who or what you report")).to_have_value("Some company")
    expect(page.get_by_label("What happened")).to_have_value("too short")
    tab.screenshot("tipoff-refused")
    tab.assert_no_console_errors(allowed=("status of 422",))
