"""Issue 10 (scale): a whole node whose records and record_versions are hash partitions by
subject key works as one with single tables: rows spread over the partitions, a re-sent file is
recognised row by row, corrections, the expiry job (R-4.2), the score (R-5.4), a ledger that
verifies (R-3.3), and a backup that restores with its layout. Queries, reports, checks, objections
and repairs run on this layout too: their modules are marked `layouts`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from chengxin.backups.service import take_backup
from chengxin.cli import main
from chengxin.ledger.verify import verify_ledger
from chengxin.records.expiry import expire_records
from chengxin.records.models import Record, RecordVersion
from chengxin.scoring import service as scoring
from tests.backups.conftest import new_node_folder, row_counts, use_node
from tests.collection.conftest import penalty_row, person
from tests.conftest import fresh_pg_database
from tests.platform import Platform, platform

pytestmark = pytest.mark.postgres
LATER = dt.datetime(2027, 6, 1, 2, 0, tzinfo=dt.UTC)  # after the 12-month maximum of 2026-05-10
PEOPLE = 40


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Platform]:
    with platform(tmp_path / "node", "partitioned") as p:
        p.ingest([penalty_row(n, number=person(100 + n), record=f"P{n}") for n in range(PEOPLE)],
                 "PENALTY-TAX", "people.csv")  # fmt: skip
        yield p


def _partitions_used(node: Platform, table: str) -> int:
    with node.rt.sessions() as session:
        return int(session.scalar(text(f"SELECT count(DISTINCT tableoid) FROM {table}")))  # noqa: S608  (our own table names)


def test_rows_spread_over_the_partitions_and_a_resent_file_is_recognised(node: Platform) -> None:
    # 40 people on 4 partitions by a hash of random ids: all but certainly on 3 or 4 of them
    assert _partitions_used(node, "records") >= 3
    assert _partitions_used(node, "record_versions") == _partitions_used(node, "records")
    rows = [penalty_row(n, number=person(100 + n), record=f"P{n}") for n in range(PEOPLE)]
    rows[7] = penalty_row(7, number=person(107), record="P7", fine="6000")  # a correction
    node.ingest(rows, "PENALTY-TAX", "again.csv")
    with node.rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == PEOPLE + 3
        changes = session.execute(
            select(RecordVersion.change, func.count()).group_by(RecordVersion.change)
        ).all()
        assert dict(changes) == {"created": PEOPLE + 3, "corrected": 1}


def test_the_expiry_job_ends_every_due_record_once_across_partitions(node: Platform) -> None:
    sessions, calendar = node.rt.sessions, node.rt.workdays
    assert expire_records(sessions, calendar, node.clock()).expired == 0  # none due yet
    assert expire_records(sessions, calendar, LATER).expired == PEOPLE + 3
    assert expire_records(sessions, calendar, LATER).expired == 0
    with sessions() as session:
        assert set(session.scalars(select(Record.status))) == {"expired"}


def test_the_score_is_recomputed_for_everyone_opted_in(node: Platform) -> None:
    model = scoring.model_for(node.rt, node.clock())
    with node.rt.sessions() as session, session.begin():
        for subject in (node.subject(person(100 + n)) for n in range(10)):
            scoring.opt_in(session, node.clock(), subject_id=subject, model=model)
    report = scoring.recompute_all(node.rt.sessions, model, node.clock())
    assert (report.path, report.subjects) == ("sql", 10)
    with node.rt.sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM scores")) == 10


def test_the_ledger_verifies_and_a_backup_restores_with_its_layout(
    node: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node.checkpoint()
    with node.rt.sessions() as session:
        report = verify_ledger(session, node.rt.keys, origin=node.rt.settings.ledger_origin)
    assert report.ok, report
    backup = take_backup(node.rt, tmp_path)
    counts = row_counts(node.rt.settings.resolved_database_url)
    target = new_node_folder(tmp_path / "restored", node.tmp)
    with fresh_pg_database() as url:
        use_node(monkeypatch, target, url)
        assert main(["restore", str(backup.path)]) == 0
        assert row_counts(url) == counts
        assert main(["ledger", "verify"]) == 0
        assert main(["db", "partition"]) == 2  # the layout came back with the data
