"""Shared helpers for benchmarks: the machine they ran on, and a timer."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def rate(label: str, count: int, work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    per_second = count / seconds
    print(f"{label:<48} {per_second:>12,.0f} /s   ({count:,} in {seconds:.2f} s)")  # noqa: T201
    return per_second


def p50_p99(times: list[float]) -> tuple[float, float]:
    """The median and the 99th percentile (nearest rank) of latencies."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def latencies(count: int, work: Callable[[int], object]) -> list[float]:
    """Milliseconds of `work(0)` … `work(count - 1)`, after one untimed call to warm the caches."""
    work(0)
    times = []
    for n in range(count):
        started = time.perf_counter()
        work(n)
        times.append((time.perf_counter() - started) * 1000)
    return times
