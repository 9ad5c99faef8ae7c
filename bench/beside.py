"""Reads beside a batch, on SQLite (the embedded default): public pages requested back to back
while one large file is ingested as one batch by `chengxin ingest` in another process. A batch
holds SQLite's write lock until it commits; the pages only read, so they should not wait for it.
Prints the batch's time and the pages' count, p50, p99, slowest and errors during the batch.

Run: .venv/bin/python -m bench.beside [--rows 100000]
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.checks import PORT, serve
from bench.common import machine, p50_p99
from bench.ingest import NOW, tax_node, write_file
from chengxin.catalog.loader import load_catalog
from chengxin.db import make_engine
from chengxin.keys import create_key_file

PAGES = ("/", "/public/lists", "/verify")


def node(data: Path) -> tuple[str, Path]:
    """A migrated SQLite node in `data` with the source TAX allowed to send PENALTY-TAX."""
    url, key_file = f"sqlite:///{data / 'chengxin.db'}", data / "keys.json"
    data.mkdir()
    create_key_file(key_file, NOW)
    engine = make_engine(url)
    tax_node(engine, load_catalog())
    engine.dispose()
    return url, key_file


def page_views(batch: subprocess.Popen[bytes]) -> tuple[list[float], Counter[int]]:
    """Milliseconds and statuses of the pages, requested in turn until `batch` ends."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    times: list[float] = []
    statuses: Counter[int] = Counter()
    while batch.poll() is None:
        started = time.perf_counter()
        conn.request("GET", PAGES[len(times) % len(PAGES)])
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        statuses[response.status] += 1
    return times, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(machine())  # noqa: T201
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        url, key_file = node(data)
        path = Path(tmp) / "penalties.csv"
        write_file(path, args.rows)
        server = serve(url, key_file, data)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            conn.request("GET", "/")  # the first visit counts the landing page's figures
            conn.getresponse().read()
            env = os.environ | {"CHENGXIN_DATABASE_URL": url, "CHENGXIN_KEY_FILE": str(key_file),
                                "CHENGXIN_DATA_DIR": str(data)}  # fmt: skip
            chengxin = str(Path(sys.executable).parent / "chengxin")
            started = time.perf_counter()
            batch = subprocess.Popen(  # noqa: S603
                [chengxin, "ingest", str(path), "--source", "TAX", "--item", "PENALTY-TAX"],
                env=env, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            times, statuses = page_views(batch)
            seconds = time.perf_counter() - started
            if batch.returncode != 0:
                raise SystemExit(f"the ingest failed ({batch.returncode})")
        finally:
            server.terminate()
            server.wait()
    p50, p99 = p50_p99(times)
    errors = sum(n for status, n in statuses.items() if status != 200)
    print(f"batch of {args.rows:,} rows: {seconds:.1f} s")  # noqa: T201
    print(f"pages {', '.join(PAGES)} during it: {len(times):,} requests, "  # noqa: T201
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, slowest {max(times):.0f} ms, "
          f"errors {errors} {dict(statuses)}")  # fmt: skip


if __name__ == "__main__":
    main()
