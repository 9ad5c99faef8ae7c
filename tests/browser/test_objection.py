"""An objection (异议) end to end in a real browser (R-4.1, issue G): a citizen objects to one of
their records on the portal with a PDF as evidence and sees the record marked; a reviewer accepts
it on the console; the data-providing unit answers over its API; the citizen sees the outcome."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import LiveNode, Tab

PASSWORD = "objection pass phrase 1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def log_in(tab: Tab, username: str, landing: str) -> None:
    page = tab.page
    tab.open("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{tab.node.base_url}{landing}")


def log_out(tab: Tab) -> None:
    tab.page.get_by_role("button", name="退出登录").click()
    tab.page.wait_for_url(f"{tab.node.base_url}/")


def test_r4_1_a_citizen_objects_a_reviewer_accepts_the_unit_answers_the_citizen_sees_it(
    tab: Tab, live_node: LiveNode
) -> None:
    person = live_node.most_recorded()[1]  # not the person test_portal.py logs in as
    secret = live_node.data_dir / "objection-password.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    live_node.cli("accounts", "add", "objecting.citizen", "--role", "citizen",
                  "--id-number", person.id_number, "--password-file", str(secret))  # fmt: skip
    live_node.cli("accounts", "add", "deciding.reviewer", "--role", "reviewer",
                  "--password-file", str(secret))  # fmt: skip
    page = tab.page

    log_in(tab, "objecting.citizen", "/me")
    record = page.locator("li.entry").first
    source_code = record.locator("dt:has-text('数据提供单位') + dd").inner_text().strip()
    record.get_by_role("link", name="对此记录提出异议").click()
    page.get_by_label("异议理由").fill("处罚决定书记载的日期与实际不符，附决定书复印件为证。")
    page.get_by_label("证据材料（选填）").set_input_files(
        {"name": "决定书.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="提交异议").click()
    page.wait_for_url(re.compile(r".*/me/disputes\?done=objection$"))
    expect(page.get_by_role("status").first).to_contain_text("您的异议已提交")
    expect(page.locator("main")).to_contain_text("决定书.pdf")
    tab.open("/me")
    first = page.locator("li.entry").first
    expect(first.locator(".mark")).to_have_text("异议处理中")
    expect(first.get_by_role("link", name="查看异议进度")).to_be_visible()
    assert person.id_number not in page.url
    tab.screenshot("portal-objection-marked", doc=True)
    log_out(tab)

    log_in(tab, "deciding.reviewer", "/console")
    page.get_by_role("navigation", name="管理台栏目").get_by_role(
        "link", name="异议和信用修复"
    ).click()
    page.get_by_role("link", name="异议", exact=True).first.click()
    page.wait_for_url(re.compile(r".*/console/disputes/objection/[0-9a-f-]{36}$"))
    case_id = page.url.rsplit("/", 1)[1]
    page.get_by_label("理由").fill("异议材料齐全，转数据提供单位核查。")
    page.get_by_role("button", name="受理并转数据提供单位核查").click()
    expect(page.locator("main")).to_contain_text("数据提供单位核查中")
    tab.screenshot("console-objection-accepted", doc=True)
    log_out(tab)

    token = live_node.cli("sources", "key-create", source_code, "--label", "browser-test").strip()
    status, body = live_node.api(
        "POST", f"/api/v1/objections/{case_id}/answer",
        {"answer": "uphold", "reason": "经核查，决定书日期记载无误。"}, token=token,
    )  # fmt: skip
    assert status == 200, body

    log_in(tab, "objecting.citizen", "/me")
    tab.open("/me/disputes")
    case = page.locator(f"#case-{case_id}")
    expect(case).to_contain_text("已办结：维持原记录")
    expect(case).to_contain_text("经核查，决定书日期记载无误。")
    tab.screenshot("portal-objection-outcome", doc=True)
    tab.assert_no_console_errors()
