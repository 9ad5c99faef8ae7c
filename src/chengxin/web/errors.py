"""Error pages: a refusal on a page path is an HTML page in the visitor's language; everywhere
else the API's problem+json handlers answer as before (they are wrapped, not replaced)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from chengxin.db import DatabaseTrouble, database_trouble
from chengxin.errors import ChengxinError, TooManyRequests, Unauthenticated
from chengxin.problems import RETRY_AFTER_SECONDS
from chengxin.web.i18n import N_
from chengxin.web.pages import page_lang, render

# Paths of the pages (the rest is the API, /healthz and the API's description).
PAGE_PREFIXES = (
    "/public", "/knowledge", "/tipoffs", "/verify",
    "/login", "/logout", "/signup", "/me", "/console",
)  # fmt: skip
Handler = Callable[[Request, Any], Response | Awaitable[Response]]
TITLES = {
    403: N_("You may not use this page"),
    404: N_("Page not found"),
    405: N_("This page cannot be used this way"),
    422: N_("The request has a value this page cannot use"),
    429: N_("Too many requests"),
    503: N_("The platform cannot answer just now: please try again in a moment"),
    507: N_("The platform cannot store anything more just now: please try again later"),
}


def is_page(path: str) -> bool:
    return path == "/" or any(path == p or path.startswith(f"{p}/") for p in PAGE_PREFIXES)


def _status_and_fields(exc: Exception) -> tuple[int, list[str]]:
    if isinstance(exc, RequestValidationError):
        # Field names only: the values (and pydantic's English text) are not echoed.
        fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        return 422, fields
    if isinstance(exc, ChengxinError):
        return exc.status, [exc.field] if exc.field and exc.status == 422 else []
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, []
    trouble = database_trouble(exc)  # a lost database or a full disk (docs/operations.md)
    if trouble is not None:
        return (507 if trouble is DatabaseTrouble.STORAGE_FULL else 503), []
    return 500, []


def _page_or(api_handler: Handler) -> Handler:
    async def handle(request: Request, exc: Any) -> Response:
        if not is_page(request.url.path):
            answer = api_handler(request, exc)
            return await answer if isawaitable(answer) else answer
        if isinstance(exc, Unauthenticated):  # nobody logged in (or the session ended)
            target = request.url.path if request.method == "GET" else ""
            query = f"?{urlencode({'next': target})}" if target else ""
            return RedirectResponse(f"/login{query}", status_code=303)
        status, fields = _status_and_fields(exc)
        if status in {503, 507} and not hasattr(request.state, "viewer"):
            request.state.viewer = None  # who is looking would be read from the database
        response = render(
            request, page_lang(request), "error.html", status=status,
            title=TITLES.get(status, N_("The request could not be answered")), fields=fields,
            retry_after=exc.retry_after if isinstance(exc, TooManyRequests) else None,
        )  # fmt: skip
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        elif status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    return handle


def install(app: FastAPI) -> None:
    """Wrap the problem+json handlers (call after `problems.install`)."""
    kinds = (ChengxinError, RequestValidationError, StarletteHTTPException, DBAPIError, PoolTimeout)
    for kind in kinds:
        app.add_exception_handler(kind, _page_or(app.exception_handlers[kind]))
