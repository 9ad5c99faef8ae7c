"""Issue 10 (scale): the landing page's counts come from the `figures` job, which counts at most
once an hour, so that a visitor never waits for a count of the records table (20–37 s at
65,000,000 records); a node that has never counted counts at the first visit."""

from __future__ import annotations

import datetime as dt
import re

from chengxin.jobs.runner import JOBS
from tests.collection.conftest import penalty_row
from tests.platform import Platform


def _row(node: Platform, label: str) -> str:
    page = node.client.get("/?lang=en")
    assert page.status_code == 200
    found = re.search(f'<th scope="row">{re.escape(label)}</th><td>([^<]*)</td>', page.text)
    assert found, label
    return found.group(1)


def test_the_page_shows_the_stored_figures_until_the_job_counts_again(node: Platform) -> None:
    assert _row(node, "Registered natural persons") == "2"  # counted at the first visit
    assert _row(node, "Records in force") == "3"
    assert _row(node, "Data-providing units") == "1"
    assert _row(node, "Counted at (Beijing time)") == "2026-11-26 10:00"
    node.ingest([penalty_row(5)], "PENALTY-TAX", "more.csv")  # a new person, a new record
    assert _row(node, "Records in force") == "3"  # the stored count, not a new one
    node.clock.now += dt.timedelta(minutes=59)
    assert JOBS["figures"](node.rt) == "the public figures are less than an hour old"
    node.clock.now += dt.timedelta(minutes=1)
    assert JOBS["figures"](node.rt) == (
        "counted 3 persons, 0 organisations, 4 records in force, 1 units")  # fmt: skip
    assert _row(node, "Registered natural persons") == "3"
    assert _row(node, "Records in force") == "4"
    assert _row(node, "Counted at (Beijing time)") == "2026-11-26 11:00"


def test_the_chinese_page_names_the_time_of_the_count(node: Platform) -> None:
    page = node.client.get("/?lang=zh").text
    assert '<th scope="row">统计时间（北京时间）</th><td>2026-11-26 10:00</td>' in page
    assert '<th scope="row">现行信用记录</th><td>3</td>' in page
