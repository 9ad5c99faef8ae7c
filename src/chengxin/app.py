"""The FastAPI application factory: routers, problem+json errors, request ids, request logs."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chengxin import __version__, problems
from chengxin.access.api import router as access_router
from chengxin.access.ratelimit import RateLimiter
from chengxin.catalog.api import router as catalog_router
from chengxin.collection.api import router as collection_router
from chengxin.collection.quality_api import router as quality_router
from chengxin.commitments.api import router as commitments_router
from chengxin.consents.api import router as consents_router
from chengxin.disputes import api as disputes_api
from chengxin.disputes.staff_api import router as disputes_staff_router
from chengxin.exchange import api as exchange_api
from chengxin.exchange import query_api as exchange_query_api
from chengxin.exchange.peer_auth import SignedAnswers
from chengxin.exchange.signing import PACKAGES_PATH
from chengxin.ledger.api import router as ledger_router
from chengxin.ledger.checkpointer import Checkpointer
from chengxin.lists.api import router as lists_router
from chengxin.logs import request_id
from chengxin.measures.api import router as checks_router
from chengxin.measures.catalog_api import router as measures_catalog_router
from chengxin.metrics import api as metrics_api
from chengxin.metrics.http import RequestMetrics, route_label
from chengxin.notifications.api import router as notifications_router
from chengxin.notifications.delivery import DeliveryThread
from chengxin.problems import internal_error, problem_response
from chengxin.queries.api import router as queries_router
from chengxin.reports.api import router as reports_router
from chengxin.requesters.api import router as requesters_router
from chengxin.runtime import Runtime
from chengxin.scoring.api import router as score_router
from chengxin.tipoffs import api as tipoffs_api
from chengxin.web import portal_filing, tipoff_pages
from chengxin.web.site import install as install_pages

log = logging.getLogger("chengxin.http")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContext:
    """Gives every request an id (a caller's safe X-Request-ID or a new one), echoes it, and logs
    one line per request with method, route path, status and duration (no query string: it may
    hold personal data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = dict(scope)  # the router adds the route it chose to `scope`
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error("unhandled %s", type(exc).__name__)
            if started_response:
                raise
            await internal_error(scope["path"])(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    # The route's template, never the path asked for: a mistyped one may hold
                    # an ID number.
                    "path": route_label(scope, asked),
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id.reset(token)


class FollowRules:
    """Before a request, at most every few seconds: has another process of the node reloaded
    the catalog and measures? Then this one loads them too (`Runtime.follow_rules`), in a
    worker thread, since it reads the database and the folders."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.runtime.follow_due():
            await run_in_threadpool(self.runtime.follow_rules)
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuses request bodies over the limit with 413, before they fill memory or disk: at once
    when Content-Length says so, else as soon as the streamed body passes the limit. Uploads
    (`limits`, by exact path) may be as large as given there; every other body `other_bytes`."""

    def __init__(self, app: ASGIApp, limits: dict[str, int], other_bytes: int) -> None:
        self.app = app
        self.limits = limits
        self.other_bytes = other_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.other_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counting, send)
        except _BodyTooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413, "Too large", "too-large", f"body: must be at most {limit} bytes",
            scope["path"], field="body", rule="max-bytes",
        )  # fmt: skip
        await response(scope, receive, send)


class _BodyTooLarge(BaseException):
    """Not an Exception: FastAPI's body parsing turns any Exception raised while it reads the
    body into a 400, and this one must reach BodyLimit to become the 413."""


def create_app(runtime: Runtime, *, background: bool = True) -> FastAPI:
    """The web pages and the API. With `background`, the app also signs ledger checkpoints and
    sends e-mails in threads of its own; workers of `serve --workers N` leave that to their
    supervisor, so that N workers do not sign N checkpoints."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        threads = (Checkpointer(runtime), DeliveryThread(runtime)) if background else ()
        for thread in threads:
            thread.start()
        yield
        for thread in reversed(threads):
            thread.stop()
        runtime.close()

    app = FastAPI(
        title="chengxin 诚信",
        version=__version__,
        description="Personal public credit information platform — 个人公共信用信息平台",
        lifespan=lifespan,
    )
    # Fail at start-up, not at the first request, when keys, catalog or measures are unusable
    # (loaded once, kept by the runtime, which a reload replaces: FollowRules).
    runtime.note_reloads()
    _ = (runtime.keys, runtime.catalog, runtime.measures)
    app.state.runtime = runtime
    app.state.rate_limiter = RateLimiter(runtime.settings.rate_limit_per_minute)
    problems.install(app)

    @app.get("/healthz", tags=["ops"], responses={503: {"description": "database unreachable"}})
    def healthz() -> JSONResponse:
        try:
            with runtime.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            log.warning("health check: database unreachable")
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "version": __version__, "database": "ok"})

    metrics = metrics_api.Metrics(runtime)  # GET /metrics: bearer token, not in the schema
    app.add_route(metrics_api.PATH, metrics.endpoint, methods=["GET"], include_in_schema=False)
    app.include_router(access_router)
    app.include_router(queries_router)
    app.include_router(ledger_router)
    app.include_router(catalog_router)
    app.include_router(collection_router)
    app.include_router(quality_router)
    app.include_router(requesters_router)
    app.include_router(consents_router)
    app.include_router(disputes_api.router)
    app.include_router(disputes_staff_router)
    app.include_router(lists_router)
    app.include_router(reports_router)
    install_pages(app)  # the pages: landing, public site, static files, HTML error pages
    app.include_router(notifications_router)
    app.include_router(score_router)
    app.include_router(measures_catalog_router)
    app.include_router(commitments_router)
    app.include_router(checks_router)
    app.include_router(tipoffs_api.router)
    app.include_router(exchange_api.router)
    app.include_router(exchange_query_api.router)
    # Multipart framing and form fields need a little room beyond the largest file.
    app.add_middleware(
        BodyLimit,
        limits={
            "/api/v1/batches": runtime.settings.max_upload_bytes + 1024 * 1024,
            **dict.fromkeys(disputes_api.UPLOAD_PATHS, disputes_api.UPLOAD_LIMIT),
            **tipoffs_api.UPLOADS,
            **tipoff_pages.UPLOADS,
            **portal_filing.UPLOADS,
            PACKAGES_PATH: runtime.settings.max_package_bytes,
        },
        other_bytes=1024 * 1024,
    )
    # Outside the body limit, so that a peer's refused request gets a signed answer too.
    app.add_middleware(SignedAnswers, runtime=runtime)
    app.add_middleware(FollowRules, runtime=runtime)  # inside RequestContext: its errors logged
    app.add_middleware(RequestContext)
    app.add_middleware(RequestMetrics, histogram=metrics.latency)  # outermost: times it all
    return app
