"""The one place permissions are enforced (R-3.1): `allowed(Permission.X)` on every route.

It finds the caller — a peer node's signed request (`X-Chengxin-Node`, `exchange/peer_auth.py`),
else an API key (`Authorization: Bearer …` or `X-API-Key`), else a session cookie, else the
public — checks the role table, the rate limit, CSRF on session writes and the
requester blacklist, and hands the route a `Principal`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.access import accounts
from chengxin.access.models import ApiKey, KeyOwner
from chengxin.access.permissions import Permission, Role
from chengxin.access.principal import PUBLIC, Principal
from chengxin.access.ratelimit import RateLimiter
from chengxin.access.service import key_of
from chengxin.errors import Forbidden, TooManyRequests, Unauthenticated
from chengxin.exchange.peer_auth import (
    authenticate_peer,
    is_node_request,
    node_principal,
    request_target,
)
from chengxin.queries.service import register_blacklisted_attempt
from chengxin.requesters.models import Requester, RequesterKind
from chengxin.runtime import Runtime

SESSION_COOKIE = "chengxin_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Logging in and signing up start a new session: an old cookie (ended, or without its CSRF
# token) must not stand in the way.
FRESH_SESSION_PATHS = frozenset({"/api/v1/auth/login", "/api/v1/auth/signup", "/login", "/signup"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CSRF_FIELD = "csrf_token"  # a page's form carries the token in this field (pages only)


def session_cookie_name(secure: bool) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless Secure, host-only and path /.
    return f"__Host-{SESSION_COOKIE}" if secure else SESSION_COOKIE


def set_session_cookie(response: Response, runtime: Runtime, token: str) -> None:
    """The session cookie of a log-in, the same for the API and the pages."""
    secure = runtime.settings.cookie_secure
    response.set_cookie(
        session_cookie_name(secure), token, max_age=runtime.settings.session_hours * 3600,
        path="/", secure=secure, httponly=True, samesite="strict",
    )  # fmt: skip


def clear_session_cookie(response: Response, runtime: Runtime) -> None:
    secure = runtime.settings.cookie_secure
    response.delete_cookie(session_cookie_name(secure), path="/", secure=secure, httponly=True)


def _token(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return request.headers.get("x-api-key")


def _key_principal(session: Session, key: ApiKey) -> Principal:
    actor = f"key:{key.prefix}"
    if key.owner_kind == KeyOwner.SOURCE:
        return Principal(role=Role.SOURCE, actor=actor, source_id=key.owner_id)
    if key.owner_kind == KeyOwner.NODE:
        return Principal(role=Role.NODE, actor=actor)
    kind = session.get_one(Requester, key.owner_id).kind
    role = Role.DEPARTMENT if kind == RequesterKind.GOVERNMENT_DEPARTMENT else Role.REQUESTER
    return Principal(role=role, actor=actor, requester_id=key.owner_id)


async def form_csrf_token(request: Request) -> str | None:
    """The CSRF token a page's form sends in its `csrf_token` field: only for form bodies outside
    /api/ (the API keeps the header), and only when no header was sent. The form is parsed once:
    Starlette keeps it for the route."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if (
        request.method in SAFE_METHODS
        or request.url.path.startswith("/api/")
        or content_type not in FORM_TYPES
        or request.headers.get("x-csrf-token")
    ):
        return None
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else None


async def node_request_body(request: Request) -> bytes | None:
    """A peer node's request body, read here because its signature covers the body's digest
    (Starlette keeps it for the route)."""
    return await request.body() if is_node_request(request.scope["headers"]) else None


def resolve_principal(
    request: Request, form_csrf: str | None = None, node_body: bytes | None = None
) -> Principal:
    runtime: Runtime = request.app.state.runtime
    if is_node_request(request.scope["headers"]):  # the signature alone decides, nothing else
        code = authenticate_peer(
            runtime.sessions, runtime.clock(), own_code=runtime.settings.resolved_node_code,
            method=request.method, target=request_target(request.scope),
            headers=request.headers.items(), body=node_body or b"",
        )  # fmt: skip
        return node_principal(code)
    token = _token(request)
    if token:
        with runtime.reads() as session:  # one session: the key and its owner
            return _key_principal(session, key_of(session, token))
    cookie = request.cookies.get(session_cookie_name(runtime.settings.cookie_secure))
    if cookie and request.url.path not in FRESH_SESSION_PATHS:
        with runtime.reads() as session:
            principal = accounts.session_principal(
                session, runtime.clock(), cookie, request.headers.get("x-csrf-token") or form_csrf,
                unsafe=request.method not in SAFE_METHODS,
            )  # fmt: skip
        if principal is None:
            raise Unauthenticated("the session has ended; log in again", field="session")
        return principal
    return PUBLIC


def _limit_key(request: Request, principal: Principal) -> str:
    if principal.role == Role.PUBLIC:
        return f"client:{request.client.host if request.client else '-'}"
    return principal.actor


class Require:
    """A route dependency for one permission. The role × route test reads `permission`."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(
        self,
        request: Request,
        form_csrf: Annotated[str | None, Depends(form_csrf_token)],
        node_body: Annotated[bytes | None, Depends(node_request_body)],
    ) -> Principal:
        runtime: Runtime = request.app.state.runtime
        principal = resolve_principal(request, form_csrf, node_body)
        limiter: RateLimiter = request.app.state.rate_limiter
        wait = limiter.hit(_limit_key(request, principal))
        if wait is not None:
            raise TooManyRequests(
                f"more than {limiter.per_minute} requests a minute", retry_after=wait,
                field="rate", rule="rate-limit",
            )  # fmt: skip
        if principal.requester_id is not None:
            _refuse_blacklisted(runtime, principal)
        if not principal.can(self.permission):
            if principal.role == Role.PUBLIC:
                raise Unauthenticated(
                    "log in or send an API key", field="credentials", rule=self.permission
                )
            raise Forbidden(
                f"the {principal.role} role does not have {self.permission}",
                field="role", rule=self.permission,
            )  # fmt: skip
        return principal


def _refuse_blacklisted(runtime: Runtime, principal: Principal) -> None:
    """A blacklisted requester (违规经营黑名单) is refused everything; every try is registered."""
    with runtime.reads() as session:  # a plain read: no write lock for every request
        listed = session.scalar(
            select(Requester.blacklisted_at).where(Requester.id == principal.requester_id)
        )
    if listed is None:
        return
    with runtime.sessions() as session, session.begin():
        register_blacklisted_attempt(session, runtime.clock(), principal=principal)
    raise Forbidden(
        "this requester is on the violation blacklist (违规经营黑名单)",
        field="requester", rule="blacklisted",
    )  # fmt: skip


def allowed(permission: Permission) -> Any:
    """`principal: Annotated[Principal, allowed(Permission.X)]` in a route's parameters."""
    return Depends(Require(permission))


def source_of(principal: Principal) -> uuid.UUID:
    if principal.source_id is None:
        raise Forbidden("only a source's API key can do this", field="api_key", rule="source-key")
    return principal.source_id


def own_subject(principal: Principal, what: str) -> uuid.UUID:
    """The person a citizen's account is bound to; `what` names what only they have."""
    if principal.subject_id is None:
        raise Forbidden(
            f"only a citizen bound to a person has {what}", field="subject", rule="own-subject"
        )
    return principal.subject_id


def _current_source(
    principal: Annotated[Principal, allowed(Permission.OWN_RECORDS_WRITE)],
) -> uuid.UUID:
    return source_of(principal)


def _quality_source(
    principal: Annotated[Principal, allowed(Permission.OWN_QUALITY_READ)],
) -> uuid.UUID:
    return source_of(principal)


CurrentSource = Annotated[uuid.UUID, Depends(_current_source)]
QualitySource = Annotated[uuid.UUID, Depends(_quality_source)]
