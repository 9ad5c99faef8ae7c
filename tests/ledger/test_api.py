"""R-3.3 the ledger served to anyone: checkpoint, entries, inclusion and consistency proofs and
the public key, as a real app serves them. Proofs fetched over HTTP are checked by running the
auditor's script docs/verify_proof.py as a separate program; entries are redacted for outsiders."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from chengxin import migrate
from chengxin.app import create_app
from chengxin.keys import create_key_file
from chengxin.ledger import service
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.conftest import NOW, fresh_pg_database
from tests.platform import ALICE, BOB, platform

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify_proof.py"
HEX = re.compile(r"[0-9a-f]{64}")
ORIGIN = "chengxin/ledger/110000"
SUBJECT = uuid.UUID("6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab")


@contextmanager
def served(tmp: Path, database: str, **env: str) -> Iterator[tuple[TestClient, Runtime]]:
    settings_env = {"CHENGXIN_DATA_DIR": str(tmp), "CHENGXIN_CHECKPOINT_SECONDS": "3600", **env}
    with fresh_pg_database() if database == "postgres" else _no_url() as url:
        if url:
            settings_env["CHENGXIN_DATABASE_URL"] = url
        settings = load_settings(settings_env)
        create_key_file(settings.resolved_key_file, NOW)
        rt = Runtime(settings, clock=lambda: NOW)
        migrate.upgrade(rt.engine)
        with TestClient(create_app(rt)) as client:
            yield client, rt
        rt.close()


class _no_url:  # noqa: N801  (a null context manager yielding no URL)
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def append(rt: Runtime, entries: list[dict[str, Any]]) -> None:
    with rt.sessions() as session, session.begin():
        service.append_entries(session, rt.clock(), entries)


def sign(rt: Runtime) -> None:
    with rt.sessions() as session, session.begin():
        service.sign_checkpoint(session, rt.keys, rt.clock(), origin=rt.settings.ledger_origin)


@dataclass
class Log:
    client: TestClient
    rt: Runtime
    old_checkpoint: dict[str, Any]  # what an outsider saved when the log had 10 entries


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def log(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Log]:
    """25 entries; entry 7 and 20 are about SUBJECT; checkpoints at 10 and 25."""
    with served(tmp_path_factory.mktemp("api"), request.param) as (client, rt):
        entries: list[dict[str, Any]] = [
            {"kind": "query", "n": n, "note": "公开"} for n in range(25)
        ]
        entries[7]["subject"] = entries[20]["subject"] = str(SUBJECT)
        append(rt, entries[:10])
        sign(rt)
        old = client.get("/api/v1/ledger/checkpoint").json()
        append(rt, entries[10:])
        sign(rt)
        yield Log(client, rt, old)


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def run_script(
    tmp_path: Path, *documents: Any, consistency: bool = False
) -> subprocess.CompletedProcess[str]:
    paths = []
    for i, document in enumerate(documents):
        path = tmp_path / f"{i}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    flags = ["--consistency"] if consistency else []
    return subprocess.run([sys.executable, str(SCRIPT), *flags, *paths],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip


def test_the_public_key_is_the_nodes_raw_ed25519_key(log: Log) -> None:
    answer = log.client.get("/api/v1/ledger/public-key")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert set(body) == {"algorithm", "public_key"}
    assert body["algorithm"] == "ed25519"
    assert base64.b64decode(body["public_key"], validate=True) == log.rt.keys.public_key_raw


def test_the_checkpoint_is_signed_and_names_tree_size_root_and_time(log: Log) -> None:
    body = log.client.get("/api/v1/ledger/checkpoint").json()
    assert set(body) == {"tree_size", "root_hash", "timestamp", "note", "signature"}
    assert body["tree_size"] == 25
    assert HEX.fullmatch(body["root_hash"])
    assert dt.datetime.fromisoformat(body["timestamp"]) == NOW
    root = base64.b64encode(bytes.fromhex(body["root_hash"])).decode()
    assert body["note"] == f"{ORIGIN}\n25\n{root}\n"
    public = Ed25519PublicKey.from_public_bytes(log.rt.keys.public_key_raw)
    public.verify(base64.b64decode(body["signature"]), body["note"].encode())  # raises if bad
    assert log.old_checkpoint["tree_size"] == 10


def test_an_entry_is_its_canonical_json_and_leaf_hash(log: Log) -> None:
    body = log.client.get("/api/v1/ledger/entries/3").json()
    assert set(body) == {"index", "leaf_hash", "entry"}
    assert body["index"] == 3
    assert body["entry"] == {
        "kind": "query",
        "n": 3,
        "note": "公开",
        "index": 3,
        "at": NOW.isoformat(),
    }
    assert HEX.fullmatch(body["leaf_hash"])
    assert body["leaf_hash"] == hashlib.sha256(b"\x00" + canonical(body["entry"])).hexdigest()


def test_whose_an_entry_is_is_redacted_for_the_public(log: Log) -> None:
    body = log.client.get("/api/v1/ledger/entries/7").json()
    assert body["entry"] == {
        "kind": "query",
        "n": 7,
        "note": "公开",
        "index": 7,
        "at": NOW.isoformat(),
        "subject": "redacted",
    }
    assert str(SUBJECT) not in json.dumps(body)
    assert body["leaf_hash"] != hashlib.sha256(b"\x00" + canonical(body["entry"])).hexdigest()
    unredacted = {**body["entry"], "subject": str(SUBJECT)}  # the hash is over the full entry
    assert body["leaf_hash"] == hashlib.sha256(b"\x00" + canonical(unredacted)).hexdigest()


def test_an_inclusion_proof_over_http_passes_the_auditors_script(log: Log, tmp_path: Path) -> None:
    checkpoint = log.client.get("/api/v1/ledger/checkpoint").json()
    key = log.client.get("/api/v1/ledger/public-key").json()
    for index in (0, 3, 16, 24):
        proof = log.client.get(
            "/api/v1/ledger/proof/inclusion", params={"index": index, "size": 25}
        ).json()
        assert set(proof) == {"leaf_index", "tree_size", "leaf_hash", "audit_path"}
        assert (proof["leaf_index"], proof["tree_size"]) == (index, 25)
        assert all(HEX.fullmatch(h) for h in [proof["leaf_hash"], *proof["audit_path"]])
        entry = log.client.get(f"/api/v1/ledger/entries/{index}").json()
        assert proof["leaf_hash"] == entry["leaf_hash"]
        result = run_script(tmp_path, checkpoint, key, proof, entry)
        assert (result.returncode, result.stdout) == (
            0,
            f"OK leaf {index} is in the signed tree of 25 leaves, root {checkpoint['root_hash']}\n",
        )
    flipped = {**proof, "audit_path": [proof["audit_path"][0][::-1], *proof["audit_path"][1:]]}
    result = run_script(tmp_path, checkpoint, key, flipped)
    assert (result.returncode, result.stdout) == (
        1,
        "FAILED: the inclusion proof does not lead to the signed root\n",
    )


def test_a_redacted_entry_is_proven_by_its_leaf_hash_alone(log: Log, tmp_path: Path) -> None:
    checkpoint = log.client.get("/api/v1/ledger/checkpoint").json()
    key = log.client.get("/api/v1/ledger/public-key").json()
    proof = log.client.get("/api/v1/ledger/proof/inclusion?index=20&size=25").json()
    assert run_script(tmp_path, checkpoint, key, proof).returncode == 0
    entry = log.client.get("/api/v1/ledger/entries/20").json()
    result = run_script(tmp_path, checkpoint, key, proof, entry)  # the outsider's copy is redacted
    assert (result.returncode, result.stdout) == (
        1,
        "FAILED: the entry does not hash to the leaf hash of the proof\n",
    )


def test_a_consistency_proof_over_http_passes_the_auditors_script(log: Log, tmp_path: Path) -> None:
    new = log.client.get("/api/v1/ledger/checkpoint").json()
    key = log.client.get("/api/v1/ledger/public-key").json()
    proof = log.client.get(
        "/api/v1/ledger/proof/consistency", params={"first": 10, "second": 25}
    ).json()
    assert set(proof) == {"first", "second", "proof"}
    assert (proof["first"], proof["second"]) == (10, 25)
    assert proof["proof"]
    assert all(HEX.fullmatch(h) for h in proof["proof"])
    result = run_script(tmp_path, log.old_checkpoint, new, key, proof, consistency=True)
    assert (result.returncode, result.stdout) == (
        0,
        "OK the signed tree of 25 leaves extends the signed tree of 10 leaves\n",
    )
    tampered = {**proof, "proof": [*proof["proof"][:-1], "00" * 32]}
    assert (
        run_script(tmp_path, log.old_checkpoint, new, key, tampered, consistency=True).returncode
        == 1
    )
    same = log.client.get("/api/v1/ledger/proof/consistency?first=25&second=25").json()
    assert same == {"first": 25, "second": 25, "proof": []}


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [("/entries/-1", 422, "index"), ("/entries/abc", 422, "index"), ("/entries/25", 404, "index"),
     ("/entries/99999999999999999999999", 404, "index"),
     ("/proof/inclusion?index=25&size=25", 422, "index"), ("/proof/inclusion?index=-1&size=5", 422, "index"),
     ("/proof/inclusion?index=x&size=5", 422, "index"), ("/proof/inclusion?index=0&size=26", 422, "size"),
     ("/proof/inclusion?index=0&size=0", 422, "size"), ("/proof/inclusion?index=0", 422, "size"),
     ("/proof/inclusion?index=0&size=99999999999999999999999", 422, "size"),
     ("/proof/consistency?first=0&second=5", 422, "first"), ("/proof/consistency?first=6&second=5", 422, "first"),
     ("/proof/consistency?first=1&second=26", 422, "second"), ("/proof/consistency?first=1", 422, "second"),
     ("/proof/consistency?first=1&second=1.5", 422, "second")],
)  # fmt: skip
def test_bad_index_and_size_are_problems_naming_the_field(
    log: Log, path: str, status: int, field: str
) -> None:
    answer = log.client.get("/api/v1/ledger" + path)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert (problem["status"], problem["field"]) == (status, field)
    assert problem["detail"].startswith(f"{field}: ")


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_server_signs_checkpoints_every_few_seconds_while_entries_arrive(
    tmp_path: Path, database: str
) -> None:
    with served(tmp_path, database, CHENGXIN_CHECKPOINT_SECONDS="0.2") as (client, rt):
        missing = client.get("/api/v1/ledger/checkpoint")
        assert (missing.status_code, missing.json()["field"]) == (404, "checkpoint")
        seen = []
        for size, count in ((3, 3), (8, 5)):
            append(rt, [{"kind": "consent", "n": n} for n in range(count)])
            deadline = time.monotonic() + 5
            while (body := client.get("/api/v1/ledger/checkpoint").json()).get("tree_size") != size:
                assert time.monotonic() < deadline, (
                    f"no checkpoint of size {size} after 5 s: {body}"
                )
                time.sleep(0.05)
            seen.append(body)
        key = client.get("/api/v1/ledger/public-key").json()
        proof = client.get("/api/v1/ledger/proof/consistency?first=3&second=8").json()
        result = run_script(tmp_path, seen[0], seen[1], key, proof, consistency=True)
        assert result.returncode == 0, result.stdout


def test_entries_are_shown_to_their_subject_and_auditors_and_redacted_for_everyone_else(
    tmp_path: Path,
) -> None:
    with platform(tmp_path, "sqlite") as node:
        alice, bob = node.subject(ALICE), node.subject(BOB)
        with node.rt.sessions() as session:
            hers = [row.idx for row in service.entries_about(session, alice, "record_version")]
            his = [row.idx for row in service.entries_about(session, bob, "record_version")]
        assert hers
        assert his
        for who, sees_hers, sees_his in [(None, False, False), ("BANK-A", False, False), ("the.operator", False, False),
                                         ("alice", True, False), ("the.auditor", True, True)]:  # fmt: skip
            for index, subject, shown in ((hers[0], alice, sees_hers), (his[0], bob, sees_his)):
                answer = node.call("GET", f"/api/v1/ledger/entries/{index}", who)
                assert answer.status_code == 200, answer.text
                assert answer.json()["entry"]["subject"] == (
                    str(subject) if shown else "redacted"
                ), who
