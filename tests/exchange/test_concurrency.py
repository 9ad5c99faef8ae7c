"""R-5.5: two push jobs at once (two workers, or `serve` and a cron run) queue every record once,
with one share each, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from chengxin.exchange.jobs import PushRun, queue_all
from chengxin.exchange.models import NationalPush
from chengxin.records.models import RecordShare
from tests.conftest import NOW
from tests.exchange.conftest import Node, evasion, loan_default


def test_r5_5_two_concurrent_runs_queue_each_record_once(committed_node: Node) -> None:
    """R-5.5: both workers read the same candidates in small chunks; the unique record id
    decides, the loser counts the record as raced, and nothing is queued or shared twice."""
    node = committed_node
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(n) for n in range(1, 41)])
    node.send("PBOC-CRC", "STUDENT-LOAN-DEFAULT", [loan_default(n, 60 + n) for n in range(1, 41)])
    expected = 40 + sum(1 for n in range(1, 41) if 60 + n >= 90)
    start = threading.Barrier(2)

    def worker() -> PushRun:
        start.wait()
        return queue_all(node.sessions, node.criteria, NOW, chunk=7)

    with ThreadPoolExecutor(2) as pool:
        runs = [f.result() for f in [pool.submit(worker), pool.submit(worker)]]
    assert sum(r.queued for r in runs) == expected
    assert all(r.queued + r.raced <= expected for r in runs)
    with node.sessions() as session:
        pushes = session.scalar(select(func.count()).select_from(NationalPush))
        distinct = session.scalar(select(func.count(func.distinct(NationalPush.record_id))))
        shares = session.scalar(select(func.count()).select_from(RecordShare))
    assert pushes == distinct == shares == expected
    again = queue_all(node.sessions, node.criteria, NOW)
    assert (again.queued, again.raced) == (0, 0)
