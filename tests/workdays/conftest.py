"""Shared pieces of the working-day tests: the shipped calendar and operator holiday folders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chengxin.workdays.loader import load_calendar
from chengxin.workdays.rules import Calendar

# An operator's file for 2027 (made up for the tests: not the official schedule).
YEAR_2027 = """\
kind: holiday_calendar
year: 2027
source: "国务院办公厅关于2027年部分节假日安排的通知（测试用，虚构）"
holidays:
  - {name: 元旦, date: 2027-01-01}
  - {name: 春节, from: 2027-02-06, to: 2027-02-12}
working_days:
  - 2027-02-20
"""

# The official 2026 schedule plus a made-up holiday on Monday 2026-03-02.
YEAR_2026_EXTRA = """\
kind: holiday_calendar
year: 2026
source: "国办发明电〔2025〕7号, plus a local day off (test)"
holidays:
  - {name: 元旦, from: 2026-01-01, to: 2026-01-03}
  - {name: 春节, from: 2026-02-15, to: 2026-02-23}
  - {name: 虚构假日, date: 2026-03-02}
  - {name: 清明节, from: 2026-04-04, to: 2026-04-06}
  - {name: 劳动节, from: 2026-05-01, to: 2026-05-05}
  - {name: 端午节, from: 2026-06-19, to: 2026-06-21}
  - {name: 中秋节, from: 2026-09-25, to: 2026-09-27}
  - {name: 国庆节, from: 2026-10-01, to: 2026-10-07}
working_days: [2026-01-04, 2026-02-14, 2026-02-28, 2026-05-09, 2026-09-20, 2026-10-10]
"""


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture(scope="session")
def calendar() -> Calendar:
    """chinese-calendar plus the shipped files, no operator folder."""
    return load_calendar(None)


@pytest.fixture
def holidays_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "holidays"
    folder.mkdir()
    return folder
