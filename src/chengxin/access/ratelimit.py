"""A per-caller rate limit: a sliding window (one minute unless given) in the serving process's
memory.

Each process counts on its own, so N workers allow up to N times the limit in all; a shared
limiter (e.g. in Redis) is the step for a multi-worker deployment."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
MAX_TRACKED = 100_000  # callers remembered at once; the idlest are forgotten first


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        *,
        window_seconds: float = WINDOW_SECONDS,
    ) -> None:
        self.per_minute = per_minute  # requests per window: per minute unless window_seconds says
        self.window_seconds = window_seconds
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one request; None if allowed, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window_seconds:
                hits.popleft()
            self._hits[key] = hits  # re-inserted: the dict's order is least recently used first
            if len(self._hits) > MAX_TRACKED:
                del self._hits[next(iter(self._hits))]
            if len(hits) >= self.per_minute:
                return max(1, math.ceil(hits[0] + self.window_seconds - now))
            hits.append(now)
            return None
