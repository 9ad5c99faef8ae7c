"""The pages that exist before the portals (issue G): the landing page in Chinese and English, its
language switch and phone layout, and the public report verification page (R-5.3) for a report a
department had issued through the API. Each checks the console stays free of errors and that
keyboard focus is visible, and saves screenshots."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, LiveNode, Tab

LEGAL_BASIS = "《中华人民共和国行政许可法》第三十一条"
# What chromium logs for a document answered 404: expected on the page for an unknown code.
NOT_FOUND_LOG = "status of 404"


def assert_first_link_takes_visible_focus(tab: Tab) -> None:
    """Tab from the top of the page lands on the first link, and the browser draws its focus."""
    page = tab.page
    first = page.locator("a[href]").first
    page.keyboard.press("Tab")
    expect(first).to_be_focused()
    drawn = first.evaluate(
        """el => {
            const style = getComputedStyle(el);
            const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
            return el.matches(':focus-visible') && (outline || style.boxShadow !== 'none');
        }"""
    )
    assert drawn, "the focused link has no visible focus indicator"


@dataclass(frozen=True)
class Landing:
    query: str
    html_lang: str
    title: str
    people_row: str
    switch: str


LANDING = {
    "zh": Landing("", "zh-CN", "个人公共信用信息平台", "已登记自然人", "English"),
    "en": Landing("?lang=en", "en", "personal public credit information platform",
                  "Registered natural persons", "中文"),
}  # fmt: skip


@pytest.mark.parametrize("lang", LANDING)
def test_landing_page_shows_the_node_in_each_language(
    tab: Tab, live_node: LiveNode, lang: str
) -> None:
    want = LANDING[lang]
    tab.open(f"/{want.query}")
    page = tab.page
    expect(page.locator("html")).to_have_attribute("lang", want.html_lang)
    expect(page.get_by_role("heading", level=1)).to_contain_text(want.title)
    expect(page.get_by_role("row", name=want.people_row)).to_contain_text(
        str(len(live_node.people))
    )
    expect(page.get_by_role("link", name=want.switch)).to_be_visible()
    tab.screenshot(f"landing-{lang}", doc=True)
    assert_first_link_takes_visible_focus(tab)
    tab.screenshot(f"landing-{lang}-focus", full_page=False)
    tab.assert_no_console_errors()


def test_language_switch_goes_to_english_and_back(tab: Tab) -> None:
    page = tab.page
    tab.open("/")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/\?lang=en$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    tab.assert_no_console_errors()


def test_landing_page_fits_a_phone_without_sideways_scrolling(tab: Tab) -> None:
    page = tab.page
    page.set_viewport_size(PHONE)
    tab.open("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone's screen"
    tab.screenshot("landing-zh-phone", doc=True)
    tab.assert_no_console_errors()


@pytest.fixture(scope="module")
def report_code(live_node: LiveNode) -> str:
    """A report issued to the demo department (依法履职, on a legal basis) about a demo person."""
    token = live_node.cli(
        "requesters", "key-create", "DEMO-MARKET", "--label", "browser-tests"
    ).strip()
    status, report = live_node.api(
        "POST", "/api/v1/reports", token=token,
        body={"id_number": live_node.people[0].id_number, "purpose": "administrative_duty",
              "legal_basis": LEGAL_BASIS},
    )  # fmt: skip
    assert status == 200, report
    assert report["subject"]["found"], "the demo person is not on the node"
    code: str = report["verification"]["code"]
    assert report["verification"]["verify_path"] == f"/verify/{code}"
    return code


def test_verify_page_shows_that_an_issued_report_is_authentic(tab: Tab, report_code: str) -> None:
    page = tab.page
    tab.open(f"/verify/{report_code}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(report_code)
    expect(page.locator("body")).to_contain_text("真实有效")
    tab.screenshot("verify-authentic", doc=True)
    assert_first_link_takes_visible_focus(tab)
    tab.open(f"/verify/{report_code}?lang=en")  # on the layout: one language at a time
    expect(page.locator("body")).to_contain_text("Authentic and still current")
    tab.assert_no_console_errors()


def test_verify_page_says_so_for_a_code_never_issued(tab: Tab) -> None:
    page = tab.page
    tab.open("/verify/AAAA-BBBB-CCCC-DDDD", status=404)
    expect(page.locator("body")).to_contain_text("未找到该验证码的报告")
    tab.screenshot("verify-unknown")
    tab.assert_no_console_errors(allowed=(NOT_FOUND_LOG,))
