"""A batch is whole or absent: killing `chengxin ingest` mid-batch leaves nothing, and running it
again completes it (R-2.2), after which `chengxin ledger verify` passes (R-3.3). Real processes,
real databases."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from chengxin.collection.models import Batch
from chengxin.identity.models import Subject
from chengxin.records.models import Record
from chengxin.settings import load_settings
from tests.collection.conftest import PENALTY_HEADERS, penalty_row, person, write_csv
from tests.conftest import fresh_pg_database
from tests.faults.probes import transaction_watch

BIN = shutil.which("chengxin") or str(Path(__file__).parents[2] / ".venv" / "bin" / "chengxin")
ROWS = 10_000  # a batch transaction of several seconds, so the kill lands well inside it
HELD = 1.0  # seconds a transaction must have been writing before the kill


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BIN, *args], env=env, capture_output=True, text=True, check=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    base = {**os.environ, "CHENGXIN_DATA_DIR": str(tmp_path / "data"), "CHENGXIN_LOG_JSON": "false"}
    base.pop("CHENGXIN_DATABASE_URL", None)
    if request.param == "sqlite":
        yield base
        return
    with fresh_pg_database() as url:
        yield {**base, "CHENGXIN_DATABASE_URL": url}


def counts(env: dict[str, str]) -> tuple[int, int, int]:
    engine = create_engine(database_url(env))
    with engine.connect() as conn:
        found = tuple(
            conn.scalar(select(func.count()).select_from(t)) or 0 for t in (Batch, Record, Subject)
        )
    engine.dispose()
    return found  # type: ignore[return-value]


def database_url(env: dict[str, str]) -> str:
    return load_settings(env).resolved_database_url  # as the `chengxin` processes see it


def kill_mid_transaction(proc: subprocess.Popen[bytes], env: dict[str, str]) -> None:
    """Kill `proc` once a transaction of its has been writing for HELD seconds: the batch's,
    since the ingest's other transactions (source, catalog) last milliseconds. (On SQLite the
    WAL file is no sign: the 64 MiB page cache keeps a batch's pages until its commit.)"""
    deadline, since = time.monotonic() + 120, None
    with transaction_watch(database_url(env)) as writing:
        while since is None or time.monotonic() - since < HELD:
            assert proc.poll() is None, "the ingest ended before it could be interrupted"
            assert time.monotonic() < deadline
            since = (since or time.monotonic()) if writing() else None
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL


@pytest.mark.slow
def test_r2_2_killing_the_ingest_mid_batch_leaves_nothing_and_a_rerun_completes(
    env: dict[str, str], tmp_path: Path
) -> None:
    cli(env, "init")
    cli(env, "db", "upgrade")
    cli(
        env,
        "sources",
        "add",
        "TAX-BJ",
        "--name",
        "税务局",
        "--region",
        "110105",
        "--kind",
        "government_department",
    )
    cli(env, "sources", "grant", "TAX-BJ", "PENALTY-TAX")
    rows = [
        penalty_row(i, record=f"K{i}", number=person(i, f"19{50 + i // 1000:02d}0101"))
        for i in range(ROWS)
    ]
    path = write_csv(tmp_path / "big.csv", PENALTY_HEADERS, rows)
    args = [BIN, "ingest", str(path), "--source", "TAX-BJ", "--item", "PENALTY-TAX"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_mid_transaction(proc, env)
    assert counts(env) == (0, 0, 0)  # nothing half-written
    done = cli(env, "ingest", str(path), "--source", "TAX-BJ", "--item", "PENALTY-TAX", "--json")
    assert f'"accepted": {ROWS}' in done.stdout
    assert counts(env) == (1, ROWS, ROWS)
    # The log the killed transaction was appending to is whole, with the rerun's versions.
    verified = cli(env, "ledger", "verify")
    assert verified.stdout.startswith(f"OK: {ROWS} entries"), verified.stdout
