"""The operator console and typical cases in a real browser (R-7.3, R-7.1): a reviewer sees the
dashboard's charts drawn from the demo's data, each with its numbers; the public reads the demo's
consented typical case with the person's name masked."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import LiveNode, Tab

PASSWORD = "console pass phrase 1"


def test_r7_3_a_reviewer_sees_the_dashboard_charts_with_their_numbers(
    tab: Tab, live_node: LiveNode
) -> None:
    secret = live_node.data_dir / "console-password.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    live_node.cli("accounts", "add", "charts.reviewer", "--role", "reviewer",
                  "--password-file", str(secret))  # fmt: skip
    page = tab.page
    tab.open("/login?next=/console")
    page.get_by_label("用户名").fill("charts.reviewer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_node.base_url}/console")
    expect(page.get_by_role("heading", level=1)).to_have_text("运营管理台")
    charts = page.locator("main svg[role=img]")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 5
    expect(charts.first.locator("rect, path, polyline").first).to_be_attached()  # drawn
    assert page.locator("main table caption").count() >= 5  # every chart has its table
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.locator("#records").scroll_into_view_if_needed()  # the charts, not the filters
    page.evaluate("document.getElementById('records').scrollIntoView()")
    tab.screenshot("console-dashboard", doc=True, full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the charts shrink
    width = page.evaluate(
        "document.querySelector('main svg[role=img]').getBoundingClientRect().width"
    )
    assert 0 < width <= 390
    tab.assert_no_console_errors()


def test_r7_1_the_public_reads_a_consented_typical_case_with_the_name_masked(
    tab: Tab, live_node: LiveNode
) -> None:
    page = tab.page
    tab.open("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="典型案例").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("典型案例")
    entry = page.locator("li.entry")
    expect(entry).to_have_count(1)  # the demo asked two people; one consented
    entry.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("经当事人同意后发布")
    names = {p.name for p in live_node.people}
    text = page.locator("main").inner_text()
    assert not any(name in text for name in names)
    assert "*" in page.locator("dl.facts-list").inner_text()
    tab.screenshot("public-typical-case", doc=True)
    tab.assert_no_console_errors()
