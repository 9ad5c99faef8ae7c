"""Checks over HTTP (R-6.4): checks/s and p50/p99 latency of `POST /api/v1/checks` served by
`chengxin serve` (one uvicorn worker) on PostgreSQL among N people.

Run: .venv/bin/python -m bench.checks [--subjects 1000000] [--per-subject 5] [--seconds 30]
     [--clients 8]

The crowd is filled as in bench/score.py (COPY, placeholder sealed columns). Then `--people`
people are registered and sent records through the real ingestion path (a tenth with a serious
penalty), a few dozen are listed as dishonest judgment debtors through the listing verbs, and a
department's API key checks them, in random scenarios, from `--clients` keep-alive connections
in threads of this process for `--seconds`. Every check is a registered, ledgered query. The
client shares the machine's cores with the server: its own cost is in the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from bench.common import machine, p50_p99
from bench.ingest import pg_database
from bench.report import people_csv
from bench.score import NOW, fill
from chengxin import migrate
from chengxin.access.models import KeyOwner
from chengxin.access.service import create_api_key
from chengxin.catalog.loader import load_catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.collection import service as collection
from chengxin.collection import sources
from chengxin.collection.readers import Limits
from chengxin.db import make_engine, session_factory
from chengxin.identity.service import find_person
from chengxin.keys import create_key_file
from chengxin.lists import service as lists
from chengxin.lists.service import ListContext
from chengxin.lists.types import shipped_types
from chengxin.measures.types import Scenario
from chengxin.requesters.models import RequesterKind
from chengxin.requesters.service import add_requester
from chengxin.workdays.loader import load_calendar

PORT = 8765
LISTED = 40


def prepare(url: str, key_file: Path, people: int) -> tuple[list[str], str]:
    """Real people with records, some listed; a department with an API key."""
    catalog, keys = load_catalog(), create_key_file(key_file, NOW)
    sessions = session_factory(make_engine(url))
    with sessions() as session, session.begin():
        tax = sources.add_source(session, NOW, code="TAX-CHK", name="税务", actor="b",
                                 region_code="110108",
                                 kind=SourceKind.GOVERNMENT_DEPARTMENT)  # fmt: skip
        sources.grant_item(session, catalog, NOW, tax, "PENALTY-TAX", actor="b")
        court = sources.add_source(session, NOW, code="COURT-CHK", name="法院", actor="b",
                                   region_code="110108", kind=SourceKind.COURT)  # fmt: skip
        sources.grant_item(session, catalog, NOW, court, "JUDICIAL-DISHONEST-DEBTOR", actor="b")
        dept = add_requester(session, NOW, code="DEPT-CHK", name="市场监管", actor="b",
                             kind=RequesterKind.GOVERNMENT_DEPARTMENT,
                             region_code="110000")  # fmt: skip
        token = create_api_key(session, NOW, owner_kind=KeyOwner.REQUESTER, owner_id=dept.id,
                               label="bench", actor="b")[1]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "people.csv"
        numbers = people_csv(path, people, 4)
        collection.ingest_file(sessions, keys, catalog, lambda: NOW, path=path,
                               source_code="TAX-CHK", item_code="PENALTY-TAX", actor="b",
                               limits=Limits())  # fmt: skip
    ctx = ListContext(keys, load_calendar(), shipped_types())
    proposed = NOW.replace(month=10, day=9)
    entries = []
    with sessions() as session, session.begin():
        for number in numbers[:LISTED]:
            subject = find_person(session, keys, number, NOW.date())
            if subject is None:
                raise SystemExit(f"{number} was not registered")
            entries.append(lists.propose_listing(
                session, ctx, proposed, source_id=court.id, list_type="DISHONEST-JUDGMENT-DEBTOR",
                subject_id=subject, document_number="（2026）京0108执1号",
                decision_date=proposed.date(), reasons="有履行能力而拒不履行", actor="b",
            ).id)  # fmt: skip
    with sessions() as session, session.begin():
        for entry in entries:
            lists.confirm_listing(session, ctx, NOW.replace(month=11, day=2), entry_id=entry,
                                  source_id=court.id, actor="b")  # fmt: skip
    return numbers, token


def serve(url: str, key_file: Path, data: Path, *, workers: int = 1) -> subprocess.Popen[bytes]:
    """`chengxin serve` on PORT with `workers` processes, once it answers /healthz."""
    env = os.environ | {
        "CHENGXIN_DATABASE_URL": url, "CHENGXIN_KEY_FILE": str(key_file),
        "CHENGXIN_DATA_DIR": str(data), "CHENGXIN_PORT": str(PORT),
        "CHENGXIN_LOG_LEVEL": "WARNING", "CHENGXIN_RATE_LIMIT_PER_MINUTE": "1000000",
        "CHENGXIN_RUN_JOBS": "false",
    }  # fmt: skip
    chengxin = Path(sys.executable).parent / "chengxin"
    server = subprocess.Popen([str(chengxin), "serve", "--workers", str(workers)], env=env)  # noqa: S603
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def _client(  # noqa: PLR0917  (a thread's target takes positional arguments)
    numbers: list[str], token: str, until: float, seed: int, out: list[float], errors: list[int]
) -> None:
    rnd = random.Random(seed)  # noqa: S311  (synthetic load)
    scenarios = [s.value for s in Scenario]
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    while time.perf_counter() < until:
        body = json.dumps({"id_number": rnd.choice(numbers), "scenario": rnd.choice(scenarios),
                           "legal_basis": "《行政许可法》第三十一条"})  # fmt: skip
        started = time.perf_counter()
        conn.request("POST", "/api/v1/checks", body, headers)
        answer = conn.getresponse()
        answer.read()
        out.append((time.perf_counter() - started) * 1000)
        if answer.status != 201:
            errors.append(answer.status)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--per-subject", type=int, default=5)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")  # noqa: T201
    with (
        crowd(args.postgres, args.subjects, args.per_subject) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        key_file = Path(tmp) / f"keys-{uuid.uuid4().hex[:6]}.json"
        numbers, token = prepare(url, key_file, args.people)
        server = serve(url, key_file, Path(tmp))
        try:
            _client(numbers, token, time.perf_counter() + 3, 0, [], [])  # warm up
            for clients in sorted({1, args.clients}):
                _measure(numbers, token, clients, args.seconds)
        finally:
            server.terminate()
            server.wait(30)


@contextmanager
def crowd(admin_url: str, subjects: int, per: int) -> Iterator[str]:
    """A new PostgreSQL database, migrated and filled by COPY with `subjects` people of `per`
    records each (bench/score.py), settled before anything is timed; dropped afterwards."""
    with pg_database(admin_url) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        began = time.perf_counter()
        fill(engine, subjects, per)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))  # settle the fill: statistics, visibility map
            conn.execute(text("CHECKPOINT"))  # and its dirty pages, before anything is timed
        engine.dispose()
        print(f"filled {subjects:,} people x {per} records in "  # noqa: T201
              f"{time.perf_counter() - began:.0f} s")  # fmt: skip
        yield url


def _measure(numbers: list[str], token: str, clients: int, seconds: float) -> None:
    times: list[float] = []
    errors: list[int] = []
    until = time.perf_counter() + seconds
    threads = [threading.Thread(target=_client, args=(numbers, token, until, n + 1, times, errors))
               for n in range(clients)]  # fmt: skip
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - started
    p50, p99 = p50_p99(times)
    print(f"checks over HTTP, 1 worker, {clients} client(s), {took:.0f} s: "  # noqa: T201
          f"{len(times) / took:,.0f} checks/s, p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms, errors {len(errors)}")  # fmt: skip


if __name__ == "__main__":
    main()
