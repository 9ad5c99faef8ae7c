"""Issue 10: `chengxin restore` refuses what is not a whole, unaltered backup of this node —
missing, empty, compressed, not an archive, truncated, altered, with members that would escape
the folder (never extracted by name), the wrong key file, a newer schema, another database kind
or node — with one line `error: field: …` and exit status 2, and writes nothing."""

from __future__ import annotations

import base64
import gzip
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chengxin.keys import create_key_file
from tests.backups.conftest import (
    Source,
    members,
    new_node_folder,
    regular,
    resigned,
    use_node,
    write_tar,
)
from tests.conftest import NOW
from tests.support import run


def _database_offset(backup: Path) -> int:
    with tarfile.open(backup, "r:") as tar:
        return tar.getmember("database.sqlite").offset_data


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def altered_database(backup: Path, out: Path) -> None:
    data = backup.read_bytes()
    out.write_bytes(_flip(data, _database_offset(backup) + 5000))


def altered_manifest(backup: Path, out: Path) -> None:
    data = backup.read_bytes()
    at = data.index(b'"records": ') + len(b'"records": ')
    out.write_bytes(data[:at] + (b"9" if data[at : at + 1] != b"9" else b"8") + data[at + 1 :])


def cut_in_half(backup: Path, out: Path) -> None:
    data = backup.read_bytes()
    out.write_bytes(data[: len(data) // 2])


def cut_in_the_manifest(backup: Path, out: Path) -> None:
    out.write_bytes(backup.read_bytes()[:900])


def compressed(backup: Path, out: Path) -> None:
    out.write_bytes(gzip.compress(backup.read_bytes()))


def not_an_archive(_backup: Path, out: Path) -> None:
    out.write_text('{"format": "chengxin-backup/1"}\n' * 40)


def empty(_backup: Path, out: Path) -> None:
    out.write_bytes(b"")


def _rewrite(backup: Path, out: Path, change: Callable[[list[Any]], list[Any]]) -> None:
    entries = [regular(name, data) for name, data in members(backup)]
    write_tar(out, change(entries))


def climbing_first_member(backup: Path, out: Path) -> None:
    _rewrite(backup, out, lambda e: [regular("../evil.txt", b"owned"), *e])


def absolute_first_member(backup: Path, out: Path) -> None:
    _rewrite(backup, out, lambda e: [regular(str(out.parent / "evil.txt"), b"owned"), *e])


def manifest_as_a_link(backup: Path, out: Path) -> None:
    link = tarfile.TarInfo("manifest.json")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    _rewrite(backup, out, lambda e: [(link, None), *e[1:]])


def database_named_to_climb(backup: Path, out: Path) -> None:
    _rewrite(backup, out, lambda e: [*e[:2], regular("../chengxin.db", e[2][1])])


def member_after_the_database(backup: Path, out: Path) -> None:
    _rewrite(backup, out, lambda e: [*e, regular("../../evil.txt", b"owned")])


CASES: dict[str, tuple[Callable[[Path, Path], None], str, str]] = {
    "altered database": (altered_database, "file:database.sqlite",
                         "does not match the SHA-256 in the signed manifest"),
    "altered manifest": (altered_manifest, "file:manifest.sig",
                         "does not verify with this node's signing key: the manifest was altered"),
    "truncated": (cut_in_half, "file", "is truncated or damaged"),
    "truncated manifest": (cut_in_the_manifest, "file", "is truncated or damaged"),
    "compressed": (compressed, "file", "(it is compressed with gzip: decompress it first)"),
    "not an archive": (not_an_archive, "file", "is not a chengxin backup (not a tar archive"),
    "empty": (empty, "file", "is not a chengxin backup (it is empty)"),
    "../ member": (climbing_first_member, "file",
                   "holds '../evil.txt' where 'manifest.json' belongs"),
    "absolute member": (absolute_first_member, "file", "where 'manifest.json' belongs"),
    "link member": (manifest_as_a_link, "file",
                    "manifest.json is not a regular file in the archive"),
    "database member climbing": (database_named_to_climb, "file",
                                 "holds '../chengxin.db' where 'database.sqlite' belongs"),
    "member after the database": (member_after_the_database, "file",
                                  "holds '../../evil.txt' after database.sqlite"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_a_damaged_altered_or_hostile_file_is_refused_and_nothing_written(
    case: str, source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Issue 10: each bad file is refused with exit 2 naming the file (or its part) and why;
    no database is created and no member lands anywhere."""
    make, field, says = CASES[case]
    folder = tmp_path / "in" / "deep"
    folder.mkdir(parents=True)
    bad = folder / "bad.tar"
    make(source.backup, bad)
    target = new_node_folder(tmp_path / "restored", source.data)
    use_node(monkeypatch, target)
    code, out, err = run(capsys, "restore", str(bad))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {field}: ")
    assert says in err
    assert len(err.splitlines()) == 1
    assert sorted(p.name for p in target.iterdir()) == ["keys.json"]
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert written == ["in", "in/deep", "in/deep/bad.tar", "restored", "restored/keys.json"]


def test_a_missing_file_is_refused(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    use_node(monkeypatch, new_node_folder(tmp_path / "restored", source.data))
    missing = tmp_path / "nowhere.tar"
    assert run(capsys, "restore", str(missing)) == (
        2, "", f"error: file: {missing} cannot be read (No such file or directory)\n")  # fmt: skip
    assert run(capsys, "restore", str(tmp_path))[2].startswith(f"error: file: {tmp_path} ")


def test_another_nodes_key_file_is_refused(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """R-1.4/R-3.6: the keys are not in the backup; a node with other keys could not open the
    sealed names nor verify the ledger's checkpoints, so it is refused before anything."""
    target = tmp_path / "restored"
    create_key_file(target / "keys.json", NOW)
    use_node(monkeypatch, target)
    code, _, err = run(capsys, "restore", str(source.backup))
    assert code == 2
    assert err.startswith(f"error: key_file: {target / 'keys.json'} is not the key file this "
                          "backup was taken with (signing key ")  # fmt: skip
    assert sorted(p.name for p in target.iterdir()) == ["keys.json"]


def test_a_node_without_its_key_file_is_told_to_put_it_back(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """R-3.6: on a new machine the key file comes from its offline copy, not `chengxin init`."""
    use_node(monkeypatch, tmp_path / "restored")
    assert run(capsys, "restore", str(source.backup)) == (2, "", (
        f"error: key_file: {tmp_path / 'restored' / 'keys.json'} does not exist: put back the "
        "key file of the node the backup was taken on, from its offline copy\n"))  # fmt: skip
    assert not (tmp_path / "restored").exists()


def _newer_schema(body: dict[str, Any]) -> None:
    body["alembic_revision"] = "9999"


@pytest.mark.parametrize(
    ("env", "edit", "says"),
    [
        ({}, _newer_schema, "error: manifest.alembic_revision: 9999 is newer than this "
                            "chengxin's schema"),
        ({"CHENGXIN_REGION_CODE": "440300"}, None, "error: CHENGXIN_NODE_CODE: the backup is of "
                                                   "node CN-110000, this node is CN-440300"),
        ({"CHENGXIN_NODE_CODE": "CN-110000", "CHENGXIN_REGION_CODE": "440300"}, None,
         "error: CHENGXIN_REGION_CODE: the backup's ledger is 'chengxin/ledger/110000'"),
        ({"CHENGXIN_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}, None,
         "error: manifest.database: the backup is of a sqlite database, this node is configured "
         "for postgresql"),
    ],
)  # fmt: skip
def test_a_backup_this_node_cannot_take_is_refused(
    env: dict[str, str], edit: Callable[[dict[str, Any]], None] | None, says: str,
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Issue 10: a schema newer than the code, another node or ledger origin, or another kind of
    database are refused before the database is touched."""
    backup = source.backup
    if edit is not None:
        backup = resigned(source.backup, tmp_path / "edited.tar", source.data, edit)
    target = new_node_folder(tmp_path / "restored", source.data)
    use_node(monkeypatch, target)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    code, _, err = run(capsys, "restore", str(backup))
    assert code == 2
    assert err.startswith(says)
    assert sorted(p.name for p in target.iterdir()) == ["keys.json"]


def test_the_manifest_names_the_keys_but_holds_none(source: Source) -> None:
    """R-3.6: no key of the key file is in the backup, in any form that opens data."""
    (_, manifest), *_ = members(source.backup)
    keys = json.loads((source.data / "keys.json").read_text())
    secrets = [keys["blind_index_key"], keys["signing_key"], *(k["key"] for k in keys["data_keys"])]
    whole = source.backup.read_bytes()
    for secret in secrets:
        assert secret.encode() not in whole  # as the key file writes it
        assert base64.b64decode(secret) not in whole  # the raw key
    assert set(json.loads(manifest)["keys"]) == {"signing_key", "blind_index_key", "data_keys"}
