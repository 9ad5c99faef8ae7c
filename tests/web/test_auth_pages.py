"""Signing in on pages: the log-in form (same cookie as the API, throttling and refusals at the
field), `next` only to local paths, log-out by form with the CSRF token in a form field (refused
without it or with a wrong one; the API keeps its header), and citizen sign-up (R-3.1)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from chengxin.access.ratelimit import RateLimiter
from tests.collection.conftest import person
from tests.platform import ALICE, Platform
from tests.web.sessions import csrf_field, form_login, page_as


@pytest.fixture
def node(sqlite_node: Platform) -> Platform:
    """Pages behave alike on both databases (the services under them are tested on both):
    these run on SQLite only, to keep the suite within its time budget."""
    return sqlite_node


@pytest.fixture(autouse=True)
def _roomy_rate_limit(node: Platform) -> None:
    node.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("user", "home"),
    [("alice", "/me"), ("the.reviewer", "/console"), ("the.operator", "/console"),
     ("the.auditor", "/console"), ("bank.clerk", "/"), ("dept.clerk", "/")],
)  # fmt: skip
def test_r3_1_log_in_by_form_sets_the_api_session_cookie_and_lands_by_role(
    node: Platform, user: str, home: str
) -> None:
    answer = form_login(node, user)
    assert answer.status_code == 303
    assert answer.headers["location"] == home
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{node.cookie_name}=")
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    html = node.client.get(home).text
    me = node.client.get("/api/v1/me")  # the same session serves the API
    assert me.json()["actor"] == f"account:{user}"
    assert f"已登录：{user}" in html
    assert 'action="/logout"' in html


def test_the_form_and_its_refusals_are_at_the_field_in_both_languages(node: Platform) -> None:
    node.client.cookies.clear()
    form = node.client.get("/login?lang=en")
    assert form.status_code == 200
    assert '<label for="field-username">Username</label>' in form.text
    assert 'autocomplete="current-password"' in form.text
    empty = node.client.post("/login", data={"username": "", "password": ""})
    assert empty.status_code == 422
    assert '<p class="error" id="error-username">Enter your username</p>' in empty.text
    assert '<p class="error" id="error-password">Enter your password</p>' in empty.text
    wrong = form_login(node, "alice", "not the password", lang="zh")
    assert wrong.status_code == 401
    assert '<p class="error" id="error-password">用户名或密码错误</p>' in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    assert 'value="alice"' in wrong.text  # the username is kept, never the password
    assert "not the password" not in wrong.text
    assert "set-cookie" not in wrong.headers


def test_r3_1_repeated_failures_are_throttled_with_the_message_at_the_username(
    node: Platform,
) -> None:
    for _ in range(5):
        assert form_login(node, "the.auditor", "wrong password 1").status_code == 401
    blocked = form_login(node, "the.auditor")  # even the right password waits
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert '<p class="error" id="error-username">登录失败次数过多' in blocked.text
    assert "set-cookie" not in blocked.headers


@pytest.mark.parametrize(
    ("given", "lands"),
    [("/me/queries", "/me/queries"), ("/public/lists?kind=red", "/public/lists?kind=red"),
     ("https://evil.example/", "/me"), ("//evil.example/x", "/me"), ("/\\evil.example", "/me"),
     ("javascript:alert(1)", "/me"), ("/api/v1/me/report", "/me"), ("me", "/me")],
)  # fmt: skip
def test_next_is_followed_only_to_a_local_path(node: Platform, given: str, lands: str) -> None:
    assert form_login(node, "alice", next=given).headers["location"] == lands
    node.client.cookies.clear()
    form = node.client.get("/login", params={"next": given}).text
    assert ('name="next"' in form) == (lands == given)


def test_a_page_behind_a_log_in_sends_the_public_to_the_form_and_back(node: Platform) -> None:
    answer = page_as(node, "/me/queries", None)
    assert answer.status_code == 303
    assert unquote(answer.headers["location"]) == "/login?next=/me/queries"
    back = form_login(node, "alice", next="/me/queries")
    assert back.headers["location"] == "/me/queries"


def test_r3_1_log_out_by_form_needs_the_session_csrf_token(node: Platform) -> None:
    form_login(node, "alice")
    token = csrf_field(node.client.get("/me").text)
    session = node.client.cookies.get(node.cookie_name)
    for data in ({}, {"csrf_token": "forged"}):
        refused = node.client.post("/logout", data=data, follow_redirects=False)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "您无权使用此页面" in refused.text
    # The API keeps its header: the form field is not read there.
    api = node.client.post("/api/v1/auth/logout", data={"csrf_token": token})
    assert api.status_code == 403
    assert api.json()["rule"] == "csrf"
    assert node.client.get("/me", follow_redirects=False).status_code == 200  # still logged in
    done = node.client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == "/"
    assert node.cookie_name in done.headers["set-cookie"]  # deleted
    node.client.cookies.clear()
    node.client.cookies.set(node.cookie_name, str(session))
    again = node.client.get("/me", follow_redirects=False)  # the old cookie no longer works
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")
    node.client.cookies.clear()
    home = node.client.get("/").text
    assert 'href="/login"' in home
    assert 'href="/signup"' in home


def test_citizen_sign_up_binds_the_account_and_logs_in(node: Platform) -> None:
    node.client.cookies.clear()
    assert node.client.get("/signup?lang=en").status_code == 200
    number = person(77, "19950505")
    answer = node.client.post(
        "/signup", follow_redirects=False,
        data={"id_number": number, "name": "王新", "username": "wang.xin",
              "password": "a long pass phrase"},
    )  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == "/me"
    assert number not in answer.headers["location"]
    me = node.client.get("/me")
    assert me.status_code == 200
    assert "王新" in me.text
    assert number not in str(me.url)
    assert node.client.get("/api/v1/me").json()["role"] == "citizen"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [({"id_number": ALICE, "name": "李四"}, "name", "姓名与该身份号码登记的姓名不一致"),
     ({"id_number": ALICE, "name": "张一"}, "id_number", "此人已有账户"),
     ({"id_number": "110105199505050000"}, "id_number", "请输入有效的18位公民身份号码"),
     ({"username": "x"}, "username", "3至64个字符"),
     ({"username": "alice"}, "username", "该用户名已被使用"),
     ({"password": "short"}, "password", "10至128个字符"),
     ({"name": ""}, "name", "此项必填")],
)  # fmt: skip
def test_sign_up_refusals_are_at_their_field(
    node: Platform, data: dict[str, str], field: str, message: str
) -> None:
    node.client.cookies.clear()
    form = {"id_number": person(78, "19950505"), "name": "王新", "username": "wang.xin",
            "password": "a long pass phrase", **data}  # fmt: skip
    answer = node.client.post("/signup", data=form, follow_redirects=False)
    assert answer.status_code == 422
    assert f'<p class="error" id="error-{field}">{message}' in answer.text
    assert "set-cookie" not in answer.headers
    assert "a long pass phrase" not in answer.text
