"""Issue 10 (backups) on SQLite: `chengxin backup` of a whole node and `chengxin restore` into a
new data folder give back every row, a ledger that verifies (R-3.3) and a person's records read
through the API; a backup taken while the node writes is consistent; a restore that cannot be
completed leaves the node's database as it was."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from chengxin import migrate
from chengxin.backups.service import restore_backup, take_backup
from chengxin.db import make_engine
from chengxin.keys import create_key_file, load_key_file, save_key_file
from chengxin.ledger import service as ledger
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.backups.conftest import (
    Source,
    new_node_folder,
    node_on,
    resigned,
    row_counts,
    sqlite_url,
    use_node,
)
from tests.conftest import NOW
from tests.support import run


def test_round_trip_gives_back_every_row_the_ledger_and_a_persons_records(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Issue 10, R-3.3: restored into a new data folder holding only the key file, the database
    has the same rows in every table, its ledger verifies with the same root, and alice reads
    the same records through the API (her name opens with the same keys)."""
    assert source.backup.name.startswith("chengxin-CN-110000-")
    assert oct(source.backup.stat().st_mode & 0o777) == "0o600"
    target = new_node_folder(tmp_path / "restored", source.data)
    use_node(monkeypatch, target)
    code, out, err = run(capsys, "restore", str(source.backup))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    total = sum(source.counts.values())
    assert lines[1] == f"counts: {len(source.counts)} tables, {total} rows, as in the backup"
    assert lines[2].startswith(f"ledger: OK: {source.counts['ledger_entries']} entries, 1 ")
    assert len(lines) == 3  # same schema revision: nothing more to do
    assert row_counts(sqlite_url(target)) == source.counts
    assert sorted(p.name for p in target.iterdir()) == ["chengxin.db", "keys.json"]
    assert run(capsys, "ledger", "verify")[0] == 0
    with node_on(target, None, source.node) as restored:
        answer = restored.call("GET", "/api/v1/me/records", "alice")
        assert answer.status_code == 200
        assert answer.json()["records"] == source.records
        assert source.records  # she has records to read


def test_the_backup_command_writes_one_file_and_never_over_another(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Issue 10: `chengxin backup FILE --json` tells what the backup holds; an existing file is
    never overwritten; the key file is named as not being in it."""
    node = new_node_folder(tmp_path / "node", source.data)
    shutil.copy(source.data / "chengxin.db", node / "chengxin.db")
    use_node(monkeypatch, node)
    code, out, _ = run(capsys, "backup", str(tmp_path / "b.tar"), "--json")
    shown = json.loads(out)
    assert code == 0
    total = sum(source.counts.values())
    assert (shown["path"], shown["rows"], shown["tables"]) == (str(tmp_path / "b.tar"), total,
                                                               source.counts)  # fmt: skip
    assert shown["ledger_size"] == source.counts["ledger_entries"]
    code, out, _ = run(capsys, "backup", str(tmp_path / "c.tar"))
    assert code == 0
    assert "not in it: the key file" in out
    before = (tmp_path / "b.tar").read_bytes()
    code, _, err = run(capsys, "backup", str(tmp_path / "b.tar"))
    assert (code, err) == (2, f"error: file: {tmp_path / 'b.tar'} already exists; backups are "
                              "never overwritten\n")  # fmt: skip
    assert (tmp_path / "b.tar").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.tar", "c.tar", "node"]


def test_a_target_holding_data_needs_replace(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Issue 10: restoring over a database that holds data is refused naming --replace; with
    --replace the database becomes the backup's."""
    target = new_node_folder(tmp_path / "restored", source.data)
    use_node(monkeypatch, target)
    assert run(capsys, "restore", str(source.backup))[0] == 0
    with sqlite3.connect(target / "chengxin.db") as db:
        db.execute("DELETE FROM ledger_checkpoints")
    code, _, err = run(capsys, "restore", str(source.backup))
    assert code == 2
    assert err.startswith("error: --replace: the database ")
    assert "already holds data" in err
    assert row_counts(sqlite_url(target))["ledger_checkpoints"] == 0
    assert run(capsys, "restore", "--replace", str(source.backup))[0] == 0
    assert row_counts(sqlite_url(target)) == source.counts


def test_a_freshly_migrated_database_counts_as_empty(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], sqlite_template: Path,
) -> None:  # fmt: skip
    """Issue 10: `chengxin db upgrade` on a new node before the restore does not make it
    'non-empty': its only rows are the schema revision and the empty ledger's head."""
    target = new_node_folder(tmp_path / "restored", source.data)
    shutil.copy(sqlite_template, target / "chengxin.db")
    use_node(monkeypatch, target)
    assert run(capsys, "restore", str(source.backup))[0] == 0
    assert row_counts(sqlite_url(target)) == source.counts


def test_a_node_still_running_is_not_restored_over(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Issue 10: a database another process has open (the node still serving) is not replaced."""
    target = new_node_folder(tmp_path / "restored", source.data)
    use_node(monkeypatch, target)
    assert run(capsys, "restore", str(source.backup))[0] == 0
    engine = make_engine(sqlite_url(target))
    try:
        with engine.connect() as serving:
            serving.exec_driver_sql("SELECT count(*) FROM records").scalar()
            code, _, err = run(capsys, "restore", "--replace", str(source.backup))
            assert (code, err.split(":")[:2]) == (2, ["error", " database"])
            assert "is in use: stop `chengxin serve`" in err
    finally:
        engine.dispose()
    assert sorted(p.name for p in target.iterdir()) == ["chengxin.db", "keys.json"]


def test_counts_that_disagree_leave_the_database_as_it_was(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Issue 10: the restored copy is checked before it replaces the database: a manifest whose
    counts differ from the copy (validly signed) changes nothing."""
    target = new_node_folder(tmp_path / "restored", source.data)
    use_node(monkeypatch, target)
    assert run(capsys, "restore", str(source.backup))[0] == 0
    with sqlite3.connect(target / "chengxin.db") as db:
        db.execute("DELETE FROM ledger_checkpoints")
    before = (target / "chengxin.db").read_bytes()

    def more_records(body: dict[str, Any]) -> None:
        body["tables"]["records"] += 1

    bad = resigned(source.backup, tmp_path / "bad.tar", source.data, more_records)
    code, _, err = run(capsys, "restore", "--replace", str(bad))
    assert code == 2
    assert err.startswith("error: manifest.tables: the restored copy differs from the manifest "
                          f"(table records holds {source.counts['records']} rows, the backup "
                          f"{source.counts['records'] + 1}): nothing was changed")  # fmt: skip
    assert (target / "chengxin.db").read_bytes() == before
    assert sorted(p.name for p in target.iterdir()) == ["chengxin.db", "keys.json"]


def test_a_rotated_key_file_still_restores(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """R-1.4: after `chengxin keys rotate` the key file holds the backup's data key and a newer
    one: the backup restores, and the sealed names still open."""
    target = new_node_folder(tmp_path / "restored", source.data)
    save_key_file(target / "keys.json", load_key_file(target / "keys.json").with_new_data_key(NOW))
    use_node(monkeypatch, target)
    assert run(capsys, "restore", str(source.backup))[0] == 0
    with node_on(target, None, source.node) as restored:
        assert restored.call("GET", "/api/v1/me/records", "alice").json()["records"] == (
            source.records
        )


def _fresh_node(data: Path, revision: str = "head") -> Runtime:
    settings = load_settings({"CHENGXIN_DATA_DIR": str(data)})
    create_key_file(settings.resolved_key_file, NOW)
    rt = Runtime(settings)
    migrate.upgrade(rt.engine, revision)
    return rt


def test_a_backup_taken_while_the_node_writes_is_consistent(tmp_path: Path) -> None:
    """Issue 10, R-3.3: backups taken while another connection keeps appending to the ledger
    (entries, tree nodes and head in each transaction) each hold one moment of the database:
    the head, entries and nodes agree, and each restores with a ledger that verifies."""
    rt = _fresh_node(tmp_path / "node")
    stop = threading.Event()
    appended = [0]

    def write() -> None:
        while not stop.is_set():
            with rt.sessions() as session, session.begin():
                ledger.append_entries(session, NOW, [{"kind": "query", "n": n} for n in range(3)])
            appended[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        manifests = []
        for n in range(3):
            while appended[0] < 10 * (n + 1):  # let the writer get going between backups
                threading.Event().wait(0.01)
            manifests.append((n, take_backup(rt, tmp_path / f"{n}.tar").manifest))
    finally:
        stop.set()
        writer.join()
    rt.close()
    sizes = []
    for n, manifest in manifests:
        size = manifest.ledger_size
        sizes.append(size)
        assert size % 3 == 0  # whole transactions only
        assert manifest.tables["ledger_entries"] == size
        assert manifest.tables["ledger_nodes"] == size - size.bit_count()
        target = new_node_folder(tmp_path / f"restored-{n}", tmp_path / "node")
        restored = Runtime(load_settings({"CHENGXIN_DATA_DIR": str(target)}))
        report = restore_backup(restored, tmp_path / f"{n}.tar")
        restored.close()
        assert report.ok
        assert (report.ledger.entries, report.ledger_root) == (size, manifest.ledger_root)
    assert sizes == sorted(sizes)
    assert sizes[0] >= 30
    assert appended[0] * 3 > sizes[-1]  # the writer went on after the last backup


def test_an_older_schema_is_restored_and_the_operator_told_to_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10: a backup of an older schema revision restores as it was taken; the operator is
    told to run `chengxin db upgrade`, which then brings it to the code's revision."""
    rt = _fresh_node(tmp_path / "node", "0017")
    with rt.sessions() as session, session.begin():
        ledger.append_entries(session, NOW, [{"kind": "query", "n": n} for n in range(5)])
    head = migrate.head_revision(rt.engine)
    take_backup(rt, tmp_path / "old.tar")
    rt.close()
    target = new_node_folder(tmp_path / "restored", tmp_path / "node")
    use_node(monkeypatch, target)
    code, out, _ = run(capsys, "restore", str(tmp_path / "old.tar"))
    assert code == 0
    assert out.splitlines()[-1] == (
        f"next: the backup's schema is at revision 0017, this chengxin's at {head}: run "
        "`chengxin db upgrade` before serving"
    )
    assert run(capsys, "db", "current")[1].startswith("current: 0017\n")
    assert run(capsys, "db", "upgrade")[0] == 0
    assert run(capsys, "ledger", "verify")[1] == "OK: 5 entries, 0 checkpoints verified\n"
