"""RFC 9457 problem details for every error the API gives."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chengxin.errors import ChengxinError, TooManyRequests
from chengxin.logs import request_id

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://chengxin.invalid/problems/"  # stable identifiers, documented in docs/api.md
log = logging.getLogger("chengxin.api")


def problem(
    status: int, title: str, slug: str, detail: str, request: Request, **extra: Any
) -> JSONResponse:
    return problem_response(status, title, slug, detail, request.url.path, **extra)


def problem_response(
    status: int, title: str, slug: str, detail: str, path: str, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
    }
    rid = request_id.get()
    if rid:
        body["request_id"] = rid
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_of(loc: tuple[Any, ...]) -> str:
    # ("body", "items", 0, "code") → "items[0].code"; the location kind is reported apart.
    out = ""
    for part in loc[1:]:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or str(loc[0])


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ChengxinError)  # noqa: S101  (registered for this class only)
    if exc.status >= 500:
        log.error("domain error %s", type(exc).__name__)
    response = problem(
        exc.status, exc.title, exc.type_slug, str(exc), request, field=exc.field, rule=exc.rule
    )
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    errors = [
        {
            "field": _field_of(tuple(e["loc"])),
            "in": str(e["loc"][0]),
            "rule": e["type"],
            "message": e["msg"],
        }
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": None, "rule": None, "message": "invalid request"}
    return problem(
        422,
        "Invalid input",
        "invalid-input",
        f"{first['field']}: {first['message']}",
        request,
        field=first["field"],
        rule=first["rule"],
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    slug = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(
        exc.status_code, "http"
    )
    return problem(exc.status_code, str(exc.detail), slug, str(exc.detail), request)


def internal_error(path: str) -> JSONResponse:
    """The answer to an unexpected failure. The exception text may hold personal data, so only
    its type is logged and the caller gets the request id to quote."""
    return problem_response(500, "Internal error", "internal", "an internal error occurred", path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ChengxinError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Unexpected exceptions are answered by app.RequestContext, which still knows the request id.
