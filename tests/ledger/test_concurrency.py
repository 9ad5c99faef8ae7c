"""R-3.3 concurrent writers never fork the log: several OS processes append in many small
transactions (and sign checkpoints as they go) to one SQLite file or one PostgreSQL database.
Afterwards the indices run 0..n-1 without gaps or duplicates, every entry is there once, the
log verifies, and every checkpoint signed during the run is consistent with the next one."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shutil
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.db import make_engine, session_factory
from chengxin.keys import KeyRing, parse_key_ring
from chengxin.ledger import service
from chengxin.ledger.models import LedgerCheckpoint, LedgerEntry
from chengxin.ledger.verify import read_snapshot, verify_ledger
from tests.conftest import NOW, fresh_pg_database
from tests.support import load_verifier

ORIGIN = "chengxin/ledger/110000"
WORKERS = 4
ROUNDS = 30
SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify_proof.py"


def batch_size(worker: int, round_: int) -> int:
    return 1 + (worker + round_) % 3


def append_worker(url: str, key_json: str, worker: int, start: Any) -> None:
    """One process: ROUNDS transactions of 1 to 3 entries, a checkpoint every fourth round."""
    engine = make_engine(url)
    factory = session_factory(engine)
    keys = parse_key_ring(key_json)
    start.wait()
    for round_ in range(ROUNDS):
        at = NOW + dt.timedelta(milliseconds=round_)
        entries = [{"kind": "query", "worker": worker, "round": round_, "k": k}
                   for k in range(batch_size(worker, round_))]  # fmt: skip
        with factory() as session, session.begin():
            indices = service.append_entries(session, at, entries)
        assert indices == list(range(indices[0], indices[0] + len(entries)))
        if round_ % 4 == worker % 4:
            with factory() as session, session.begin():
                service.sign_checkpoint(session, keys, at, origin=ORIGIN)
    engine.dispose()


def run_workers(url: str, keys: KeyRing) -> None:
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no shared connections
    start = ctx.Barrier(WORKERS)
    processes = [ctx.Process(target=append_worker, args=(url, keys.to_json(), w, start))
                 for w in range(WORKERS)]  # fmt: skip
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * WORKERS


def check_one_log(url: str, keys: KeyRing) -> None:
    expected = Counter((w, r, k) for w in range(WORKERS) for r in range(ROUNDS)
                       for k in range(batch_size(w, r)))  # fmt: skip
    factory = session_factory(make_engine(url))
    with factory() as session, session.begin():
        final = service.sign_checkpoint(session, keys, NOW, origin=ORIGIN)
    with factory() as session, session.begin():
        rows = session.execute(
            select(LedgerEntry.idx, LedgerEntry.body).order_by(LedgerEntry.idx)
        ).all()
        checkpoints = list(
            session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.tree_size))
        )
        proofs = [service.consistency_proof(session, a.tree_size, b.tree_size) for a, b in pairwise(checkpoints)]  # fmt: skip
    total = sum(expected.values())
    assert [idx for idx, _ in rows] == list(range(total))
    bodies = [json.loads(body) for _, body in rows]
    assert all(body["index"] == idx for (idx, _), body in zip(rows, bodies, strict=True))
    assert Counter((b["worker"], b["round"], b["k"]) for b in bodies) == expected
    # Each transaction's entries stand together, and the processes really took turns.
    for w in range(WORKERS):
        for r in range(ROUNDS):
            spots = [i for i, b in enumerate(bodies) if (b["worker"], b["round"]) == (w, r)]
            assert spots == list(range(spots[0], spots[0] + batch_size(w, r)))
    # All started together (a barrier); a loaded scheduler may still run them one after the
    # other, so only "every process wrote" is certain — the interleaving itself is not asserted.
    turns = sum(1 for a, b in pairwise(bodies) if a["worker"] != b["worker"])
    assert turns >= WORKERS - 1
    with read_snapshot(url) as session:
        report = verify_ledger(session, keys, origin=ORIGIN)
    assert (report.ok, report.entries, report.checkpoints) == (True, total, len(checkpoints))
    # The checkpoints signed while the processes ran, checked as an outsider would.
    assert final is not None
    assert final.tree_size == total
    assert len(checkpoints) >= 3
    check = load_verifier()
    public = {"algorithm": "ed25519", "public_key": keys.public_key_b64}
    signed = [check.check_checkpoint({"tree_size": c.tree_size, "root_hash": c.root_hash, "note": c.note, "signature": c.signature}, public)
              for c in checkpoints]  # fmt: skip
    for ((first, first_root), (second, second_root)), proof in zip(
        pairwise(signed), proofs, strict=True
    ):
        assert check.verify_consistency(first, second, proof, first_root, second_root)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "chengxin.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def test_processes_appending_to_one_sqlite_file_keep_one_log(
    sqlite_url: str, keys: KeyRing
) -> None:
    run_workers(sqlite_url, keys)
    check_one_log(sqlite_url, keys)


@pytest.mark.postgres
def test_processes_appending_to_one_postgresql_database_keep_one_log(keys: KeyRing) -> None:
    with fresh_pg_database() as url:
        run_workers(url, keys)
        check_one_log(url, keys)
