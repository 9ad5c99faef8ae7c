"""RFC 9457 problem details for every error the API gives."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from chengxin.db import DatabaseTrouble, database_trouble
from chengxin.errors import ChengxinError, InvalidInput, TooManyRequests
from chengxin.logs import request_id

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://chengxin.invalid/problems/"  # stable identifiers, documented in docs/api.md
RETRY_AFTER_SECONDS = 5  # asked of callers while the database is unreachable
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
    slug = {
        400: "bad-request", 404: "not-found", 405: "method-not-allowed", 413: "too-large"
    }.get(exc.status_code, "http")  # fmt: skip
    # The framework's 400s are bodies it cannot parse (JSON that is not UTF-8, broken multipart).
    where = {"field": "body", "rule": "parse"} if exc.status_code == 400 else {}
    response = problem(exc.status_code, str(exc.detail), slug, str(exc.detail), request, **where)
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:  # RFC 9110 §15.5.6: Allow lists every method of the resource
        response.headers["Allow"] = _allowed_methods(request)
    return response


def _allowed_methods(request: Request) -> str:
    """The methods of every route of the request's path (Starlette's 405 names only those of
    the first route, while FastAPI makes a route per method)."""
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        if route.matches(request.scope)[0] is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def _routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        yield from _routes(included.routes) if included is not None else [route]


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A full disk is 507 (repeating will not help until the operator frees space); a lost or
    refused database connection is 503 with Retry-After (the pool reconnects by itself). The
    driver's message may quote the statement's values: only the exception's type is logged."""
    trouble = database_trouble(exc)
    if trouble is DatabaseTrouble.STORAGE_FULL:
        log.error("database storage full: %s", type(exc).__name__)
        return problem(507, "Insufficient storage", trouble.value,
                       "the platform's storage is full; the change was not saved",
                       request)  # fmt: skip
    if trouble is DatabaseTrouble.UNAVAILABLE:
        log.error("database unavailable: %s", type(exc).__name__)
        response = problem(503, "Database unavailable", trouble.value,
                           "the database cannot be reached now; try again shortly",
                           request)  # fmt: skip
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.error("unhandled %s", type(exc).__name__)
    return internal_error(request.url.path)


# The problem body as the OpenAPI document states it: components Problem and ProblemFieldError
# (added by `install`), referenced from every route's documented refusals.
_SCHEMAS = "#/components/schemas/"
PROBLEM_SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "title": "Problem",
        "description": "RFC 9457 problem details; `field` and `rule` name what was refused and why",
        "type": "object",
        "required": ["type", "title", "status", "detail", "instance"],
        "properties": {
            "type": {"type": "string", "description": "stable identifier, see docs/api.md"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string", "description": "the request's path"},
            "request_id": {"type": "string", "description": "quote it when asking about it"},
            "field": {"type": "string"},
            "rule": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": _SCHEMAS + "ProblemFieldError"}},
        },
    },
    "ProblemFieldError": {
        "title": "ProblemFieldError",
        "type": "object",
        "required": ["field", "in", "rule", "message"],
        "properties": {
            "field": {"type": "string"},
            "in": {"type": "string", "description": "body, query, path or header"},
            "rule": {"type": "string"},
            "message": {"type": "string"},
        },
    },
}
_REFUSED = {
    400: "The request cannot be read (problem+json)",
    401: "No credentials, or unknown, revoked or ended ones (problem+json)",
    403: "The caller's role or standing does not allow this (problem+json)",
    404: "Nothing with this identifier is visible to the caller (problem+json)",
    409: "The thing is not in a state that allows this (problem+json)",
    413: "The request body is over the size limit (problem+json)",
    415: "The request body's media type is not accepted (problem+json)",
    422: "Input that breaks a rule: `field` and `rule` say which (problem+json)",
    429: "Over the rate limit; Retry-After says when to try again (problem+json)",
    503: "The database cannot be reached now; Retry-After says when to try again (problem+json)",
    507: "The node's storage is full; nothing was saved (problem+json)",
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


def problem_responses(
    *statuses: int, described: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of routes that may refuse with these statuses (and those `described`,
    with the route's own words), each a problem+json body."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, *(described or {})}):
        text = (described or {}).get(status) or _REFUSED[status]
        out[status] = {
            "description": text,
            "content": {PROBLEM_JSON: {"schema": {"$ref": _SCHEMAS + "Problem"}}},
        }
        if status in {429, 503}:
            out[status]["headers"] = _RETRY_AFTER
    return out


# What every route guarded by `allowed(...)` may answer, whatever it does: 401/403/429 from the
# guard, 413 from the app's body limit, 400/422 from parsing, 503/507 from the database.
GUARDED = problem_responses(400, 401, 403, 413, 422, 429, 503, 507)


NO_CONTROL = "must not contain control characters"  # as chengxin.texts says of free text


async def refuse_nul(request: Request) -> None:
    """Refuses a NUL character (U+0000) in any path, query, JSON or form value, naming where.
    PostgreSQL's text cannot hold one (its driver fails: a 500) while SQLite's can; refused on
    both alike, before anything is read or written. Every API router depends on it (NO_NUL)."""
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if "\x00" in str(value):
            raise InvalidInput(NO_CONTROL, field=name, rule="control")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    found = None
    if media_type == "application/json" and b"\\u0000" in await request.body():
        try:
            found = _nul_in(json.loads(await request.body()), "")
        except ValueError:
            return  # not JSON: the route's own parsing refuses it
    elif media_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        form = await request.form()  # parsed once: Starlette keeps it for the route
        found = next((k for k, v in form.multi_items() if isinstance(v, str) and "\x00" in v),
                     None)  # fmt: skip
    if found is not None:
        raise InvalidInput(NO_CONTROL, field=found or "body", rule="control")


def _nul_in(value: Any, at: str) -> str | None:
    """Where in a JSON value a string (or a key) holds NUL: "items[0].code", "" for the whole."""
    if isinstance(value, str):
        return at if "\x00" in value else None
    if isinstance(value, list):
        inner = (_nul_in(item, f"{at}[{i}]") for i, item in enumerate(value))
    elif isinstance(value, dict):
        inner = (f"{at}.{key}".lstrip(".") if "\x00" in key
                 else _nul_in(item, f"{at}.{key}".lstrip("."))
                 for key, item in value.items())  # fmt: skip
    else:
        return None
    return next((where for where in inner if where is not None), None)


NO_NUL = [Depends(refuse_nul)]  # `dependencies=` of every API router


def internal_error(path: str) -> JSONResponse:
    """The answer to an unexpected failure. The exception text may hold personal data, so only
    its type is logged and the caller gets the request id to quote."""
    return problem_response(500, "Internal error", "internal", "an internal error occurred", path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ChengxinError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    # Unexpected exceptions are answered by app.RequestContext, which still knows the request id.
    _document_problems(app)


def _document_problems(app: FastAPI) -> None:
    """Adds the problem schemas to the OpenAPI document's components, for `problem_responses`."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()  # FastAPI keeps it as app.openapi_schema
        document.setdefault("components", {}).setdefault("schemas", {}).update(PROBLEM_SCHEMAS)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
