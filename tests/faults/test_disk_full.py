"""A SQLite node whose disk is full (tests/faults/full_disk.py: not a page more for the file)
refuses what would write with an answer naming the cause — the API with a 507 problem
`storage-full`, the command line with one line and exit status 1 — keeps what it had whole
(`PRAGMA integrity_check`, `chengxin ledger verify`), and once there is room again the same
request succeeds (R-2.2, R-4.1: nothing half-written)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from chengxin.collection.models import Batch
from chengxin.disputes.models import CaseFile, CaseStep, Objection
from chengxin.ledger.models import LedgerEntry
from chengxin.notifications.models import Notification
from chengxin.problems import PROBLEM_JSON, TYPE_BASE
from chengxin.records.models import Record, RecordVersion
from tests.collection.conftest import PENALTY_HEADERS, penalty_row, person, write_csv
from tests.faults.full_disk import no_room
from tests.faults.probes import (
    PDF,
    file_objection,
    integrity_check,
    ledger_verifies,
    sqlite_path,
    tax_record,
    use_node,
)
from tests.platform import ALICE, Platform
from tests.support import run

REPO = Path(__file__).resolve().parents[2]
EVIDENCE = PDF + b"\0" * (2 * 1024 * 1024)  # a scanned decision: some 700 pages once sealed
TABLES = (Batch, Record, RecordVersion, Objection, CaseStep, CaseFile, Notification, LedgerEntry)


def counts(p: Platform) -> dict[str, int]:
    with p.rt.sessions() as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
                for t in TABLES}  # fmt: skip


def free_bytes(url: str) -> int:
    """Room inside the file: pages SQLite freed and may reuse without growing it."""
    with sqlite3.connect(sqlite_path(url)) as conn:
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        return int(free * conn.execute("PRAGMA page_size").fetchone()[0])


def test_r4_1_an_objection_on_a_full_disk_is_refused_with_507_and_nothing_half_written(
    sqlite_node: Platform, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    p, record_id = sqlite_node, tax_record(sqlite_node)
    url = p.rt.settings.resolved_database_url
    assert free_bytes(url) < len(EVIDENCE) // 2  # the file must grow to take the evidence
    before = counts(p)
    event.listen(p.rt.engine, "connect", no_room)
    p.rt.engine.dispose()  # the node's connections from now on: the disk is full
    try:
        full = file_objection(p, record_id, EVIDENCE)
    finally:
        event.remove(p.rt.engine, "connect", no_room)
        p.rt.engine.dispose()
    assert full.status_code == 507, full.text
    assert full.headers["content-type"] == PROBLEM_JSON
    body = full.json()
    assert (body["type"], body["title"]) == (TYPE_BASE + "storage-full", "Insufficient storage")
    for word in ("Traceback", "sqlite", "INSERT", ALICE, "张一"):
        assert word not in full.text
    assert counts(p) == before  # nothing half-written
    assert integrity_check(url) == "ok"
    use_node(monkeypatch, p.tmp, None)
    ledger_verifies(capsys)
    # Room again (the operator freed space): the same request, the same process.
    again = file_objection(p, record_id, EVIDENCE)
    assert again.status_code == 201, again.text
    after = counts(p)
    assert (after["objections"], after["case_files"]) == (before["objections"] + 1,
                                                          before["case_files"] + 1)  # fmt: skip
    assert integrity_check(url) == "ok"


def test_r2_2_an_ingest_on_a_full_disk_ends_with_one_clear_line_and_a_rerun_completes(
    sqlite_node: Platform, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    p = sqlite_node
    url = p.rt.settings.resolved_database_url
    rows = [penalty_row(500 + i, record=f"FULL{i}", number=person(500 + i, "19700101"))
            for i in range(300)]  # fmt: skip
    path = write_csv(p.tmp / "full.csv", PENALTY_HEADERS, rows)
    use_node(monkeypatch, p.tmp, None)
    before = counts(p)
    args = ["ingest", str(path), "--source", "TAX-BJ", "--item", "PENALTY-TAX", "--json"]
    full = subprocess.run([sys.executable, "-m", "tests.faults.full_disk", *args], cwd=REPO,
                          env=dict(os.environ), capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    assert (full.returncode, full.stdout) == (1, ""), full.stderr
    assert full.stderr.splitlines() == [
        "error: database: the storage is full (database or disk is full); the failed step was "
        "not saved. Free disk space, then run the command again"
    ]
    assert counts(p) == before  # nothing half-written
    assert integrity_check(url) == "ok"
    ledger_verifies(capsys)
    code, out, err = run(capsys, *args)  # room again
    assert (code, err) == (0, ""), err
    assert json.loads(out)["accepted"] == len(rows)
    assert counts(p)["batches"] == before["batches"] + 1
    assert integrity_check(url) == "ok"
    ledger_verifies(capsys)
