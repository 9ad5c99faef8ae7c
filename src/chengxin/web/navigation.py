"""Which pages a viewer may open, read from the routes themselves: the permission each page's
`allowed(...)` declares. Navigation shows only those, so no role is shown a link it would be
refused (the crawler test checks it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from chengxin.access.deps import Require
from chengxin.access.permissions import Permission, Role, allows


def _permission(route: APIRoute) -> Permission | None:
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Require):
            return dependant.call.permission
        stack.extend(dependant.dependencies)
    return None


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)  # an included router, kept whole
        if included is not None:
            yield from _routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def page_permissions(app: FastAPI) -> dict[str, Permission | None]:
    """GET page path → the permission it needs (None: public), computed once per app."""
    known: dict[str, Permission | None] | None = getattr(app.state, "page_permissions", None)
    if known is None:
        known = {
            route.path: _permission(route) for route in _routes(app.routes)
            if "GET" in (route.methods or set())
            and not route.path.startswith("/api/")
        }  # fmt: skip
        app.state.page_permissions = known
    return known


def may_open(app: FastAPI, role: Role, path: str) -> bool:
    """Whether `role` may open the page at `path` (a path without parameters)."""
    permission = page_permissions(app).get(path)
    return permission is None or allows(role, permission)
