"""Every route × every role against the one permission table (R-3.1)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from chengxin.access.deps import Require
from chengxin.access.permissions import ROLE_PERMISSIONS, Permission, Role
from tests.platform import Platform, platform

# Who calls as each role: an API key name or a logged-in username (None: nobody, the public).
CALLERS: dict[Role, str | None] = {
    Role.PUBLIC: None,
    Role.CITIZEN: "alice",
    Role.REQUESTER: "BANK-A",
    Role.DEPARTMENT: "DEPT-M",
    Role.SOURCE: "TAX-BJ",
    Role.REVIEWER: "the.reviewer",
    Role.OPERATOR: "the.operator",
    Role.AUDITOR: "the.auditor",
    Role.NODE: "NODE",
}
LOGGED_IN = {Role.CITIZEN, Role.REVIEWER, Role.OPERATOR, Role.AUDITOR}
# Routes that are not part of the API: the health check, and the public pages (tests/web walks
# them). Any other page must declare its permission like an API route, and is checked.
UNGUARDED = {"/healthz"}
PUBLIC_PAGES = ("/", "/public/lists", "/public/cases", "/knowledge", "/tipoffs/")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with platform(tmp_path_factory.mktemp("matrix"), "sqlite") as p:
        yield p


def _permission(route: APIRoute) -> Permission | None:
    found = []
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Require):
            found.append(dependant.call.permission)
        stack.extend(dependant.dependencies)
    assert len(set(found)) <= 1, f"{route.path} has more than one permission: {found}"
    return found[0] if found else None


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from _api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def _routes(node: Platform) -> list[tuple[str, str, Permission]]:
    out = []
    for route in _api_routes(node.client.app.routes):  # type: ignore[attr-defined]
        permission = _permission(route)
        public_page = route.path == "/" or route.path.startswith(PUBLIC_PAGES[1:])
        if route.path in UNGUARDED or (permission is None and public_page):
            continue
        assert permission is not None, f"{route.path} is not guarded by allowed(...)"
        for method in sorted(route.methods - {"HEAD"}):
            out.append((method, route.path, permission))
    return out


def test_r3_1_every_api_route_declares_exactly_one_permission(node: Platform) -> None:
    routes = _routes(node)
    assert len(routes) >= 25
    assert {p for _, _, p in routes} <= set(Permission)


def _concrete(path: str) -> str:
    # Any value fits the path's shape; the permission check comes before any lookup.
    return re.sub(r"\{(\w+)\}", lambda m: "0" if m.group(1) == "index" else str(uuid.uuid4()),
                  path)  # fmt: skip


@pytest.mark.parametrize("role", list(Role))
def test_r3_1_each_role_reaches_exactly_the_routes_its_permissions_allow(
    node: Platform, role: Role
) -> None:
    wrong = []
    for method, path, permission in _routes(node):
        answer = node.call(method, _concrete(path), CALLERS[role], json={},
                           follow_redirects=False)  # fmt: skip
        body = answer.json() if answer.headers.get("content-type", "").endswith("json") else {}
        refused_by_table = answer.status_code in {401, 403} and body.get("rule") == permission
        if not path.startswith("/api/"):  # a page: to the log-in form, or the HTML 403 page
            to_login = answer.headers.get("location", "").startswith("/login")
            refused_by_table = (answer.status_code == 303 and to_login) or (
                answer.status_code == 403 and "text/html" in answer.headers["content-type"]
            )
        if refused_by_table == (permission in ROLE_PERMISSIONS[role]):
            wrong.append(f"{method} {path}: {answer.status_code} {body.get('rule')}")
        if not refused_by_table:
            assert answer.status_code < 500, f"{method} {path} as {role}: {answer.text}"
        if path in {"/api/v1/auth/logout", "/logout"} and role in LOGGED_IN:
            node.login(str(CALLERS[role]))  # the walk just ended this session
    assert wrong == [], f"{role}: {wrong}"
    assert node.call("GET", "/api/v1/me", CALLERS[role]).json()["role"] == role
