"""`GET /metrics` for Prometheus. Each app has its own registry (request latency, this process,
the database figures), so several apps in one process never share or clash.

Access: the figures are operational, not personal, but they are not for the internet. With
`CHENGXIN_METRICS_TOKEN` unset the route answers 404, as an unknown path does; set, it needs
`Authorization: Bearer <token>` and refuses anything else with 401. It takes no rate limit: a
scraper with the token is the operator's own, and one scrape costs a handful of counts."""

from __future__ import annotations

import hmac
import os

from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from chengxin.metrics.collector import DatabaseCollector
from chengxin.metrics.http import latency_histogram
from chengxin.problems import problem_response
from chengxin.runtime import Runtime

PATH = "/metrics"
# prometheus_client's own variable, read when it is imported: a folder the server processes
# share, emptied before they start.
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.registry = CollectorRegistry()
        shared = os.environ.get(MULTIPROCESS_VARIABLE)
        if shared:
            # Several server processes (`serve --workers N`): the library keeps each process's
            # observations in files of this folder, and a scrape of any worker sums them all.
            self.latency = latency_histogram(None)
            MultiProcessCollector(self.registry, path=shared)  # type: ignore[no-untyped-call]
        else:
            self.latency = latency_histogram(self.registry)
            ProcessCollector(registry=self.registry)  # memory, CPU, open files of this process
            PlatformCollector(registry=self.registry)  # the Python version
        self.registry.register(DatabaseCollector(runtime))

    def endpoint(self, request: Request) -> Response:
        """The scrape: a plain function, run in the thread pool (the figures are read with
        blocking database calls)."""
        token = self.runtime.settings.metrics_token
        if not token:
            raise HTTPException(404)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            refused = problem_response(
                401, "Unauthenticated", "unauthenticated",
                "authorization: send the metrics token as `Authorization: Bearer <token>`",
                request.url.path, field="authorization", rule="metrics-token",
            )  # fmt: skip
            refused.headers["WWW-Authenticate"] = 'Bearer realm="chengxin metrics"'
            return refused
        encoder, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(
            encoder(self.registry),
            media_type=content_type,
            headers={"Cache-Control": "no-store"},
        )
