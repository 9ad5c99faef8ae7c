"""R-5.5: the periodic `push` job reads every candidate on its first run, then only records
updated since its last run (less an hour), and every candidate again once a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from chengxin import migrate
from chengxin.exchange.jobs import run_push
from chengxin.jobs.runner import JOBS, PERIODIC
from chengxin.keys import create_key_file
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.conftest import NOW
from tests.exchange.conftest import Node, evasion
from tests.platform import Clock


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    settings = load_settings({"CHENGXIN_DATA_DIR": str(tmp_path)})
    create_key_file(settings.resolved_key_file, NOW)
    runtime = Runtime(settings, clock=Clock(NOW))
    migrate.upgrade(runtime.engine)
    yield runtime
    runtime.close()


def test_r5_5_push_is_a_periodic_job() -> None:
    assert JOBS["push"] is run_push
    assert "push" in PERIODIC


def test_r5_5_the_job_reads_what_changed_and_everything_once_a_day(
    rt: Runtime, tmp_path: Path
) -> None:
    """R-5.5: a record that a long batch committed after the last run, but stamped more than an
    hour before it, is missed by the quick runs and queued by the next daily full run."""
    clock = rt.clock
    assert isinstance(clock, Clock)
    node = Node(rt.sessions, rt.keys, rt.catalog, tmp_path)
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(1)])
    assert run_push(rt) == ("queued 1 records for the national platform; read 1 "
                            "candidates (all), 0 queued by another worker first")  # fmt: skip

    clock.now = NOW + dt.timedelta(minutes=10)
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(2)])  # stamped NOW
    assert run_push(rt).endswith("read 1 candidates (updated since 2026-11-26 01:00 UTC), "
                                 "0 queued by another worker first")  # fmt: skip
    assert node.record("E2").updated_at == NOW

    clock.now = NOW + dt.timedelta(hours=3)
    late = NOW - dt.timedelta(hours=2)  # a batch that read the clock long before it committed
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(3)], now=late)
    assert run_push(rt).startswith("queued 0 ")
    clock.now = NOW + dt.timedelta(days=1, minutes=1)
    assert run_push(rt).startswith("queued 1 records for the national platform; read 1 "
                                   "candidates (all)")  # fmt: skip
