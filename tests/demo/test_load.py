"""The demo fills a node through the real paths: every synthetic record is accepted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.loader import load_catalog
from chengxin.collection.models import Batch, Source
from chengxin.demo.access import load_access_demo
from chengxin.demo.cases import load_cases_demo
from chengxin.demo.measures import load_checks_demo
from chengxin.demo.service import load_demo
from chengxin.keys import KeyRing
from chengxin.ledger.service import latest_checkpoint
from chengxin.ledger.service import size as ledger_size
from chengxin.ledger.verify import verify_ledger
from chengxin.lists.types import shipped_types
from chengxin.measures.loader import load_measures
from chengxin.measures.models import Check, CheckFeedback, CheckResult
from chengxin.queries.register import list_register
from chengxin.queries.rules import Outcome
from chengxin.records.models import Record
from chengxin.typicalcases.models import TypicalCase
from chengxin.typicalcases.service import published_cases


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


def test_r3_2_the_demo_registers_three_queries_one_refused_and_signs_a_checkpoint(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    catalog = load_catalog()
    load_demo(sessions, keys, catalog, now, people=100, seed=5)
    result = load_access_demo(sessions, keys, catalog, now, people=100, seed=5, origin="t/demo")
    assert (result.requesters, result.queries) == (3, 3)
    with sessions() as session:
        rows = {q.actor: q for q, _code in list_register(session)}
        assert rows["demo:DEMO-BANK"].outcome == Outcome.ANSWERED
        assert rows["demo:DEMO-BANK"].record_count > 0
        assert rows["demo:DEMO-HR"].refusal == "consent-required"
        assert rows["demo:DEMO-MARKET"].legal_basis
        checkpoint = latest_checkpoint(session)
        assert checkpoint is not None
        assert checkpoint.tree_size == ledger_size(session)
        assert verify_ledger(session, keys, origin="t/demo").ok


def test_r6_4_the_demo_department_checks_two_people_and_gives_feedback(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    catalog = load_catalog()
    load_demo(sessions, keys, catalog, now, people=100, seed=5)
    load_access_demo(sessions, keys, catalog, now, people=100, seed=5, origin="t/demo")
    measures = load_measures(catalog, shipped_types())
    assert load_checks_demo(sessions, keys, catalog, measures, now) == 2
    with sessions() as session:
        effects = {
            check.id: sorted(session.scalars(
                select(CheckResult.effect).where(CheckResult.check_id == check.id)))
            for check in session.scalars(select(Check))
        }  # fmt: skip
        assert sorted(effects.values()) == [
            ["documents_to_follow", "green_channel"], ["heightened_scrutiny"]]  # fmt: skip
        given = session.scalars(select(CheckFeedback.check_id)).all()
        assert sorted(given) == sorted(effects)  # one feedback for each check
        channels = [q.channel for q, _code in list_register(session)]
        assert channels.count("check") == 2


def test_r7_1_the_demo_publishes_one_consented_typical_case_and_asks_for_another(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    load_demo(sessions, keys, load_catalog(), now, people=60, seed=5)
    assert load_cases_demo(sessions, keys, now) == 2
    assert load_cases_demo(sessions, keys, now) == 0  # once
    with sessions() as session:
        states = sorted(str(s) for s in session.scalars(select(TypicalCase.state)))
        shown, total = published_cases(session, now.date(), kind=None, page=1)
    assert states == ["asked", "published"]
    assert total == 1
    assert shown[0].consent_ledger_index is not None
