"""Reading never waits for a writer. On SQLite a long ingestion batch (R-2.2) holds the write
lock for as long as it runs; the public site (R-6.5), people's own pages and the API's reads
answer from their snapshot meanwhile. On PostgreSQL read sessions run READ ONLY."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import InternalError, OperationalError

from chengxin.figures.models import NodeFigure
from chengxin.records.models import Record
from tests.conftest import NOW
from tests.faults.probes import sqlite_path
from tests.platform import ALICE, Platform

READS = [
    ("/", None),
    ("/public/lists", None),
    ("/verify", None),
    ("/me/queries", "alice"),
    ("/api/v1/me/disputes", "alice"),
    ("/api/v1/staff/tipoffs", "the.reviewer"),
    ("/api/v1/ledger/checkpoint", "the.auditor"),
]


@contextmanager
def writer_inside(p: Platform) -> Iterator[sqlite3.Connection]:
    """Another process's writing transaction, as an ingestion batch holds it: the write lock
    taken and a row written, not committed."""
    writer = sqlite3.connect(sqlite_path(p.rt.settings.resolved_database_url), timeout=0)
    writer.isolation_level = None
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE node_figures SET value = value + 1000")
    try:
        yield writer
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_pages_and_api_reads_answer_while_a_writer_holds_sqlites_lock(
    sqlite_node: Platform,
) -> None:
    """Before, every read began BEGIN IMMEDIATE and queued behind the batch: after the busy
    timeout (10 s) the landing page answered 503 for as long as an upload ran."""
    p = sqlite_node
    assert p.call("GET", "/").status_code == 200  # the first visit counts the figures once
    p.checkpoint()
    with p.rt.reads() as session:
        before = {f.name: f.value for f in session.scalars(select(NodeFigure))}
    with writer_inside(p):
        for path, who in READS:
            answer = p.call("GET", path, who)
            assert answer.status_code == 200, (path, answer.text[:300])
        # The snapshot read is the committed one, not the writer's work in progress.
        with p.rt.reads() as session:
            assert {f.name: f.value for f in session.scalars(select(NodeFigure))} == before
        page = p.call("GET", "/").text
        assert f">{before['records_in_force']}<" in page


def test_a_writing_transaction_still_queues_behind_the_writer(sqlite_node: Platform) -> None:
    """Writers keep BEGIN IMMEDIATE: with the lock held elsewhere (and no waiting), a writing
    session is refused at its start, before it has read anything it could act on."""
    p = sqlite_node
    with writer_inside(p), p.rt.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA busy_timeout=0")  # refused at once instead of after 10 s
        try:
            with pytest.raises(OperationalError, match="database is locked"), conn.begin():
                pass
        finally:
            driver.execute("PRAGMA busy_timeout=10000")


@pytest.mark.postgres
@pytest.mark.parametrize("node", ["postgres"], indirect=True)
def test_a_write_slipped_into_a_read_session_fails_on_postgresql(node: Platform) -> None:
    """A read session that wrote would lose the write silently when it closes without a
    commit; PostgreSQL refuses it instead, so the mistake shows in the tests."""
    with node.rt.reads() as session:
        assert session.scalar(select(Record.id).where(Record.subject_id == node.subject(ALICE)))
        with pytest.raises(InternalError, match="read-only transaction"):
            session.execute(insert(NodeFigure).values(name="x", value=1, counted_at=NOW))
    with node.rt.sessions() as session:  # the pooled connection is writable again afterwards
        read_only = session.connection().exec_driver_sql("SHOW transaction_read_only")
        assert read_only.scalar() == "off"
