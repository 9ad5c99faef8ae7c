"""The backup manifest: what a backup holds, written as JSON and signed with the node's Ed25519
key, and every check a restore makes of it before it touches a database.

Pure: no database, no clock, no files. Refusals name the field (`manifest.<name>`) and the rule.

The signature covers the manifest's exact bytes, and the manifest holds the SHA-256 of the
database part, so the whole archive is vouched for by the node's key. The keys themselves are
never in a backup: the manifest names them by fingerprint only (a SHA-256 of the public signing
key, and a domain-separated SHA-256 of each secret key, which reveals nothing of the key), so a
restore can tell that the node's key file is the one the data was sealed with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chengxin.errors import InvalidInput
from chengxin.keys import KeyRing

FORMAT = "chengxin-backup/1"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_SIGNATURE_BYTES = 1024
MAX_TABLES = 10_000
# Domain separation: the node key also signs ledger checkpoints and exchange packages.
SIGNING_CONTEXT = b"chengxin-backup/1 manifest\n"
_HEX64 = re.compile(r"[0-9a-f]{64}")
# chengxin's table names: safe to quote in SQL as they are
TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_REVISION = re.compile(r"[0-9A-Za-z_]{1,64}")
_VERSION = re.compile(r"[1-9][0-9]{0,8}")


class DatabaseKind(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"

    @property
    def member_name(self) -> str:
        """The database part's name inside the archive."""
        return "database.sqlite" if self is DatabaseKind.SQLITE else "database.pgdump"


@dataclass(frozen=True)
class KeyIds:
    """Fingerprints of a key ring: the public signing key, the blind-index key and each data
    key version."""

    signing_key: str
    blind_index_key: str
    data_keys: dict[int, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "signing_key": self.signing_key,
            "blind_index_key": self.blind_index_key,
            "data_keys": {str(v): key_id for v, key_id in sorted(self.data_keys.items())},
        }


def _secret_id(purpose: str, key: bytes) -> str:
    return hashlib.sha256(b"chengxin key id\x00" + purpose.encode() + b"\x00" + key).hexdigest()


def key_ids(ring: KeyRing) -> KeyIds:
    return KeyIds(
        signing_key=hashlib.sha256(ring.public_key_raw).hexdigest(),
        blind_index_key=_secret_id("blind-index", ring.blind_index_key),
        data_keys={k.version: _secret_id(f"data-key {k.version}", k.key) for k in ring.data_keys},
    )


@dataclass(frozen=True)
class DatabaseFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: dt.datetime
    chengxin_version: str
    node_code: str
    ledger_origin: str
    database: DatabaseKind
    alembic_revision: str
    tables: dict[str, int]  # every table of the database and its rows
    ledger_size: int
    ledger_root: str  # hex; RFC 9162's root of the empty tree when the ledger is empty
    keys: KeyIds
    database_file: DatabaseFile

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())

    def to_bytes(self) -> bytes:
        body = {
            "format": FORMAT,
            "created_at": self.created_at.isoformat(),
            "chengxin_version": self.chengxin_version,
            "node_code": self.node_code,
            "ledger_origin": self.ledger_origin,
            "database": self.database.value,
            "alembic_revision": self.alembic_revision,
            "tables": dict(sorted(self.tables.items())),
            "ledger": {"size": self.ledger_size, "root_hash": self.ledger_root},
            "keys": self.keys.to_json(),
            "database_file": {
                "name": self.database_file.name,
                "bytes": self.database_file.size,
                "sha256": self.database_file.sha256,
            },
        }
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- signing ------------------------------------------------------------------------------------


def sign(raw: bytes, ring: KeyRing) -> bytes:
    """The signature file's content: the Ed25519 signature of the manifest's bytes, as hex."""
    return ring.sign(SIGNING_CONTEXT + raw).hex().encode("ascii") + b"\n"


def signature_holds(raw: bytes, signature_file: bytes, public_key: bytes) -> bool:
    try:
        signature = bytes.fromhex(signature_file.decode("ascii").strip())
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, SIGNING_CONTEXT + raw)
    except (UnicodeDecodeError, ValueError, InvalidSignature):
        return False
    return True


# --- parsing: every field checked, named in the refusal -----------------------------------------


def _bad(field: str, message: str, rule: str) -> InvalidInput:
    return InvalidInput(message, field=f"manifest.{field}", rule=rule)


def _text(body: dict[str, Any], field: str, pattern: re.Pattern[str] | None = None) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise _bad(field, "must be a non-empty text of at most 200 characters", "type")
    if pattern is not None and not pattern.fullmatch(value):
        raise _bad(field, f"must match {pattern.pattern}", "format")
    return value


def _count(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise _bad(field, "must be a whole number, 0 or more", "type")
    return value


def _hex64(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise _bad(field, "must be 64 lower-case hex digits", "hash")
    return value


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(field, "must be a JSON object", "type")
    return value


def parse_json(raw: bytes) -> dict[str, Any]:
    """The manifest's JSON object, and its format checked (before anything else is read)."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidInput("is not JSON", field=f"file:{MANIFEST_NAME}", rule="json") from None
    if not isinstance(body, dict):
        raise InvalidInput("must be a JSON object", field=f"file:{MANIFEST_NAME}", rule="type")
    if body.get("format") != FORMAT:
        raise _bad("format", f"must be {FORMAT!r}: not a backup this version reads", "format")
    return body


def parse_keys(body: dict[str, Any]) -> KeyIds:
    keys = _object(body.get("keys"), "keys")
    data = _object(keys.get("data_keys"), "keys.data_keys")
    if not data or len(data) > 1000:
        raise _bad("keys.data_keys", "must name 1 to 1000 data key versions", "type")
    versions: dict[int, str] = {}
    for version, key_id in data.items():
        if not _VERSION.fullmatch(version):
            raise _bad("keys.data_keys", f"{version[:20]!r} is not a key version", "format")
        versions[int(version)] = _hex64(key_id, f"keys.data_keys.{version}")
    return KeyIds(
        signing_key=_hex64(keys.get("signing_key"), "keys.signing_key"),
        blind_index_key=_hex64(keys.get("blind_index_key"), "keys.blind_index_key"),
        data_keys=versions,
    )


def parse_manifest(body: dict[str, Any]) -> Manifest:
    """The manifest from its JSON object (whose signature has been checked)."""
    try:
        created_at = dt.datetime.fromisoformat(_text(body, "created_at"))
    except ValueError:
        raise _bad("created_at", "must be an ISO 8601 date and time", "format") from None
    if created_at.tzinfo is None:
        raise _bad("created_at", "must carry its UTC offset", "format")
    try:
        kind = DatabaseKind(str(body.get("database")))
    except ValueError:
        raise _bad("database", "must be 'sqlite' or 'postgresql'", "database-kind") from None
    tables = _object(body.get("tables"), "tables")
    if not tables or len(tables) > MAX_TABLES:
        raise _bad("tables", f"must list 1 to {MAX_TABLES} tables", "type")
    counts: dict[str, int] = {}
    for name, rows in tables.items():
        if not TABLE_NAME.fullmatch(name):
            raise _bad("tables", f"{name[:70]!r} is not a table name", "format")
        counts[name] = _count(rows, f"tables.{name}")
    ledger = _object(body.get("ledger"), "ledger")
    part = _object(body.get("database_file"), "database_file")
    if part.get("name") != kind.member_name:
        raise _bad("database_file.name", f"must be {kind.member_name!r}", "format")
    return Manifest(
        created_at=created_at.astimezone(dt.UTC),
        chengxin_version=_text(body, "chengxin_version"),
        node_code=_text(body, "node_code"),
        ledger_origin=_text(body, "ledger_origin"),
        database=kind,
        alembic_revision=_text(body, "alembic_revision", _REVISION),
        tables=counts,
        ledger_size=_count(ledger.get("size"), "ledger.size"),
        ledger_root=_hex64(ledger.get("root_hash"), "ledger.root_hash"),
        keys=parse_keys(body),
        database_file=DatabaseFile(
            name=kind.member_name,
            size=_count(part.get("bytes"), "database_file.bytes"),
            sha256=_hex64(part.get("sha256"), "database_file.sha256"),
        ),
    )


# --- checks against the node that restores ------------------------------------------------------


def check_keys(backup: KeyIds, node: KeyIds, key_file: str) -> None:
    """The node's key file must be the one the backup's data was sealed and signed with: the same
    signing and blind-index keys, and every data key version the backup names (later versions,
    added by a rotation since, may be there too)."""

    def refuse(what: str) -> InvalidInput:
        return InvalidInput(
            f"{key_file} is not the key file this backup was taken with ({what}); put back the "
            "key file kept offline for this node",
            field="key_file",
            rule="key-match",
        )

    if backup.signing_key != node.signing_key:
        raise refuse(
            f"signing key {_short(node.signing_key)}…, the backup's {_short(backup.signing_key)}…"
        )
    if backup.blind_index_key != node.blind_index_key:
        raise refuse("another blind-index key")
    for version, key_id in sorted(backup.data_keys.items()):
        if version not in node.data_keys:
            raise refuse(f"data key version {version} is missing")
        if node.data_keys[version] != key_id:
            raise refuse(f"data key version {version} differs")


def _short(fingerprint: str) -> str:
    return fingerprint[:16]


class RevisionState(StrEnum):
    SAME = "same"
    OLDER = "older"


def revision_state(revision: str, known: list[str], head: str) -> RevisionState:
    """Where the backup's schema revision stands against this code's migrations (`known`, every
    revision shipped). A revision the code does not know was made by newer code: refused."""
    if revision == head:
        return RevisionState.SAME
    if revision in known:
        return RevisionState.OLDER
    raise _bad(
        "alembic_revision",
        f"{revision} is newer than this chengxin's schema (head {head}): restore it with the "
        "chengxin version that took it, or a later one",
        "revision",
    )


def count_differences(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    """How the tables found differ from the manifest's, one line each (empty when they agree)."""
    lines = [f"table {t} is missing" for t in sorted(expected.keys() - found.keys())]
    lines += [f"table {t} is not in the backup" for t in sorted(found.keys() - expected.keys())]
    lines += [
        f"table {t} holds {found[t]} rows, the backup {expected[t]}"
        for t in sorted(expected.keys() & found.keys())
        if expected[t] != found[t]
    ]
    return lines
