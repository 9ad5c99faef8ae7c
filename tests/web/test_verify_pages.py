"""The report verification pages on the layout (报告核验, R-5.3): `/verify/{code}` in both languages
(authentic and current, authentic but changed, never issued), and the `/verify` form that takes a
typed code to its page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.platform import Platform


def issued_code(node: Platform) -> str:
    report = node.call("GET", "/api/v1/me/report", "alice")
    assert report.status_code == 200, report.text
    code: str = report.json()["verification"]["code"]
    return code


def page(node: Platform, path: str, **kw: Any) -> Any:
    return node.client.get(path, **kw)


def test_r5_3_the_verification_page_in_both_languages(sqlite_node: Platform) -> None:
    node = sqlite_node
    code = issued_code(node)
    zh = page(node, f"/verify/{code}")
    assert zh.status_code == 200
    assert zh.headers["content-security-policy"].startswith("default-src 'self'")
    assert f'<span class="number">{code}</span>' in zh.text
    assert "真实有效，且仍为最新" in zh.text
    assert "（北京时间）出具" in zh.text
    assert '<a href="/verify">核验其他验证码</a>' in zh.text
    en = page(node, f"/verify/{code}?lang=en")
    assert "Authentic and still current: issued on" in en.text
    assert '<html lang="en">' in en.text
    # After the person's records change, the report is authentic but no longer current.
    node.clock.now += dt.timedelta(minutes=5)
    records = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
    node.call("POST", "/api/v1/me/objections", "alice",
              data={"record_id": records[0]["record_id"], "reason": "请核查该记录"})  # fmt: skip
    case = node.call("GET", "/api/v1/disputes", "the.reviewer").json()[0]
    node.call("POST", f"/api/v1/objections/{case['id']}/accept", "the.reviewer",
              json={"reason": "受理"})  # fmt: skip
    node.call("POST", f"/api/v1/objections/{case['id']}/answer", "TAX-BJ",
              json={"answer": "revoke", "reason": "错误录入，撤销"})  # fmt: skip
    changed = page(node, f"/verify/{code}")
    assert changed.status_code == 200
    assert "真实，但出具后信息已有变化" in changed.text
    assert "ask for a new report" in page(node, f"/verify/{code}?lang=en").text


def test_r5_3_a_code_never_issued_is_a_404_page_on_the_layout(sqlite_node: Platform) -> None:
    unknown = page(sqlite_node, "/verify/AAAA-BBBB-CCCC-DDDD")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    assert "未找到该验证码的报告" in unknown.text
    assert '<a class="skip" href="#main">' in unknown.text  # the layout
    escaped = page(sqlite_node, "/verify/%3Cscript%3E")
    assert "<script>" not in escaped.text
    assert "&lt;script&gt;" in escaped.text


def test_r5_3_the_form_takes_a_typed_code_to_its_page(sqlite_node: Platform) -> None:
    node = sqlite_node
    code = issued_code(node)
    form = page(node, "/verify?lang=en")
    assert form.status_code == 200
    assert '<form class="stacked" method="get" action="/verify">' in form.text
    assert '<label for="field-code">Verification code</label>' in form.text
    typed = " " + code.lower().replace("-", " ") + " "
    moved = page(node, "/verify", params={"code": typed}, follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (303, f"/verify/{code}")
    squeezed = page(node, "/verify", params={"code": code.replace("-", "")})
    assert squeezed.status_code == 200
    assert "Authentic and still current" in squeezed.text  # English, as chosen above
    for bad in ("", "ABCD-EFGH", "ABCD-EFGH-JKMN-PQR!"):
        refused = page(node, "/verify", params={"code": bad, "lang": "en"})
        assert refused.status_code == 422
        assert '<p class="error" id="error-code">A verification code is 16' in refused.text
        assert f'value="{bad}"' in refused.text
    assert page(node, "/verify", params={"code": "x" * 41}).status_code == 422  # an error page
