"""`chengxin serve --workers N`: several server processes behind one port, each with its own
database pool, the periodic jobs once in the supervisor; a scrape of `/metrics` at any worker
counts every worker's requests; a killed worker is replaced while the others go on serving."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.exchange.test_peers_processes import Served, serving
from tests.support import run

TOKEN = "metrics-token-for-tests-0123456789"
HEALTH = ("chengxin_http_request_duration_seconds_count",
          frozenset({"method": "GET", "route": "/healthz", "status": "2xx"}.items()))  # fmt: skip


def workers_of(pid: int) -> set[int]:
    """The supervisor's children but multiprocessing's resource tracker (it serves nothing)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(c) for c in children
            if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()}  # fmt: skip


def until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def health(url: str) -> int:
    """A new connection each time (a kept-alive one would stay with one worker)."""
    return httpx2.get(url + "/healthz", timeout=10).status_code


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = httpx2.get(url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.text)
            for s in family.samples}  # fmt: skip


@pytest.mark.slow
def test_workers_share_a_port_and_their_figures_and_a_killed_one_is_replaced(
    tmp_path: Path,
) -> None:
    node = Served(tmp_path, "110000")
    node.env["CHENGXIN_METRICS_TOKEN"] = TOKEN
    stale = tmp_path / "CN-110000" / "metrics-workers" / "counter_1.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"from an earlier start")  # emptied at start: it would count twice
    node.cli("init")
    node.cli("db", "upgrade")
    with serving(node, "--workers", "2") as supervisor:
        until(lambda: len(workers_of(supervisor.pid)) == 2)
        before = scrape(node.url).get(HEALTH, 0)
        assert [health(node.url) for _ in range(20)] == [200] * 20
        counted = {scrape(node.url)[HEALTH] - before for _ in range(6)}
        assert counted == {20}  # whichever worker answered the scrape
        assert not stale.exists()

        victim = min(workers_of(supervisor.pid))
        os.kill(victim, signal.SIGKILL)
        assert health(node.url) == 200  # the other worker answers meanwhile
        until(lambda: len(workers_of(supervisor.pid) - {victim}) == 2)
        assert [health(node.url) for _ in range(10)] == [200] * 10
        assert supervisor.poll() is None


@pytest.mark.parametrize("workers", ["0", "65", "two", "-1"])
def test_a_bad_worker_count_is_refused_naming_the_option(
    workers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before anything starts: the answer names --workers and its range."""
    code, _, err = run(capsys, "serve", "--workers", workers)
    assert code == 2
    assert "--workers" in err
