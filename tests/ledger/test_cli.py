"""R-3.3 `chengxin ledger status|checkpoint|verify|verify-proof`. verify-proof checks the files an
outsider saved from the API: exit 0 when the proof holds, 1 when it does not, and 2 with one line
`error: field: …` when a file is not what the server serves (hostile, oversized, not JSON)."""

from __future__ import annotations

import base64
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import event

from chengxin.app import create_app
from chengxin.cli import main
from chengxin.db import make_engine, session_factory
from chengxin.keys import create_key_file
from chengxin.ledger import service
from chengxin.ledger.verify import read_snapshot, verify_ledger
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.conftest import NOW

ORIGIN = "chengxin/ledger/110000"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def new_node(data: Path, template: Path) -> Runtime:
    """A node's data folder: a new key file and a copy of the migrated SQLite template."""
    settings = load_settings({"CHENGXIN_DATA_DIR": str(data)})
    create_key_file(settings.resolved_key_file, NOW)
    shutil.copy(template, data / "chengxin.db")
    return Runtime(settings)


@pytest.fixture
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> Runtime:
    for var in ("CHENGXIN_DATABASE_URL", "CHENGXIN_KEY_FILE", "CHENGXIN_REGION_CODE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path / "data"))
    return new_node(tmp_path / "data", sqlite_template)


def append(rt: Runtime, count: int) -> None:
    with rt.sessions() as session, session.begin():
        service.append_entries(
            session, rt.clock(), [{"kind": "query", "n": n} for n in range(count)]
        )


def test_status_and_checkpoint(node: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ledger", "status") == (
        0,
        "tree_size: 0\ncheckpoint_size: None\ncheckpoint_root: None\ncheckpoint_time: None\n",
        "",
    )
    assert run(capsys, "ledger", "checkpoint") == (0, "the ledger is empty\n", "")
    append(node, 6)
    code, out, _ = run(capsys, "ledger", "checkpoint")
    with node.sessions() as session:
        cp = service.latest_checkpoint(session)
    assert cp is not None
    assert (code, out) == (0, f"checkpoint: 6 {cp.root_hash}\n")
    assert run(capsys, "ledger", "checkpoint")[1] == out  # nothing new: the same checkpoint
    append(node, 1)
    code, out, _ = run(capsys, "ledger", "status", "--json")
    status = json.loads(out)
    assert (code, status["tree_size"], status["checkpoint_size"], status["checkpoint_root"]) == (
        0,
        7,
        6,
        cp.root_hash,
    )
    assert status["checkpoint_time"] == cp.timestamp.isoformat()
    assert run(capsys, "ledger", "verify") == (0, "OK: 7 entries, 1 checkpoints verified\n", "")


def no_waiting(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=0")


def test_verify_reads_a_snapshot_and_does_not_keep_writers_waiting(node: Runtime) -> None:
    """A verification running for minutes must not hold SQLite's write lock: an append made
    meanwhile goes through at once, and the verification sees the log as it was."""
    append(node, 5)
    url = node.settings.resolved_database_url
    with read_snapshot(url) as snapshot:
        assert verify_ledger(snapshot, node.keys, origin=ORIGIN).entries == 5
        writer = make_engine(url)
        event.listen(writer, "connect", no_waiting)  # fail at once if the reader held the lock
        with session_factory(writer)() as session, session.begin():
            service.append_entries(session, node.clock(), [{"kind": "query"}])
        writer.dispose()
        assert verify_ledger(snapshot, node.keys, origin=ORIGIN).entries == 5
        with pytest.raises(Exception, match="readonly"), snapshot.begin_nested():
            service.append_entries(snapshot, node.clock(), [{"kind": "query"}])
    with read_snapshot(url) as snapshot:
        assert verify_ledger(snapshot, node.keys, origin=ORIGIN).entries == 6


# --- verify-proof ------------------------------------------------------------------------------


@dataclass
class Saved:
    """What an outsider saved from the API of a node: 5 entries and a checkpoint, then 13."""

    old: dict[str, Any]
    checkpoint: dict[str, Any]
    key: dict[str, Any]
    inclusion: dict[str, Any]
    entry: dict[str, Any]
    consistency: dict[str, Any]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Saved:
    rt = new_node(tmp_path_factory.mktemp("node"), sqlite_template)
    with TestClient(create_app(rt)) as client:
        append(rt, 5)
        with rt.sessions() as session, session.begin():
            service.sign_checkpoint(session, rt.keys, rt.clock(), origin=ORIGIN)
        old = client.get("/api/v1/ledger/checkpoint").json()
        append(rt, 8)
        with rt.sessions() as session, session.begin():
            service.sign_checkpoint(session, rt.keys, rt.clock(), origin=ORIGIN)
        return Saved(
            old=old,
            checkpoint=client.get("/api/v1/ledger/checkpoint").json(),
            key=client.get("/api/v1/ledger/public-key").json(),
            inclusion=client.get("/api/v1/ledger/proof/inclusion?index=6&size=13").json(),
            entry=client.get("/api/v1/ledger/entries/6").json(),
            consistency=client.get("/api/v1/ledger/proof/consistency?first=5&second=13").json(),
        )


class Files:
    """The saved documents as files in a test's folder, and the command lines that check them."""

    def __init__(self, saved: Saved, folder: Path) -> None:
        self.folder = folder
        self.old, self.checkpoint, self.key = saved.old, saved.checkpoint, saved.key
        self.inclusion, self.entry, self.consistency = (
            saved.inclusion,
            saved.entry,
            saved.consistency,
        )

    def write(self, name: str, document: Any) -> str:
        path = self.folder / f"{name}.json"
        path.write_text(
            document if isinstance(document, str) else json.dumps(document), encoding="utf-8"
        )
        return str(path)

    def inclusion_args(self, **override: Any) -> list[str]:
        docs = {
            "checkpoint": self.checkpoint,
            "public-key": self.key,
            "inclusion": self.inclusion,
            "entry": self.entry,
            **override,
        }
        return [
            "ledger",
            "verify-proof",
            *(
                arg
                for flag, doc in docs.items()
                if doc is not None
                for arg in (f"--{flag}", self.write(flag, doc))
            ),
        ]

    def consistency_args(self, **override: Any) -> list[str]:
        docs = {
            "checkpoint": self.checkpoint,
            "public-key": self.key,
            "consistency": self.consistency,
            "old-checkpoint": self.old,
            **override,
        }
        return [
            "ledger",
            "verify-proof",
            *(
                arg
                for flag, doc in docs.items()
                if doc is not None
                for arg in (f"--{flag}", self.write(flag, doc))
            ),
        ]


@pytest.fixture
def files(saved: Saved, tmp_path: Path) -> Files:
    return Files(saved, tmp_path)


def flip(value: str) -> str:
    return ("1" if value[0] == "0" else "0") + value[1:]


def test_good_proofs_pass(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, *files.inclusion_args()) == (
        0,
        "OK: entry 6 is in the signed tree of size 13\n",
        "",
    )
    assert run(capsys, *files.inclusion_args(entry=None)) == (
        0,
        "OK: entry 6 is in the signed tree of size 13\n",
        "",
    )
    assert run(capsys, *files.consistency_args()) == (
        0,
        "OK: the tree of size 13 extends the tree of size 5\n",
        "",
    )


def other_key_signature(note: str) -> str:
    return base64.b64encode(Ed25519PrivateKey.generate().sign(note.encode())).decode()


@pytest.mark.parametrize(
    ("case", "message"),
    [("audit_path", "FAILED: entry 6 is not in the signed tree of size 13\n"),
     ("leaf_index", "FAILED: entry 7 is not in the signed tree of size 13\n"),
     ("entry", "FAILED: entry 6 does not hash to the proof's leaf_hash\n"),
     ("signature", "FAILED: checkpoint: the signature does not verify with this public key\n"),
     ("note", "FAILED: checkpoint: the signature does not verify with this public key\n"),
     ("root_hash", "FAILED: checkpoint: tree_size/root_hash differ from the signed note\n"),
     ("key", "FAILED: checkpoint: the signature does not verify with this public key\n")],
)  # fmt: skip
def test_a_tampered_inclusion_proof_fails_with_exit_1(
    files: Files, capsys: pytest.CaptureFixture[str], case: str, message: str
) -> None:
    cp, proof, entry = files.checkpoint, files.inclusion, files.entry
    override = {
        "audit_path": {
            "inclusion": {
                **proof,
                "audit_path": [flip(proof["audit_path"][0]), *proof["audit_path"][1:]],
            }
        },
        "leaf_index": {"inclusion": {**proof, "leaf_index": 7}, "entry": {**entry, "index": 7}},
        "entry": {"entry": {**entry, "entry": {**entry["entry"], "n": 99}}},
        "signature": {"checkpoint": {**cp, "signature": other_key_signature(cp["note"])}},
        "note": {
            "checkpoint": {**cp, "note": cp["note"].replace("\n13\n", "\n14\n"), "tree_size": 14},
            "inclusion": {**proof, "tree_size": 14},
        },
        "root_hash": {"checkpoint": {**cp, "root_hash": flip(cp["root_hash"])}},
        "key": {"public-key": {**files.key, "public_key": base64.b64encode(bytes(32)).decode()}},
    }[case]
    assert run(capsys, *files.inclusion_args(**override)) == (1, "", message)


def test_a_tampered_consistency_proof_fails_with_exit_1(
    files: Files, capsys: pytest.CaptureFixture[str]
) -> None:
    hashes = files.consistency["proof"]
    tampered = {**files.consistency, "proof": [*hashes[:-1], flip(hashes[-1])]}
    message = "FAILED: the tree of size 13 does not extend the tree of size 5\n"
    assert run(capsys, *files.consistency_args(consistency=tampered)) == (1, "", message)
    forged_old = {**files.old, "signature": other_key_signature(files.old["note"])}
    message = "FAILED: old_checkpoint: the signature does not verify with this public key\n"
    assert run(capsys, *files.consistency_args(**{"old-checkpoint": forged_old})) == (
        1,
        "",
        message,
    )


def deep(n: int) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize(
    ("flag", "document", "line"),
    [("inclusion", "not json {", "error: inclusion: cannot be read as JSON (not JSON)"),
     ("inclusion", "[1, 2]", "error: inclusion: must be a JSON object"),
     ("inclusion", deep(100_000), "error: inclusion: cannot be read as JSON (not JSON)"),
     ("inclusion", '{"leaf_index": ' + "9" * 5000 + "}", "error: inclusion: cannot be read as JSON (not JSON)"),
     ("inclusion", '{"leaf_index": NaN}', "error: inclusion: cannot be read as JSON (not JSON)"),
     ("entry", '{"index": 6, "entry": {"n": 1e999}}', "error: entry: cannot be read as JSON (not JSON)"),
     ("inclusion", " " * (1024 * 1024) + "{}", "error: inclusion: is larger than 1048576 bytes"),
     ("inclusion", {"leaf_hash": "AB" * 32}, "error: inclusion.leaf_hash: must be 64 lower-case hex digits"),
     ("inclusion", {"leaf_hash": " " + "ab" * 32}, "error: inclusion.leaf_hash: must be 64 lower-case hex digits"),
     ("inclusion", {"leaf_index": True}, "error: inclusion.leaf_index: must be a whole number, 0 or more"),
     ("inclusion", {"leaf_index": -1}, "error: inclusion.leaf_index: must be a whole number, 0 or more"),
     ("inclusion", {"tree_size": 12}, "error: inclusion.tree_size: is not the checkpoint's size 13"),
     ("inclusion", {"audit_path": 5}, "error: inclusion.audit_path: must be a list of at most 128 hashes"),
     ("inclusion", {"audit_path": ["00" * 32] * 129}, "error: inclusion.audit_path: must be a list of at most 128 hashes"),
     ("inclusion", {"audit_path": [7]}, "error: inclusion.audit_path[0]: must be 64 lower-case hex digits"),
     ("entry", {"index": 5}, "error: entry.index: is not the proof's leaf_index 6"),
     ("entry", {"entry": "text"}, "error: entry.entry: must be a JSON object"),
     ("checkpoint", {"signature": "***"}, "error: checkpoint.signature: must be a base64 string"),
     ("checkpoint", {"note": 5}, "error: checkpoint.note: must be the checkpoint text"),
     ("checkpoint", {"tree_size": "13"}, "error: checkpoint.tree_size: must be a whole number, 0 or more"),
     ("public-key", {"algorithm": "rsa"}, "error: public_key.algorithm: must be ed25519"),
     ("public-key", {"public_key": base64.b64encode(bytes(31)).decode()}, "error: public_key.public_key: must be a raw 32-byte Ed25519 key"),
     ("public-key", {"public_key": None}, "error: public_key.public_key: must be a base64 string")],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line_naming_the_field(
    files: Files, capsys: pytest.CaptureFixture[str], flag: str, document: Any, line: str
) -> None:
    if isinstance(document, dict):
        base = {
            "inclusion": files.inclusion,
            "entry": files.entry,
            "checkpoint": files.checkpoint,
            "public-key": files.key,
        }[flag]
        document = {**base, **document}
    assert run(capsys, *files.inclusion_args(**{flag: document})) == (2, "", line + "\n")


def test_unreadable_paths_and_wrong_combinations_exit_2(
    files: Files, capsys: pytest.CaptureFixture[str]
) -> None:
    args = files.inclusion_args()
    latin = files.folder / "latin.json"
    latin.write_bytes(b'{"note": "\xff"}')
    for path, line in [(str(files.folder / "missing.json"), "error: checkpoint: cannot be read (No such file or directory)"),
                       (str(latin), "error: checkpoint: cannot be read as JSON (not UTF-8)"),
                       (str(files.folder), "error: checkpoint: cannot be read (Is a directory)"),
                       ("/dev/zero", "error: checkpoint: is larger than 1048576 bytes")]:  # fmt: skip
        hostile = list(args)
        hostile[hostile.index("--checkpoint") + 1] = path
        assert run(capsys, *hostile) == (2, "", line + "\n")
    both = [*files.inclusion_args(), "--consistency", files.write("c", files.consistency)]
    assert run(capsys, *both) == (2, "", "error: proof: give --inclusion or --consistency\n")
    neither = files.inclusion_args(inclusion=None, entry=None)
    assert run(capsys, *neither) == (2, "", "error: proof: give --inclusion or --consistency\n")
    no_old = files.consistency_args(**{"old-checkpoint": None})
    assert run(capsys, *no_old) == (2, "", "error: old_checkpoint: is needed with --consistency\n")
    swapped = files.consistency_args(consistency={**files.consistency, "first": 6})
    line = "error: consistency: first/second must be the checkpoints' sizes 5 and 13\n"
    assert run(capsys, *swapped) == (2, "", line)


def test_verify_proof_needs_no_database(
    files: Files,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """An outsider has no node: the command runs on the saved files alone."""
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path / "nowhere"))
    assert run(capsys, *files.inclusion_args())[0] == 0
    assert not (tmp_path / "nowhere").exists()
