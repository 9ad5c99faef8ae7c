"""The backup manifest's own rules (pure): its checks name the field and the rule, the key file
must be the node's (later data keys allowed), and schema revisions newer than the code are
refused."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from chengxin.backups.manifest import (
    DatabaseFile,
    DatabaseKind,
    Manifest,
    RevisionState,
    check_keys,
    count_differences,
    key_ids,
    parse_json,
    parse_manifest,
    revision_state,
    sign,
    signature_holds,
)
from chengxin.errors import InvalidInput
from chengxin.keys import KeyRing, new_key_ring
from tests.conftest import NOW


def manifest(keys: KeyRing, **changes: Any) -> Manifest:
    values: dict[str, Any] = {
        "created_at": NOW, "chengxin_version": "0.1.0", "node_code": "CN-110000",
        "ledger_origin": "chengxin/ledger/110000", "database": DatabaseKind.SQLITE,
        "alembic_revision": "0018", "tables": {"alembic_version": 1, "records": 3},
        "ledger_size": 3, "ledger_root": "ab" * 32, "keys": key_ids(keys),
        "database_file": DatabaseFile("database.sqlite", 4096, "cd" * 32),
    }  # fmt: skip
    values.update(changes)
    return Manifest(**values)


def body(keys: KeyRing, **changes: Any) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(manifest(keys).to_bytes())
    parsed.update(changes)
    return parsed


def test_a_manifest_reads_back_as_written(keys: KeyRing) -> None:
    """Issue 10: what the backup writes is what the restore reads."""
    written = manifest(keys)
    assert parse_manifest(parse_json(written.to_bytes())) == written
    assert written.total_rows == 4


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"database": "mysql"}, "manifest.database", "database-kind"),
        ({"created_at": "2026-11-26T02:00:00"}, "manifest.created_at", "format"),
        ({"tables": {'x"; DROP TABLE records; --': 1}}, "manifest.tables", "format"),
        ({"tables": {"records": -1}}, "manifest.tables.records", "type"),
        ({"tables": {"records": True}}, "manifest.tables.records", "type"),
        ({"ledger": {"size": 3, "root_hash": "AB" * 32}}, "manifest.ledger.root_hash", "hash"),
        ({"alembic_revision": "../0018"}, "manifest.alembic_revision", "format"),
        ({"database_file": {"name": "../../x", "bytes": 1, "sha256": "cd" * 32}},
         "manifest.database_file.name", "format"),
    ],
)  # fmt: skip
def test_every_field_is_checked_and_named(
    keys: KeyRing, changes: dict[str, Any], field: str, rule: str
) -> None:
    """Issue 10: a manifest field out of its rule is refused, naming the field and the rule."""
    with pytest.raises(InvalidInput) as refused:
        parse_manifest(body(keys, **changes))
    assert (refused.value.field, refused.value.rule) == (field, rule)


@pytest.mark.parametrize(
    ("raw", "field", "rule"),
    [
        (b"\xff\xfe", "file:manifest.json", "json"),
        (b"[1, 2]", "file:manifest.json", "type"),
        (b'{"format": "chengxin-backup/2"}', "manifest.format", "format"),
    ],
)
def test_a_manifest_of_another_format_is_refused(raw: bytes, field: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_json(raw)
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_the_signature_covers_every_byte_and_only_the_node_key_makes_it(keys: KeyRing) -> None:
    """R-3.3: the manifest (which holds the database part's SHA-256) is signed by the node key."""
    raw = manifest(keys).to_bytes()
    signature = sign(raw, keys)
    assert signature_holds(raw, signature, keys.public_key_raw)
    assert not signature_holds(raw.replace(b"0018", b"0019"), signature, keys.public_key_raw)
    assert not signature_holds(raw, signature, new_key_ring(NOW).public_key_raw)
    assert not signature_holds(raw, b"not hex", keys.public_key_raw)


def test_the_key_file_must_be_the_one_the_data_was_sealed_with(keys: KeyRing) -> None:
    """R-1.4/R-3.6: keys are not in a backup; restoring needs the node's own key file. A key file
    rotated since (a newer data key added) still opens every value of the backup."""
    backup = key_ids(keys)
    check_keys(backup, key_ids(keys), "keys.json")
    check_keys(backup, key_ids(keys.with_new_data_key(NOW + dt.timedelta(days=1))), "keys.json")
    other = new_key_ring(NOW)
    mixed = KeyRing(keys.data_keys, keys.blind_index_key, other.signing_key_raw, "")
    for ring, says in ((other, "signing key"), (mixed, "signing key"),
                       (KeyRing(other.data_keys, keys.blind_index_key, keys.signing_key_raw, ""),
                        "data key version 1 differs"),
                       (KeyRing(keys.data_keys, other.blind_index_key, keys.signing_key_raw, ""),
                        "blind-index"),
                       (KeyRing(keys.with_new_data_key(NOW).data_keys[1:], keys.blind_index_key,
                                keys.signing_key_raw, ""), "data key version 1 is missing")):  # fmt: skip
        with pytest.raises(InvalidInput, match=says) as refused:
            check_keys(backup, key_ids(ring), "keys.json")
        assert (refused.value.field, refused.value.rule) == ("key_file", "key-match")


def test_revisions_newer_than_the_code_are_refused() -> None:
    known = ["0003", "0002", "0001"]
    assert revision_state("0003", known, "0003") is RevisionState.SAME
    assert revision_state("0001", known, "0003") is RevisionState.OLDER
    with pytest.raises(InvalidInput, match="newer than this chengxin") as refused:
        revision_state("0004", known, "0003")
    assert refused.value.rule == "revision"


def test_count_differences_say_which_table() -> None:
    assert count_differences({"a": 1, "b": 2}, {"a": 1, "b": 2}) == []
    assert count_differences({"a": 1, "b": 2}, {"a": 0, "c": 5}) == [
        "table b is missing", "table c is not in the backup", "table a holds 0 rows, the backup 1",
    ]  # fmt: skip
