"""The expiry job (R-4.2) and the overdue-deadline job: idempotent, safe with two workers at once,
and what they change is what third parties stop seeing."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.schema import Catalog
from chengxin.disputes.deadlines import case_queue, flag_overdue
from chengxin.keys import KeyRing
from chengxin.notifications.models import Notification
from chengxin.records.expiry import expire_records
from chengxin.records.models import Record, RecordVersion
from chengxin.workdays.loader import load_calendar
from tests.collection.conftest import Node, penalty_row
from tests.platform import ALICE, platform
from tests.support import fresh_cli_node, run

LATER = dt.datetime(2027, 6, 1, 2, 0, tzinfo=dt.UTC)  # after the 12-month maximum of 2026-05-10


def test_r4_2_expiry_is_idempotent_and_two_workers_expire_each_record_once(
    committing_sessions: sessionmaker[Session], keys: KeyRing, catalog: Catalog,
    penalties: object,
) -> None:  # fmt: skip
    node = Node(committing_sessions, keys, catalog)
    rows = [penalty_row(n) for n in range(40)]
    node.ingest(penalties(rows))  # type: ignore[operator]
    calendar = load_calendar()
    assert expire_records(committing_sessions, calendar, node.now).expired == 0  # none due yet
    reports = []

    def work() -> None:
        reports.append(expire_records(committing_sessions, calendar, LATER))

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert sum(r.expired for r in reports) == 40
    with committing_sessions() as session:
        assert set(session.scalars(select(Record.status))) == {"expired"}
        expired_versions = session.scalar(
            select(func.count()).where(RecordVersion.change == "expired")
        )
        assert expired_versions == 40  # one each, never two
    again = expire_records(committing_sessions, calendar, LATER)
    assert (again.expired, again.skipped) == (0, 0)


def test_r4_2_expired_records_leave_third_party_answers_but_stay_with_the_person(
    tmp_path: Path,
) -> None:
    with platform(tmp_path, "sqlite") as node:
        consent = node.grant(node.subject(ALICE), levels=["public", "authorised"])
        node.clock.now = LATER
        node.login("alice")
        done = expire_records(node.rt.sessions, node.rt.workdays, node.clock())
        assert done.expired == 3  # Alice's two and Bob's one
        bank = node.call("POST", "/api/v1/queries", "BANK-A", json={
            "id_number": ALICE, "purpose": "loan_approval", "consent_id": consent})  # fmt: skip
        assert bank.status_code == 200, bank.text
        assert bank.json()["records"] == []
        mine = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
        assert {(r["item"], r["status"], r["displayed"]) for r in mine} == {
            ("PENALTY-TAX", "expired", False), ("PENALTY-TRAFFIC", "expired", False)}  # fmt: skip


def test_r4_2_the_jobs_command_runs_a_job_and_refuses_an_unknown_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    assert run(capsys, "jobs", "run", "expiry") == (
        0, "expiry: expired 0 records (0 already done by another worker)\n", "")  # fmt: skip
    assert run(capsys, "jobs", "run", "deadlines")[1] == "deadlines: flagged 0 overdue steps\n"
    code, _out, err = run(capsys, "jobs", "run", "everything")
    assert (code, err.split(":")[:2]) == (2, ["error", " name"])


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_r4_1_overdue_steps_are_flagged_once_and_reviewers_told(
    tmp_path: Path, database: str
) -> None:
    with platform(tmp_path, database) as node:
        records = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
        filed = node.call("POST", "/api/v1/me/objections", "alice", data={
            "record_id": records[0]["record_id"], "reason": "金额有误，请核查"})  # fmt: skip
        assert filed.status_code == 201
        keys, sessions = node.rt.keys, node.rt.sessions
        assert flag_overdue(sessions, keys, node.clock()) == 0  # due 2026-11-30
        node.clock.now = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
        with sessions() as session:
            [row] = case_queue(session, dt.date(2026, 12, 2))
            assert row.overdue
        assert flag_overdue(sessions, keys, node.clock()) == 1
        assert flag_overdue(sessions, keys, node.clock()) == 0  # flagged once
        with sessions() as session:
            told = session.scalars(
                select(Notification.topic).where(Notification.account_id.is_not(None))
            ).all()
        assert told == ["objection.overdue"]  # the one reviewer account
        node.login("the.reviewer")
        inbox = node.call("GET", "/api/v1/staff/notifications", "the.reviewer").json()
        assert [n["topic"] for n in inbox] == ["objection.overdue"]
        assert node.call("GET", "/api/v1/staff/notifications", "BANK-A").status_code == 403
