"""Who is looking at a page, for the layout: the role (navigation changes with it), the username
and the session's CSRF token for the forms (log-out). Read from the session cookie; an ended or
unknown session is the public. It grants nothing: routes are guarded by `allowed(...)`."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from chengxin.access import accounts
from chengxin.access.deps import session_cookie_name
from chengxin.access.permissions import Permission, Role
from chengxin.runtime import Runtime

STAFF_ROLES = frozenset({Role.REVIEWER, Role.OPERATOR, Role.AUDITOR})


@dataclass(frozen=True)
class Viewer:
    role: Role
    username: str
    csrf_token: str

    @property
    def citizen(self) -> bool:
        return self.role == Role.CITIZEN

    @property
    def staff(self) -> bool:
        return self.role in STAFF_ROLES


def home_of(role: Role) -> str:
    """Where a log-in lands without a `next`: the portal, the console or the home page."""
    if role == Role.CITIZEN:
        return "/me"
    return "/console" if role in STAFF_ROLES else "/"


def viewer_of(request: Request) -> Viewer | None:
    if hasattr(request.state, "viewer"):
        found: Viewer | None = request.state.viewer
        return found
    runtime: Runtime = request.app.state.runtime
    token = request.cookies.get(session_cookie_name(runtime.settings.cookie_secure))
    viewer = None
    if token:
        with runtime.reads() as session:
            principal = accounts.session_principal(
                session, runtime.clock(), token, None, unsafe=False
            )
        if principal is not None and principal.can(Permission.SESSIONS_USE):
            username = principal.actor.removeprefix("account:")
            viewer = Viewer(principal.role, username, accounts.csrf_for(runtime.keys, token))
    request.state.viewer = viewer
    return viewer


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site (`/me`, `/console?x=1`), else None: no scheme, no
    host, no `//` or `/\\` that a browser would read as another host, no control characters."""
    if not target or len(target) > 200 or not target.startswith("/"):
        return None
    if target.startswith(("//", "/\\")) or any(c in target for c in "\\\r\n\t") or ":" in target:
        return None
    if not target.isprintable() or target.startswith(("/api/", "/login", "/logout", "/signup")):
        return None
    return target
