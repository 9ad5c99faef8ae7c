"""The operator console's first page (R-7.3): the dashboard of figures per region and department
for reviewers, operators and auditors, in both languages; refused to everyone else."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from chengxin.access.permissions import ROLE_PERMISSIONS, Permission, Role
from chengxin.access.ratelimit import RateLimiter
from tests.platform import ALICE, Platform
from tests.web.sessions import page_as

STAFF = ("the.reviewer", "the.operator", "the.auditor")


@pytest.fixture(autouse=True)
def _roomy_rate_limit(node: Platform) -> None:
    node.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]


def test_r3_1_the_console_permission_is_the_staff_roles_only() -> None:
    holders = {r for r in Role if Permission.CONSOLE_READ in ROLE_PERMISSIONS[r]}
    assert holders == {Role.REVIEWER, Role.OPERATOR, Role.AUDITOR}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r7_3_the_dashboard_serves_staff_and_refuses_others(node: Platform, lang: str) -> None:
    for user in STAFF:
        answer = page_as(node, "/console", user, params={"lang": lang})
        assert answer.status_code == 200, answer.text
        assert '<a href="/console" aria-current="page">' in answer.text
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in answer.text
    for user in ("alice", "bank.clerk", "dept.clerk"):
        refused = page_as(node, "/console", user, params={"lang": lang})
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
    public = page_as(node, "/console", None)
    assert public.status_code == 303
    assert unquote(public.headers["location"]) == "/login?next=/console"


def _row(html: str, *cells: str) -> bool:
    pattern = r"<tr>" + r"".join(rf"<td[^>]*>{re.escape(c)}</td>" for c in cells)
    return re.search(pattern, html) is not None


def test_r7_3_the_figures_count_records_batches_and_cases_by_region_and_unit(
    node: Platform,
) -> None:
    (record, *_) = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
    filed = node.call("POST", "/api/v1/me/objections", "alice",
                      data={"record_id": record["record_id"], "reason": "罚款金额与决定书不符"})  # fmt: skip
    assert filed.status_code == 201
    html = page_as(node, "/console", "the.operator").text
    assert _row(html, "110105", "TAX-BJ", "tax", "active", "2")  # alice's and bob's
    assert _row(html, "110105", "TAX-BJ", "2", "3", "0")  # batches, rows, refused
    assert _row(html, "110105", "TAX-BJ", "1", "1", "0", "0", "–")  # one open objection
    assert ALICE not in html
    assert "张一" not in html
