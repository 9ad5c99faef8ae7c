"""The demo fills a node through the real paths: every synthetic record is accepted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.loader import load_catalog
from chengxin.collection.models import Batch, Source
from chengxin.demo.service import load_demo
from chengxin.keys import KeyRing
from chengxin.records.models import Record


def test_demo_records_from_six_sources_are_all_accepted(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    catalog = load_catalog()
    result = load_demo(sessions, keys, catalog, now, people=300, seed=3)
    assert result.records > 50
    with sessions() as session:
        batches = session.scalars(select(Batch)).all()
        assert len(batches) == 6
        assert [b.refused for b in batches] == [0] * 6
        assert session.scalar(select(func.count()).select_from(Source)) == 6
        assert session.scalar(select(func.count()).select_from(Record)) == result.records
        items = set(session.scalars(select(Record.item_code).distinct()))
    assert {"PENALTY-TAX", "JUDICIAL-DISHONEST-DEBTOR", "VOLUNTEER-SERVICE-HOURS"} <= items
    again = load_demo(sessions, keys, catalog, now, people=300, seed=3)
    assert (again.people, again.records) == (0, 0)
