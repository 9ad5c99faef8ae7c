"""`chengxin serve --workers 2`: a reload made by `chengxin catalog reload`, a process apart, is
served by every worker within seconds (R-2.1); changed files alone change nothing."""

from __future__ import annotations

import time
from pathlib import Path

import httpx2
import pytest

from chengxin.runtime import FOLLOW_SECONDS
from tests.catalog.support import VALID_ITEM, write
from tests.core.test_serve_workers import until, workers_of
from tests.exchange.test_peers_processes import Served, serving

NEW = "OP-TEST-ITEM"


def served_codes(node: Served) -> set[str]:
    """The items in force, asked on a new connection (a kept-alive one stays with one worker)."""
    answer = httpx2.get(node.url + "/api/v1/catalog/items", timeout=10)
    assert answer.status_code == 200, answer.text
    return {item["code"] for item in answer.json()["items"]}


@pytest.mark.slow
def test_r2_1_every_worker_serves_a_reload_within_seconds(tmp_path: Path) -> None:
    node = Served(tmp_path, "110000")
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    node.env["CHENGXIN_CATALOG_DIR"] = str(catalog)
    node.cli("init")
    node.cli("db", "upgrade")
    with serving(node, "--workers", "2") as supervisor:
        until(lambda: len(workers_of(supervisor.pid)) == 2)
        assert not any(NEW in served_codes(node) for _ in range(10))
        write(catalog, "op.yaml", VALID_ITEM)
        time.sleep(FOLLOW_SECONDS + 1)  # every worker has looked since: no reload to follow
        assert not any(NEW in served_codes(node) for _ in range(10))

        assert node.cli("catalog", "reload").startswith("OK: reload 1 recorded")
        # Each worker looks before a request, at most every FOLLOW_SECONDS; then all serve it.
        until(lambda: all(NEW in served_codes(node) for _ in range(20)), seconds=30)
        assert all(NEW in served_codes(node) for _ in range(20))
