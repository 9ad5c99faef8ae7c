"""Issue 10 (scale): `chengxin db partition` on PostgreSQL — records and record_versions become
hash partitions by subject key, in one transaction; every refusal names the rule and changes
nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.conftest import (
    create_pg_database,
    drop_pg_database,
    fresh_pg_database,
    pg_database_name,
)
from tests.support import fresh_cli_node, run

pytestmark = pytest.mark.postgres
LAYOUT = """
SELECT c.relname, c.relkind, count(i.inhrelid) FROM pg_class c
LEFT JOIN pg_inherits i ON i.inhparent = c.oid
WHERE c.relname IN ('records', 'record_versions') GROUP BY 1, 2 ORDER BY 1
"""
KEYS_ON_RECORDS = "SELECT count(*) FROM pg_constraint WHERE confrelid = 'records'::regclass"


def _ask(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(text(sql))]
    engine.dispose()
    return rows


def _do(url: str, sql: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture
def pg_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[str]:
    """A CLI node (keys in a data folder) on a new, migrated, empty PostgreSQL database."""
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    with fresh_pg_database() as url:
        monkeypatch.setenv("CHENGXIN_DATABASE_URL", url)
        yield url


def test_the_per_person_tables_become_hash_partitions_by_subject(
    pg_cli: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "db", "partition", "--partitions", "8")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:2] == ["records: 8 hash partitions by subject_id",
                         "record_versions: 8 hash partitions by subject_id"]  # fmt: skip
    assert "dropped foreign key objections.fk_objections_record_id_records (points at records)" in (
        lines
    )
    assert len(lines) == 2 + 10  # the ten keys that other tables held on records(id)
    assert _ask(pg_cli, LAYOUT) == [("record_versions", "p", 8), ("records", "p", 8)]
    assert _ask(pg_cli, KEYS_ON_RECORDS) == [(0,)]
    primary = _ask(pg_cli, "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conname = 'pk_records'")  # fmt: skip
    assert primary == [("PRIMARY KEY (id, subject_id)",)]
    assert run(capsys, "db", "upgrade")[0] == 0  # already at the newest revision: nothing to do
    code, _, err = run(capsys, "db", "partition")
    assert (code, err) == (2, "error: database: the per-person tables are already partitioned\n")


@pytest.mark.parametrize("count", ["0", "1", "1025", "-3", "99999999999999999999"])
def test_a_count_out_of_range_is_refused_and_nothing_changes(
    pg_cli: str, capsys: pytest.CaptureFixture[str], count: str
) -> None:
    assert run(capsys, "db", "partition", "--partitions", count) == (
        2, "", "error: partitions: must be between 2 and 1024\n")  # fmt: skip
    assert _ask(pg_cli, LAYOUT) == [("record_versions", "r", 0), ("records", "r", 0)]


@pytest.mark.parametrize("count", ["abc", "", "4.5", "8; DROP TABLE records"])
def test_a_count_that_is_not_a_number_is_refused_naming_the_option(
    pg_cli: str, capsys: pytest.CaptureFixture[str], count: str
) -> None:
    code, out, err = run(capsys, "db", "partition", "--partitions", count)
    assert (code, out) == (2, "")
    assert "Invalid value for '--partitions'" in " ".join(err.split())
    assert _ask(pg_cli, LAYOUT) == [("record_versions", "r", 0), ("records", "r", 0)]


def test_a_node_that_holds_records_is_refused(
    pg_cli: str, capsys: pytest.CaptureFixture[str]
) -> None:
    subject, source = uuid.uuid4(), uuid.uuid4()
    _do(pg_cli, f"""
        INSERT INTO subjects VALUES ('{subject}', 'person', 'x', '110105', now());
        INSERT INTO sources (id, code, name, region_code, kind, created_at, created_by)
        VALUES ('{source}', 'S', 's', '110105', 'government_department', now(), 't');
        INSERT INTO records (id, subject_id, item_code, source_id, source_record_id, category,
          disclosure, created_at, updated_at, version, status, content, content_hash,
          item_version, decision_date, occurrence_date, publicised)
        VALUES (gen_random_uuid(), '{subject}', 'PENALTY-TAX', '{source}', '1', 'bad', 'public',
          now(), now(), 1, 'active', '{{}}', 'h', '2026-01-01', '2026-01-01', '2026-01-01', true)
    """)  # fmt: skip  # noqa: S608  (our own ids)
    code, _, err = run(capsys, "db", "partition")
    assert code == 2
    assert err == ("error: database: records holds rows: partition a new node before it "
                   "stores records\n")  # fmt: skip
    assert _ask(pg_cli, LAYOUT) == [("record_versions", "r", 0), ("records", "r", 0)]


def test_a_failure_half_way_changes_nothing(
    pg_cli: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last table's partition cannot be made: records, already rebuilt by then, and the
    dropped keys come back as they were (one transaction)."""
    _do(pg_cli, "CREATE TABLE record_versions_p3 (x int)")
    code, _, err = run(capsys, "db", "partition", "--partitions", "4")
    assert code == 2
    assert err == ('error: database: nothing was changed: relation "record_versions_p3" '
                   "already exists\n")  # fmt: skip
    assert _ask(pg_cli, LAYOUT) == [("record_versions", "r", 0), ("records", "r", 0)]
    assert _ask(pg_cli, KEYS_ON_RECORDS) == [(10,)]


def test_sqlite_and_an_unmigrated_database_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    assert run(capsys, "db", "partition") == (
        2, "", "error: database_url: partitioning needs PostgreSQL; SQLite keeps one table\n")  # fmt: skip
    name = pg_database_name("test")
    url = create_pg_database(name)
    try:
        monkeypatch.setenv("CHENGXIN_DATABASE_URL", url)
        assert run(capsys, "db", "partition") == (
            2, "", "error: database: run `chengxin db upgrade` first\n")  # fmt: skip
        assert _ask(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    finally:
        drop_pg_database(name)
