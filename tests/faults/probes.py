"""What the fault tests look at from outside the processes they kill: whether one of them is
inside a transaction right now, the operator's own checks afterwards, and the node's settings."""

from __future__ import annotations

import io
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from chengxin.records.models import Record
from tests.platform import ALICE, Platform
from tests.support import run

PDF = b"%PDF-1.4\n%%EOF\n"


def reader(url: str) -> Engine:
    """An engine for looking: no pool, and on SQLite plain deferred reads (the node's engine
    begins its writing transactions with BEGIN IMMEDIATE, which would queue behind the others)."""
    return create_engine(url, poolclass=NullPool)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    assert database
    return Path(database)


@contextmanager
def transaction_watch(url: str) -> Iterator[Callable[[], bool]]:
    """A probe: True while another process is inside a writing transaction of the database.
    SQLite: the write lock is taken (the node's writing transactions begin IMMEDIATE), seen by
    failing to take it without waiting. PostgreSQL: a backend holds a transaction id, i.e. it has
    written or locked rows and not committed yet."""
    if make_url(url).get_backend_name() == "sqlite":
        probe = sqlite3.connect(sqlite_path(url), timeout=0, isolation_level=None)

        def writing() -> bool:
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # database is locked: a writer is inside
                return True
            probe.execute("ROLLBACK")
            return False

        try:
            yield writing
        finally:
            probe.close()
        return
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:

        def busy() -> bool:
            return bool(conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()")))  # fmt: skip

        yield busy
    engine.dispose()


def wait_for(
    condition: Callable[[], bool], what: str, *, every: float = 0.002, seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)


def ledger_verifies(capsys: pytest.CaptureFixture[str]) -> str:
    """`chengxin ledger verify` on the node the environment names: exit 0, its report."""
    code, out, err = run(capsys, "ledger", "verify")
    assert (code, err) == (0, ""), err
    assert out.startswith("OK: "), out
    return out


def integrity_check(url: str) -> str:
    """SQLite's own check of the file: "ok" when no page or index is damaged."""
    with sqlite3.connect(sqlite_path(url)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def use_node(monkeypatch: pytest.MonkeyPatch, data: Path, url: str | None) -> dict[str, str]:
    """Point the in-process `chengxin` command at the node in `data` (database `url`, or the
    SQLite file there); the same variables for a `chengxin` process."""
    for var in ("CHENGXIN_DATABASE_URL", "CHENGXIN_KEY_FILE", "CHENGXIN_CATALOG_DIR"):
        monkeypatch.delenv(var, raising=False)
    env = {"CHENGXIN_DATA_DIR": str(data), "CHENGXIN_LOG_JSON": "false"}
    if url and make_url(url).get_backend_name() != "sqlite":
        env["CHENGXIN_DATABASE_URL"] = url
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    return env


def tax_record(p: Platform) -> uuid.UUID:
    """Alice's tax penalty on a test node."""
    with p.rt.sessions() as session:
        mine = Record.subject_id == p.subject(ALICE)
        return session.scalars(
            select(Record.id).where(mine, Record.item_code == "PENALTY-TAX")
        ).one()


def file_objection(p: Platform, record_id: uuid.UUID, evidence: bytes = PDF) -> Any:
    """Alice objects to her record over the API, with a PDF as evidence."""
    form = {"record_id": str(record_id), "reason": "罚款金额有误，应为500元"}
    files = [("files", ("决定书.pdf", io.BytesIO(evidence), "application/pdf"))]
    return p.call("POST", "/api/v1/me/objections", "alice", data=form, files=files)
