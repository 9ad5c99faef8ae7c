"""`chengxin serve --workers N`: several server processes behind one port, each with its own
database pool, the periodic jobs once in the supervisor; a killed worker is replaced while the
others go on serving."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest

from tests.exchange.test_peers_processes import Served, serving


def workers_of(pid: int) -> set[int]:
    """The supervisor's children but multiprocessing's resource tracker (it serves nothing)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(c) for c in children
            if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()}  # fmt: skip


def until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def health(url: str) -> int:
    """A new connection each time (a kept-alive one would stay with one worker)."""
    return httpx2.get(url + "/healthz", timeout=5).status_code


@pytest.mark.slow
def test_two_workers_serve_one_port_and_a_killed_one_is_replaced(tmp_path: Path) -> None:
    node = Served(tmp_path, "110000")
    node.cli("init")
    node.cli("db", "upgrade")
    with serving(node, "--workers", "2") as supervisor:
        until(lambda: len(workers_of(supervisor.pid)) == 2)
        assert [health(node.url) for _ in range(20)] == [200] * 20
        victim = min(workers_of(supervisor.pid))
        os.kill(victim, signal.SIGKILL)
        assert health(node.url) == 200  # the other worker answers meanwhile
        until(lambda: len(workers_of(supervisor.pid) - {victim}) == 2)
        assert [health(node.url) for _ in range(10)] == [200] * 10
        assert supervisor.poll() is None
