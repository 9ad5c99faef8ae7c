"""A process that appends to a node's ledger until it is killed (or reaches `stop`): transactions
of 1 to 3 entries, and a signed checkpoint after every third. Spawned processes import this
module: it imports only what appending needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from chengxin.db import make_engine, session_factory
from chengxin.keys import load_key_file
from chengxin.ledger.service import append_entries, sign_checkpoint


def group_size(worker: int, seq: int) -> int:
    return 1 + (worker + seq) % 3


def append(url: str, key_file: str, origin: str, worker: int, first: int, stop: int | None) -> None:
    """Transaction `seq` (from `first`) appends entries k = 0 … group_size-1, each naming
    (worker, seq, k): afterwards a transaction's entries must all be there, together, or none."""
    engine = make_engine(url)
    factory = session_factory(engine)
    keys = load_key_file(Path(key_file))
    seq = first
    while stop is None or seq < stop:
        now = dt.datetime.now(dt.UTC)
        size = group_size(worker, seq)
        entries = [{"kind": "query", "worker": worker, "seq": seq, "k": k, "of": size}
                   for k in range(size)]  # fmt: skip
        with factory() as session, session.begin():
            append_entries(session, now, entries)
        if seq % 3 == worker % 3:
            with factory() as session, session.begin():
                sign_checkpoint(session, keys, now, origin=origin)
        seq += 1
    engine.dispose()
