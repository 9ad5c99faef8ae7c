"""Request latency by method, route template and status class. Labels come from the route that
matched (`/api/v1/objections/{case_id}`), never from the path asked for: a path can carry a
record id, a token or, mistyped, anything at all, and each distinct label value is a new series
kept for as long as the process lives."""

from __future__ import annotations

import time

from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry, Histogram, disable_created_metrics
from starlette.routing import Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route: a 404, or a redirect to the path with(out) a slash
# Seconds: the API answers in milliseconds; uploads and reports may take most of a minute.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def latency_histogram(registry: CollectorRegistry | None) -> Histogram:
    # No `_created` series beside each count: they double the series and nothing here reads
    # them (a setting of the library, for the whole process).
    disable_created_metrics()  # type: ignore[no-untyped-call]
    return Histogram(
        "chengxin_http_request_duration_seconds",
        "Time from a request's arrival to its answer's last byte",
        ["method", "route", "status"],
        registry=registry,
        buckets=BUCKETS,
    )


def route_label(scope: Scope, asked: Scope) -> str:
    """The template of the route that handled the request; `asked` is the scope as it came in.
    FastAPI names its own routes in the scope; a plain Starlette route or mount (the static
    files, the schema, this endpoint) is found again among the app's routes."""
    route = scope.get("route")
    if route is None and "endpoint" in scope:  # something matched, and did not say what
        router = scope.get("router")
        for candidate in getattr(router, "routes", ()):
            plain = isinstance(candidate, Route | Mount) and not isinstance(candidate, APIRoute)
            if plain and candidate.matches(asked)[0] is Match.FULL:
                route = candidate
                break
    template = getattr(route, "path_format", None)
    return template if isinstance(template, str) and template else UNMATCHED


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "5xx"


class RequestMetrics:
    """Times every HTTP request. Added last, so outermost: it sees the 500 that RequestContext
    makes of an unexpected error, and the router's choice of route (the scope is shared)."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        asked: Scope = {k: scope[k] for k in ("type", "path", "root_path", "method") if k in scope}
        status = 500  # unless an answer starts: an error that escaped everything

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            self.histogram.labels(method, route_label(scope, asked), status_class(status)).observe(
                time.perf_counter() - started
            )
