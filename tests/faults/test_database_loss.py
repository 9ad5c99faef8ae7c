"""A serving node loses its PostgreSQL database and gets it back, and is not restarted: its
server-side connections are terminated (mid-request and while idle), then the database refuses
connections for a while. A request caught in the loss fails cleanly — an RFC 9457 problem
`database-unavailable`, 503 with Retry-After, no trace, no personal data — and leaves nothing
half-written; /healthz answers 503 while the database is unreachable; the next requests after
it is back succeed (R-3.6: no personal information in errors)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from chengxin.disputes.models import Objection
from chengxin.ledger import service as ledger
from chengxin.problems import PROBLEM_JSON, TYPE_BASE
from tests.conftest import PG_ADMIN_URL
from tests.faults.probes import file_objection, ledger_verifies, tax_record, use_node, wait_for
from tests.platform import ALICE, Platform, platform

pytestmark = pytest.mark.postgres
PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance", "request_id"}
NEVER_SHOWN = ("Traceback", "psycopg", "sqlalchemy", "SELECT", "INSERT", "terminat", ALICE, "张一")


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Platform]:
    with platform(tmp_path, "postgres") as p:
        yield p


def _admin() -> Engine:
    return create_engine(PG_ADMIN_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")


def _database(p: Platform) -> str:
    name = make_url(p.rt.settings.resolved_database_url).database
    assert name
    return name


def cut(database: str, *, keep: int = 0) -> int:
    """Terminate the server processes serving `database` (but `keep`): a real connection loss.
    Returns once they are gone (termination is a signal: it takes a moment)."""
    engine = _admin()
    with engine.connect() as conn:
        pids = list(conn.scalars(text(
            "WITH victim AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE datname = :db "
            "AND pid <> pg_backend_pid() AND pid <> :keep) "
            "SELECT pid FROM victim WHERE pg_terminate_backend(pid)"),
            {"db": database, "keep": keep}))  # fmt: skip
        wait_for(lambda: not conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": pids}),
            "the terminated connections to end", every=0.01)  # fmt: skip
    engine.dispose()
    return len(pids)


@contextmanager
def refusing(database: str) -> Iterator[None]:
    """The database accepts no connection (as while it is down or being failed over)."""
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
    cut(database)
    try:
        yield
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        engine.dispose()


def clean_503(answer: Any) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == PROBLEM_JSON
    assert int(answer.headers["retry-after"]) > 0
    body = answer.json()
    assert set(body) == PROBLEM_FIELDS
    assert (body["type"], body["status"]) == (TYPE_BASE + "database-unavailable", 503)
    assert answer.headers["x-request-id"] == body["request_id"]  # what to quote to the operator
    for word in NEVER_SHOWN:
        assert word not in answer.text


def written(p: Platform, record_id: uuid.UUID) -> tuple[int, int]:
    """Objections to the record, and the ledger's size."""
    with p.rt.sessions() as session:
        filed = session.scalar(
            select(func.count()).select_from(Objection).where(Objection.record_id == record_id)
        )
        return filed or 0, ledger.size(session)


def test_a_request_that_loses_its_connection_fails_cleanly_and_the_next_succeeds(
    node: Platform, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The filing waits for the ledger (held by another transaction, as under load), having
    written its case row; then the server terminates its connection."""
    database, record_id = _database(node), tax_record(node)
    before = written(node, record_id)
    holder = create_engine(node.rt.settings.resolved_database_url, poolclass=NullPool)
    with holder.connect() as conn, ThreadPoolExecutor(1) as pool:
        mine = int(conn.scalar(text("SELECT pg_backend_pid()")) or 0)
        conn.execute(text("SELECT size FROM ledger_head WHERE id = 1 FOR UPDATE"))
        filing = pool.submit(file_objection, node, record_id)
        watch = _admin()
        with watch.connect() as admin:
            wait_for(lambda: bool(admin.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
                "AND wait_event_type = 'Lock'"), {"db": database})),
                "the filing to wait for the ledger", every=0.01)  # fmt: skip
        watch.dispose()
        assert cut(database, keep=mine) >= 1
        answer = filing.result(30)
        conn.rollback()
    holder.dispose()
    clean_503(answer)
    assert written(node, record_id) == before  # nothing half-written
    again = file_objection(node, record_id)  # the same process, at once
    assert again.status_code == 201, again.text
    assert written(node, record_id) == (before[0] + 1, before[1] + 1)
    use_node(monkeypatch, node.tmp, node.rt.settings.resolved_database_url)
    ledger_verifies(capsys)


def test_a_node_answers_503_while_its_database_is_gone_and_recovers_by_itself(
    node: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = _database(node)
    env = {**os.environ, **use_node(monkeypatch, node.tmp, node.rt.settings.resolved_database_url)}
    mine = node.call("GET", "/api/v1/me/disputes", "alice")
    assert mine.status_code == 200, mine.text
    # Idle connections cut: the pool notices before use and connects again.
    assert cut(database) >= 1
    for _ in range(3):
        assert node.call("GET", "/api/v1/me/disputes", "alice").json() == mine.json()
    assert node.client.get("/healthz").status_code == 200
    with refusing(database):
        health = node.client.get("/healthz")
        assert (health.status_code, health.json()) == (
            503, {"status": "unavailable", "database": "unreachable"})  # fmt: skip
        clean_503(node.call("GET", "/api/v1/me/disputes", "alice"))
        clean_503(node.call("GET", "/api/v1/ledger/checkpoint", "the.auditor"))
        clean_503(file_objection(node, uuid.uuid4()))
        page = node.call("GET", "/me", "alice", headers={"Accept-Language": "zh-CN"})
        assert (page.status_code, page.headers["Retry-After"]) == (503, "5")  # a page, in Chinese
        assert page.headers["content-type"].startswith("text/html")
        assert "平台暂时无法应答，请稍后再试" in page.text
        # The command line: one line naming the cause, no trace.
        status = subprocess.run([sys.executable, "-m", "chengxin.cli", "ledger", "status"],
                                env=env, capture_output=True, text=True, timeout=60,
                                check=False)  # fmt: skip
        assert (status.returncode, status.stdout) == (1, ""), status.stderr
        [line] = status.stderr.splitlines()
        assert line.startswith("error: database: cannot be reached or cannot answer now (")
        assert "not currently accepting connections" in line
    assert node.client.get("/healthz").json()["status"] == "ok"
    assert node.call("GET", "/api/v1/me/disputes", "alice").json() == mine.json()
