"""Issue 10 (backups) on PostgreSQL: `chengxin backup` (pg_dump of one snapshot) and
`chengxin restore` (pg_restore in one transaction) give back every row, a ledger that verifies
(R-3.3) and a person's records through the API; a restore that fails changes nothing."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chengxin.backups.postgres import client_env
from chengxin.cli import main
from chengxin.errors import ConfigError
from tests.backups.conftest import new_node_folder, node_on, resigned, row_counts, use_node
from tests.conftest import fresh_pg_database
from tests.platform import Platform, platform
from tests.support import run


@dataclass(frozen=True)
class PgSource:
    data: Path
    backup: Path
    counts: dict[str, int]
    records: Any
    node: Platform


@pytest.fixture(scope="module")
def pg_source(tmp_path_factory: pytest.TempPathFactory) -> PgSource:
    """A whole node on PostgreSQL, backed up with `chengxin backup FILE` while it is open."""
    tmp = tmp_path_factory.mktemp("pg-source")
    with platform(tmp / "node", "postgres") as p, pytest.MonkeyPatch.context() as monkeypatch:
        records = p.call("GET", "/api/v1/me/records", "alice").json()["records"]
        p.checkpoint()
        url = p.rt.settings.resolved_database_url
        use_node(monkeypatch, tmp / "node", url)
        code, out, err = _run_cli("backup", str(tmp / "pg.tar"), "--json")
        assert (code, err) == (0, "")
        shown = json.loads(out)
        counts = row_counts(url)
        assert shown["tables"] == counts
        assert shown["database"] == "postgresql"
    return PgSource(tmp / "node", tmp / "pg.tar", counts, records, p)


def _run_cli(*args: str) -> tuple[int, str, str]:
    """`chengxin ARGS…` in this process, outside a test's capsys (module-scoped fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.postgres
def test_round_trip_gives_back_every_row_the_ledger_and_a_persons_records(
    pg_source: PgSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Issue 10, R-3.3: restored into a new, migrated database of a node holding only the key
    file: the same rows in every table, a ledger that verifies with the backup's root, and alice
    reads the same records through the API."""
    target = new_node_folder(tmp_path / "restored", pg_source.data)
    with fresh_pg_database() as url:
        use_node(monkeypatch, target, url)
        code, out, err = run(capsys, "restore", str(pg_source.backup))
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert lines[1] == (f"counts: {len(pg_source.counts)} tables, "
                            f"{sum(pg_source.counts.values())} rows, as in the backup")  # fmt: skip
        assert lines[2].startswith(f"ledger: OK: {pg_source.counts['ledger_entries']} entries, 1 ")
        assert row_counts(url) == pg_source.counts
        assert run(capsys, "ledger", "verify")[0] == 0
        with node_on(target, url, pg_source.node) as restored:
            answer = restored.call("GET", "/api/v1/me/records", "alice")
            assert answer.status_code == 200
            assert answer.json()["records"] == pg_source.records
        code, _, err = run(capsys, "restore", str(pg_source.backup))
        assert code == 2
        assert err.startswith("error: --replace: the configured PostgreSQL database already "
                              "holds data (in accounts, api_keys, ")  # fmt: skip
        assert err.endswith("restoring replaces all of it: take a backup of it first if it "
                            "matters, then give --replace\n")  # fmt: skip


@pytest.mark.postgres
def test_a_failed_restore_leaves_the_database_as_it_was(
    pg_source: PgSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Issue 10: a restore that fails inside its transaction (here: a validly signed manifest
    whose counts are not the dump's) is rolled back whole: the tables it dropped first are
    back, none is half-filled."""
    target = new_node_folder(tmp_path / "restored", pg_source.data)

    def more_records(body: dict[str, Any]) -> None:
        body["tables"]["records"] += 1

    bad = resigned(pg_source.backup, tmp_path / "bad.tar", pg_source.data, more_records)
    with fresh_pg_database() as url:
        use_node(monkeypatch, target, url)
        before = row_counts(url)
        code, _, err = run(capsys, "restore", "--replace", str(bad))
        assert code == 2
        assert err.startswith("error: pg_restore: the restore was rolled back, the database is "
                              "as it was: ")  # fmt: skip
        assert f"table records: not the {pg_source.counts['records'] + 1} rows" in err
        assert row_counts(url) == before
        assert set(before) == set(pg_source.counts)  # every table is there, as migrated
        assert sum(before.values()) == 2  # the revision and the ledger head


def test_the_urls_parts_reach_the_client_programs_through_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 10: pg_dump and psql get the URL's parts as libpq variables, the password only
    when the URL has one; an option libpq cannot take that way is refused, naming the URL."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    env = client_env("postgresql+psycopg://chengxin:s%40cret@db.example:6543/credit"
                     "?sslmode=verify-full&application_name=backup")  # fmt: skip
    assert {k: env[k] for k in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE",
                                "PGSSLMODE", "PGAPPNAME")} == {
        "PGHOST": "db.example", "PGPORT": "6543", "PGUSER": "chengxin", "PGPASSWORD": "s@cret",
        "PGDATABASE": "credit", "PGSSLMODE": "verify-full", "PGAPPNAME": "backup",
    }  # fmt: skip
    assert "PGPASSWORD" not in client_env("postgresql+psycopg://chengxin@db/credit")
    with pytest.raises(ConfigError) as refused:
        client_env("postgresql+psycopg://chengxin@db/credit?prepare_threshold=0")
    assert (refused.value.field, refused.value.rule) == ("CHENGXIN_DATABASE_URL", "pg-option")
