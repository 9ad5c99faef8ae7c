"""Load (hardening): a mix of ingestion, queries, checks and credit reports against `chengxin
serve --workers N` on PostgreSQL for `--seconds` (ten minutes by default): throughput, p50/p99
latency per kind, errors (the target is none) and the servers' memory over time (the target is
flat).

Run: .venv/bin/python -m bench.load [--seconds 600] [--workers 3] [--clients 8]
     [--subjects 100000] [--people 2000]

The crowd and the people are made as in bench/checks.py (a crowd filled by COPY; `--people`
registered through the real ingestion path, some listed). Then `--clients` keep-alive
connections in threads of this process (a separate process from the server) send, at random:
40 % queries and 10 % JSON credit reports by a department (purpose and legal basis: registered,
ledgered), 25 % checks of measures, 25 % single records from a source (`POST /api/v1/records`:
each one a new record version, a ledger entry and a change for the people's score). Every
ten seconds the resident memory of the supervisor and its workers is sampled from /proc.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.checks import PORT, crowd, prepare, serve
from bench.common import machine, p50_p99
from bench.report import person_name
from chengxin.collection import sources
from chengxin.db import make_engine, session_factory
from chengxin.measures.types import Scenario

BASIS = "《行政许可法》第三十一条"
MIX = (("query", 40), ("report", 10), ("check", 25), ("ingest", 25))


@dataclass
class Tally:
    """What the clients saw: latencies (ms) and error statuses per kind."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[tuple[str, int]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, status: int, expected: int) -> None:
        with self.lock:
            self.times[kind].append(ms)
            if status != expected:
                self.errors[kind, status] += 1


def request(kind: str, rnd: random.Random, numbers: list[str], client: int,
            serial: int) -> tuple[str, str, dict[str, object], int]:  # fmt: skip
    """The path, who asks (key name), body and expected status of one request of `kind`."""
    n = rnd.randrange(len(numbers))
    asked: dict[str, object] = {"id_number": numbers[n], "purpose": "administrative_duty",
                                "legal_basis": BASIS}  # fmt: skip
    if kind == "query":
        return "/api/v1/queries", "dept", asked, 200
    if kind == "report":
        return "/api/v1/reports?format=json", "dept", asked, 200
    if kind == "check":
        scenario = rnd.choice(list(Scenario)).value
        return "/api/v1/checks", "dept", {"id_number": numbers[n], "legal_basis": BASIS,
                                          "scenario": scenario}, 201  # fmt: skip
    return "/api/v1/records", "source", {
        "id_number": numbers[n], "name": person_name(n), "item": "PENALTY-TAX",
        "record_id": f"LOAD-{client}-{serial}",
        "fields": {"decision_number": f"京税罚〔2026〕L{client}-{serial}号",
                   "decision_date": "2026-06-01", "authority": "国家税务总局北京市税务局",
                   "violation_type": "逃避缴纳税款", "facts": "少缴税款",
                   "legal_provisions": "《税收征收管理法》第六十三条", "penalty_types": ["fine"],
                   "penalty_content": "罚款", "fine_amount": rnd.randint(100, 9000),
                   "severity": "minor"}}, 201  # fmt: skip


def client(numbers: list[str], tokens: dict[str, str], until: float, number: int,
           tally: Tally) -> None:  # fmt: skip
    rnd = random.Random(number)  # noqa: S311  (synthetic load)
    kinds, weights = [k for k, _ in MIX], [w for _, w in MIX]
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    serial = 0
    while time.perf_counter() < until:
        serial += 1
        kind = rnd.choices(kinds, weights)[0]
        path, who, body, expected = request(kind, rnd, numbers, number, serial)
        headers = {"Authorization": f"Bearer {tokens[who]}", "Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            conn.request("POST", path, json.dumps(body), headers)
            answer = conn.getresponse()
            answer.read()
            status = answer.status
        except OSError:  # a dropped connection counts as an error; open a new one
            status = 0
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        tally.add(kind, (time.perf_counter() - started) * 1000, status, expected)


def resident_mib(pid: int) -> float:
    """Resident memory of the supervisor and every process under it."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue  # it ended between the two reads
        total += next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmRSS:"))  # fmt: skip
        todo += [int(c) for c in children]
    return total / 1024


def sample_memory(pid: int, until: float, samples: list[tuple[float, float]]) -> None:
    began = time.perf_counter()
    while time.perf_counter() < until:
        samples.append((time.perf_counter() - began, resident_mib(pid)))
        time.sleep(min(10.0, max(0.0, until - time.perf_counter())))


def source_token(url: str) -> str:
    """An API key for the source bench/checks.py set up (it sends PENALTY-TAX records)."""
    from bench.score import NOW  # noqa: PLC0415

    engine = make_engine(url)
    with session_factory(engine)() as session, session.begin():
        tax = sources.source_by_code(session, "TAX-CHK")
        token = sources.create_source_key(session, NOW, tax, label="load", actor="bench")[1]
    engine.dispose()
    return token


def report(tally: Tally, took: float, samples: list[tuple[float, float]]) -> None:
    total = sum(len(t) for t in tally.times.values())
    print(f"{total:,} requests in {took:.0f} s = {total / took:,.1f} requests/s")  # noqa: T201
    for kind, _ in MIX:
        times = tally.times[kind]
        if not times:
            continue
        p50, p99 = p50_p99(times)
        errors = sum(n for (k, _), n in tally.errors.items() if k == kind)
        print(f"  {kind:<7} {len(times):>8,}  {len(times) / took:>7.1f}/s  "  # noqa: T201
              f"p50 {p50:>7.1f} ms  p99 {p99:>8.1f} ms  "
              f"errors {errors}")  # fmt: skip
    print(f"errors by kind and status: {dict(tally.errors) or 'none'}")  # noqa: T201
    print("resident memory of the server processes (MiB):")  # noqa: T201
    for at, mib in samples:
        print(f"  {at:>6.0f} s  {mib:>8.1f}")  # noqa: T201
    if len(samples) >= 4:
        half = samples[len(samples) // 2 :]
        slope = (half[-1][1] - half[0][1]) / max(1.0, (half[-1][0] - half[0][0]) / 60)
        print(f"second half: {slope:+.2f} MiB a minute")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")  # noqa: T201
    with crowd(args.postgres, args.subjects, 5) as url, tempfile.TemporaryDirectory() as tmp:
        key_file = Path(tmp) / f"keys-{uuid.uuid4().hex[:6]}.json"
        numbers, dept = prepare(url, key_file, args.people)
        tokens = {"dept": dept, "source": source_token(url)}
        server = serve(url, key_file, Path(tmp), workers=args.workers)
        print(f"{args.workers} workers, {args.clients} clients, {args.subjects:,} people in the "  # noqa: T201
              f"crowd, {len(numbers):,} asked about, {args.seconds:.0f} s")  # fmt: skip
        try:
            tally, samples = Tally(), list[tuple[float, float]]()
            until = time.perf_counter() + args.seconds
            threads = [threading.Thread(target=client, args=(numbers, tokens, until, n, tally))
                       for n in range(args.clients)]  # fmt: skip
            threads.append(threading.Thread(target=sample_memory,
                                            args=(server.pid, until, samples)))  # fmt: skip
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            report(tally, time.perf_counter() - started, samples)
        finally:
            server.terminate()
            server.wait(60)


if __name__ == "__main__":
    main()
