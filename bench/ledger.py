"""The ledger (R-3.3): appends/s into SQLite and PostgreSQL (batched, and one entry per
transaction), inclusion and consistency proof times at 1,000,000 and 10,000,000 leaves, and the
time `verify_ledger` takes per million entries.

The big trees are built through `append_entries` itself (batches of 100,000), so what is measured
is a real log that verifies; building 10,000,000 leaves takes several minutes per database.

Run: .venv/bin/python -m bench.ledger [--entries N] [--leaves 1000000,10000000] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bench.common import machine
from bench.ingest import pg_database
from chengxin import migrate
from chengxin.db import make_engine, session_factory
from chengxin.keys import new_key_ring
from chengxin.ledger import service
from chengxin.ledger.verify import read_snapshot, verify_ledger

NOW = dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC)
ORIGIN = "chengxin/ledger/110000"
BUILD_BATCH = 100_000
PROOFS = 1_000
KEYS = new_key_ring(NOW)


def entries(start: int, count: int) -> list[dict[str, Any]]:
    """Record-version entries as the records service writes them (ids, codes, a content hash)."""
    return [
        {"kind": "record_version", "subject": str(uuid.uuid4()), "record": str(uuid.uuid4()),
         "version": 1 + i % 3, "change": "created", "status": "active", "item": "PENALTY-TAX",
         "content_hash": hashlib.sha256(b"%d" % i).hexdigest(), "actor": "key:cxk_3f9a",
         "batch": str(uuid.UUID(int=i // 10_000))}
        for i in range(start, start + count)
    ]  # fmt: skip


def append_in_batches(factory: sessionmaker[Session], first: int, count: int, batch: int) -> None:
    prepared = [entries(first + s, min(batch, count - s)) for s in range(0, count, batch)]
    started = time.perf_counter()
    for chunk in prepared:
        with factory() as session, session.begin():
            service.append_entries(session, NOW, chunk)
    print_rate(f"append, batches of {batch:,}", count, time.perf_counter() - started)


def print_rate(label: str, count: int, seconds: float) -> None:
    print(f"  {label:<46} {count / seconds:>12,.0f} /s   ({count:,} in {seconds:.2f} s)")  # noqa: T201


def grow(factory: sessionmaker[Session], size: int, target: int) -> None:
    started = time.perf_counter()
    for start in range(size, target, BUILD_BATCH):
        chunk = entries(start, min(BUILD_BATCH, target - start))
        with factory() as session, session.begin():
            service.append_entries(session, NOW, chunk)
    seconds = time.perf_counter() - started
    print(f"  built up to {target:,} leaves in {seconds:,.0f} s")  # noqa: T201


def timed(work: Callable[[], object], times: int) -> list[float]:
    out = []
    for _ in range(times):
        started = time.perf_counter()
        work()
        out.append((time.perf_counter() - started) * 1000)
    return out


def proofs(factory: sessionmaker[Session], size: int) -> None:
    rng = random.Random(size)  # noqa: S311  (which leaves to prove, not a secret)
    with factory() as session:
        indices: Iterator[int] = iter([rng.randrange(size) for _ in range(PROOFS)])
        firsts: Iterator[int] = iter([rng.randrange(1, size) for _ in range(PROOFS)])
        inclusion = timed(lambda: service.inclusion_proof(session, next(indices), size), PROOFS)
        consistency = timed(lambda: service.consistency_proof(session, next(firsts), size), PROOFS)
    for label, ms in (("inclusion", inclusion), ("consistency", consistency)):
        p99 = statistics.quantiles(ms, n=100)[98]
        print(f"  {label} proof at {size:>12,} leaves   mean {statistics.fmean(ms):6.2f} ms   "  # noqa: T201
              f"p99 {p99:6.2f} ms   ({PROOFS:,} random proofs)")  # fmt: skip


def verification(url: str, factory: sessionmaker[Session], size: int) -> None:
    with factory() as session, session.begin():
        service.sign_checkpoint(session, KEYS, NOW, origin=ORIGIN)
    started = time.perf_counter()
    with read_snapshot(url) as session:
        report = verify_ledger(session, KEYS, origin=ORIGIN)
    seconds = time.perf_counter() - started
    if not report.ok or report.entries != size:
        raise SystemExit(f"the benchmark's log does not verify: {report}")
    per_million = seconds / size * 1_000_000
    print(f"  verify_ledger of {size:,} entries: {seconds:.1f} s ({per_million:.1f} s per million)")  # noqa: T201


def run(label: str, url: str, n: int, leaves: list[int]) -> None:
    print(f"{label}:")  # noqa: T201
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = session_factory(engine)
    append_in_batches(factory, 0, n, 1_000)
    single = entries(n, 2_000)
    started = time.perf_counter()
    for entry in single:
        with factory() as session, session.begin():
            service.append_entry(session, NOW, entry)
    print_rate("append, one entry per transaction", len(single), time.perf_counter() - started)
    size = n + len(single)
    for target in leaves:
        grow(factory, size, target)
        size = target
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        proofs(factory, size)
        if target == leaves[0]:
            verification(url, factory, size)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=200_000, help="batched appends to time")
    parser.add_argument("--leaves", default="1000000,10000000", help="tree sizes for proofs")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    leaves = sorted(int(x) for x in args.leaves.split(","))
    print(f"machine: {machine()}")  # noqa: T201
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "ledger.db"
            run("sqlite", f"sqlite:///{path}", args.entries, leaves)
            print(f"  database file: {path.stat().st_size / 2**30:.1f} GiB")  # noqa: T201
    if not args.skip_postgres:
        with pg_database(args.postgres) as url:
            run("postgresql", url, args.entries, leaves)


if __name__ == "__main__":
    main()
