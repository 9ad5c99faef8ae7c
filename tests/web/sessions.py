"""Helpers for pages behind a log-in: log in through the form, call a page as a user."""

from __future__ import annotations

import re
from typing import Any

from tests.platform import PASSWORD, Platform


def form_login(node: Platform, username: str, password: str = PASSWORD, **data: str) -> Any:
    """POST the log-in form with a fresh cookie jar; the answer is not followed."""
    node.client.cookies.clear()
    return node.client.post("/login", data={"username": username, "password": password, **data},
                            follow_redirects=False)  # fmt: skip


def page_as(node: Platform, path: str, who: str | None, **kw: Any) -> Any:
    """GET a page as a logged-in user (their API session cookie) or the public (None)."""
    node.client.cookies.clear()
    if who is not None:
        node.client.cookies.set(node.cookie_name, node.cookies[who])
    try:
        return node.client.get(path, follow_redirects=False, **kw)
    finally:
        node.client.cookies.clear()


def csrf_field(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "no csrf_token field"
    return found.group(1)


def post_form(node: Platform, path: str, who: str, data: dict[str, str], *, csrf: bool = True,
              **kw: Any) -> Any:  # fmt: skip
    """POST a page's form as a logged-in user, the CSRF token in the form (as a browser sends
    it, no header); `csrf=False` leaves it out. The answer is not followed."""
    node.client.cookies.clear()
    node.client.cookies.set(node.cookie_name, node.cookies[who])
    body = {**data, "csrf_token": node.csrf[who]} if csrf else data
    try:
        return node.client.post(path, data=body, follow_redirects=False, **kw)
    finally:
        node.client.cookies.clear()
