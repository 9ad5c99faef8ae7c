"""The citizen portal in a real browser: an account made with `chengxin accounts add` for a demo
person logs in through the form and sees their records page, then logs out (R-3.7)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import LiveNode, Tab

PASSWORD = "browser pass phrase 1"


def test_a_citizen_logs_in_by_the_form_and_sees_their_records(
    tab: Tab, live_node: LiveNode
) -> None:
    person = live_node.most_recorded()[0]  # a demo person with records
    secret = live_node.data_dir / "citizen-password.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    live_node.cli("accounts", "add", "demo.citizen", "--role", "citizen",
                  "--id-number", person.id_number, "--password-file", str(secret))  # fmt: skip
    page = tab.page
    tab.open("/me", status=200)  # sent on to the log-in form
    assert page.url.endswith("/login?next=%2Fme")
    page.get_by_label("用户名").fill("demo.citizen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_node.base_url}/me")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的记录")
    expect(page.locator("main")).to_contain_text(person.name)
    expect(page.get_by_role("link", name="我的记录")).to_have_attribute("aria-current", "page")
    expect(page.locator("li.entry").first).to_be_visible()
    assert person.id_number not in page.url
    assert person.id_number not in page.content()
    tab.screenshot("portal-my-records", doc=True)
    tab.assert_no_console_errors()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_node.base_url}/")
    expect(page.get_by_role("link", name="登录")).to_be_visible()
