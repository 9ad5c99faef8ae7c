"""R-3.3 under kill -9: processes append to one node's ledger in many small transactions (and
sign checkpoints as they go) and are SIGKILLed together, several times, while one of them is
inside a transaction. After each kill every transaction's entries are all there, side by side,
or none is; no transaction is there twice; `chengxin ledger verify` passes; and processes
started again continue the same log to its end."""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
import signal
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from chengxin.keys import create_key_file, load_key_file
from chengxin.ledger.models import LedgerEntry
from chengxin.ledger.verify import read_snapshot, verify_ledger
from chengxin.settings import load_settings
from tests.conftest import NOW, fresh_pg_database
from tests.faults.appender import append, group_size
from tests.faults.probes import ledger_verifies, reader, transaction_watch, use_node, wait_for

WORKERS = 2
KILLS = 3
FINAL = 5  # transactions each process adds once it is left to finish


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A node with its key file and a migrated, empty database; `chengxin` points at it."""
    data = tmp_path / "data"
    if request.param == "sqlite":
        data.mkdir()
        shutil.copy(request.getfixturevalue("sqlite_template"), data / "chengxin.db")
        use_node(monkeypatch, data, None)
        create_key_file(data / "keys.json", NOW)
        yield f"sqlite:///{data / 'chengxin.db'}"
        return
    with fresh_pg_database() as pg:
        use_node(monkeypatch, data, pg)
        create_key_file(data / "keys.json", NOW)
        yield pg


def committed(url: str) -> dict[int, list[int]]:
    """Each process's transactions found in the log, checked whole and in one piece: every
    index once, 0 … n-1; a transaction's entries side by side, k = 0 … of-1."""
    engine = reader(url)
    with engine.connect() as conn:
        rows = conn.execute(select(LedgerEntry.idx, LedgerEntry.body).order_by(LedgerEntry.idx))
        bodies = [(idx, json.loads(body)) for idx, body in rows]
    engine.dispose()
    assert [idx for idx, _ in bodies] == list(range(len(bodies)))
    groups: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for idx, body in bodies:
        groups[body["worker"], body["seq"]].append((idx, body["k"]))
    for (worker, seq), found in groups.items():
        size = group_size(worker, seq)
        assert [k for _, k in found] == list(range(size)), f"transaction {worker}/{seq}: {found}"
        assert [i for i, _ in found] == list(range(found[0][0], found[0][0] + size))
    seqs: dict[int, list[int]] = {w: [] for w in range(WORKERS)}
    for worker, seq in sorted(groups):
        seqs[worker].append(seq)
    return seqs


def next_seqs(url: str) -> list[int]:
    """Where each process continues: after its last committed transaction (a process's
    transactions commit in order, so they are 0 … last without a gap)."""
    seqs = committed(url)
    for found in seqs.values():
        assert found == list(range(len(found)))
    return [len(seqs[w]) for w in range(WORKERS)]


def appended(url: str, before: list[int]) -> bool:
    """Every process has committed at least two transactions since `before`."""
    return all(now > then + 1 for now, then in zip(next_seqs(url), before, strict=True))


def entries(next_seq: list[int]) -> int:
    return sum(group_size(w, s) for w in range(WORKERS) for s in range(next_seq[w]))


def start(
    url: str, origin: str, first: list[int], stop: int | None
) -> list[multiprocessing.Process]:
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters, no inherited connections
    key_file = str(load_settings().resolved_key_file)
    processes = [ctx.Process(target=append, args=(url, key_file, origin, w, first[w],
                                                  None if stop is None else first[w] + stop))
                 for w in range(WORKERS)]  # fmt: skip
    for process in processes:
        process.start()
    return processes


@pytest.mark.slow
def test_r3_3_appenders_killed_mid_transaction_leave_a_whole_log_that_verifies(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = load_settings().ledger_origin
    keys = load_key_file(load_settings().resolved_key_file)
    chance = random.Random(3)  # noqa: S311  (the kill's moment, not a secret)
    for _ in range(KILLS):
        first = next_seqs(url)
        processes = start(url, origin, first, None)
        # Every process is appending, a moment more, and then one of them is mid-transaction.
        wait_for(lambda first=first: appended(url, first), "every process to append", every=0.05)
        wait_for(lambda: chance.random() < 0.02, "a random moment")
        with transaction_watch(url) as writing:
            wait_for(writing, "a transaction in progress")
            for process in processes:
                process.kill()
        for process in processes:
            process.join(30)
            assert process.exitcode == -signal.SIGKILL  # killed while still appending
        # Whole transactions only, none twice, none skipped; and the log verifies.
        assert ledger_verifies(capsys).startswith(f"OK: {entries(next_seqs(url))} entries")

    first = next_seqs(url)
    processes = start(url, origin, first, FINAL)
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    assert next_seqs(url) == [n + FINAL for n in first]
    total = entries([n + FINAL for n in first])
    with read_snapshot(url) as session:
        report = verify_ledger(session, keys, origin=origin)
    assert (report.ok, report.entries) == (True, total)
    assert report.checkpoints >= 3
    assert ledger_verifies(capsys).startswith(f"OK: {total} entries")
