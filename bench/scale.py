"""Scale (R-2.2, R-3.2, R-4.2, R-5.3, R-5.4, R-6.4): a province-sized node — 10,000,000 people
and 100,000,000 records — on PostgreSQL with records and record_versions hash-partitioned by
subject key (`chengxin db partition`), and what its work costs at that size.

Run:
  .venv/bin/python -m bench.scale fill [--subjects 10000000] [--per-subject 10] [--partitions 32]
  .venv/bin/python -m bench.scale measure [--queries 2000] [--reports 300] [--ingest 100000]
  .venv/bin/python -m bench.scale drop
  (all take --database NAME, default chengxin_scale, and --data FOLDER for the key file;
  --partitions 0 leaves the tables whole, for comparison)

The defaults make about 100,000,000 records: about 80 GB of records and their indexes alone
(docs/performance.md, "Scale", gives the bytes per row measured and what was run here).

`fill` makes the database (dropping an old one of that name), migrates and partitions it,
writes everyone (bench/scale_fill.py) and prints sizes. `measure` then times, in this order:
point queries and credit reports through the one door for random people of the whole crowd, a
department's checks, a file of penalties through the real ingestion path (half of its rows about
people already there), the expiry job for today, and the full score recompute. Measuring writes
(query register, ledger, new records), so a second `measure` runs on a slightly larger node.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from bench import scale_fill
from bench.common import latencies, machine, p50_p99
from bench.ingest import ingest_penalties
from bench.report import HEADERS
from bench.score import MIX, NOW
from chengxin import migrate
from chengxin.access.permissions import Role
from chengxin.access.principal import Principal
from chengxin.app import create_app
from chengxin.catalog.loader import load_catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.collection import sources
from chengxin.db import make_engine, session_factory
from chengxin.figures.service import refresh_figures
from chengxin.keys import create_key_file, load_key_file
from chengxin.lists.types import shipped_types
from chengxin.measures.checks import run_check
from chengxin.measures.loader import load_measures
from chengxin.measures.types import Scenario
from chengxin.partitioning.service import partition_tables
from chengxin.queries.service import query_person
from chengxin.queries.thresholds import Thresholds
from chengxin.records.expiry import expire_records
from chengxin.reports.service import issue_report
from chengxin.requesters.models import RequesterKind
from chengxin.requesters.service import add_requester
from chengxin.runtime import Runtime
from chengxin.scoring import service as scoring
from chengxin.scoring.loader import load_models
from chengxin.settings import load_settings
from chengxin.workdays.loader import load_calendar

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FILL_SOURCE = "SCALE-FILL"
BASIS = "《行政许可法》第三十一条"


def _url(database: str) -> str:
    return ADMIN.rsplit("/", 1)[0] + f"/{database}"


def _admin(sql: str) -> None:
    engine = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _setup(url: str) -> tuple[uuid.UUID, dict[str, str]]:
    """The fill's source, the ingesting source and a department; catalog versions by item."""
    catalog = load_catalog()
    sessions = session_factory(make_engine(url))
    with sessions() as session, session.begin():
        fill = sources.add_source(session, NOW, code=FILL_SOURCE, name="历史数据", actor="b",
                                  region_code="110000",
                                  kind=SourceKind.GOVERNMENT_DEPARTMENT)  # fmt: skip
        tax = sources.add_source(session, NOW, code="TAX-SCALE", name="税务", actor="b",
                                 region_code="110108",
                                 kind=SourceKind.GOVERNMENT_DEPARTMENT)  # fmt: skip
        sources.grant_item(session, catalog, NOW, tax, "PENALTY-TAX", actor="b")
        add_requester(session, NOW, code="DEPT-SCALE", name="市场监管", actor="b",
                      kind=RequesterKind.GOVERNMENT_DEPARTMENT, region_code="110000")  # fmt: skip
        source_id = fill.id
    versions = {m[0]: catalog.versions(m[0])[-1].effective_from.isoformat() for m in MIX}
    return source_id, versions


def fill(database: str, data: Path, subjects: int, per: int, partitions: int) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{database}"')
    url = _url(database)
    data.mkdir(parents=True, exist_ok=True)
    key_file = data / "keys.json"
    key_file.unlink(missing_ok=True)
    create_key_file(key_file, NOW)
    engine = make_engine(url)
    migrate.upgrade(engine)
    if partitions:  # 0: whole tables, for comparison
        partition_tables(engine, partitions)
    source, versions = _setup(url)
    began = time.perf_counter()
    scale_fill.fill(url, key_file, subjects, per, source, versions)
    seconds = time.perf_counter() - began
    print(f"filled {subjects:,} people in {seconds:.0f} s "  # noqa: T201
          f"({partitions} hash partitions per table)")  # fmt: skip
    _print_sizes(engine)
    engine.dispose()


def _print_sizes(engine: object) -> None:
    found = scale_fill.sizes(engine)  # type: ignore[arg-type]
    for table, figures in found.items():
        if table == "database":
            continue
        rows, heap, total = figures
        per_row = total / max(rows, 1)
        print(f"  {table:<14} {rows:>13,} rows   table {heap / 2**30:6.1f} GiB   "  # noqa: T201
              f"with indexes {total / 2**30:6.1f} GiB   {per_row:5.0f} B a row")  # fmt: skip
    print(f"  database       {found['database'] / 2**30:.1f} GiB")  # noqa: T201


def _timed(label: str, count: int, work: Callable[[int], object]) -> None:
    p50, p99 = p50_p99(latencies(count, work))
    print(f"{label:<52} p50 {p50:6.1f} ms   "  # noqa: T201
          f"p99 {p99:6.1f} ms   ({count:,})")  # fmt: skip


def _penalties(path: Path, rows: int, crowd: int) -> None:
    """Rows of PENALTY-TAX: even rows about people of the crowd, odd rows about new people."""
    rnd = random.Random(11)  # noqa: S311  (synthetic data)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADERS)
        for i in range(rows):
            n = rnd.randrange(crowd) if i % 2 == 0 else crowd + i
            day = f"2026-{rnd.randint(4, 10):02d}-{rnd.randint(1, 28):02d}"
            out.writerow([scale_fill.id_number(n), scale_fill.name(n), f"S{i}",
                          f"京税罚〔2026〕S{i}号", day, "国家税务总局北京市税务局", "逃避缴纳税款",
                          "少缴税款", "《税收征收管理法》第六十三条", "fine", "罚款",
                          str(rnd.randint(100, 90000)), "general"])  # fmt: skip


def measure(database: str, data: Path, queries: int, reports: int, ingest: int) -> None:
    url, keys, catalog = _url(database), load_key_file(data / "keys.json"), load_catalog()
    engine = make_engine(url)
    migrate.upgrade(engine)  # a node filled by an older version of this benchmark
    sessions = session_factory(engine)
    with engine.connect() as conn:
        crowd = conn.execute(text("SELECT count(*) FROM subjects")).scalar_one()
        parts = conn.execute(
            text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'records'::regclass")
        ).scalar_one()
        dept = conn.execute(
            text("SELECT id FROM requesters WHERE code = 'DEPT-SCALE'")
        ).scalar_one()
    print(f"node: {crowd:,} people, records in {parts} hash partitions")  # noqa: T201
    _print_sizes(engine)
    principal = Principal(role=Role.DEPARTMENT, actor="bench", requester_id=dept)
    thresholds = Thresholds(subjects_per_hour=10**9, refusals_per_hour=10**9)
    rnd = random.Random(5)  # noqa: S311  (synthetic load)
    people = [scale_fill.id_number(rnd.randrange(crowd)) for _ in range(max(queries, reports))]
    _timed("point query through the one door (department)", queries,
           lambda n: query_person(sessions, keys, catalog, NOW, principal=principal,
                                  purpose="administrative_duty", id_number=people[n],
                                  legal_basis=BASIS, thresholds=thresholds))  # fmt: skip
    _timed("credit report, JSON (department)", reports,
           lambda n: issue_report(sessions, keys, catalog, NOW, principal=principal,
                                  purpose="administrative_duty", id_number=people[n],
                                  legal_basis=BASIS, thresholds=thresholds))  # fmt: skip
    measures, scenarios = load_measures(catalog, shipped_types()), list(Scenario)
    _timed("check in a random scenario (department)", queries,
           lambda n: run_check(sessions, keys, catalog, measures, NOW, principal=principal,
                               scenario=scenarios[n % len(scenarios)].value, legal_basis=BASIS,
                               thresholds=thresholds, id_number=people[n]))  # fmt: skip
    path = data / "penalties.csv"
    _penalties(path, ingest, crowd)
    receipt, seconds = ingest_penalties(sessions, keys, catalog, path, "TAX-SCALE", ingest)
    print(f"ingestion, one file of {ingest:,} rows (half of them new people): "  # noqa: T201
          f"{ingest / seconds:,.0f} rows/s "
          f"({seconds:.1f} s, {receipt.accepted:,} accepted)")  # fmt: skip
    began = time.perf_counter()
    expired = expire_records(sessions, load_calendar(), NOW)
    seconds = time.perf_counter() - began
    print(f"expiry job for today: {expired.expired:,} records expired in {seconds:.1f} s "  # noqa: T201
          f"({expired.expired / seconds:,.0f} records/s)")  # fmt: skip
    model = load_models(None, catalog)[-1]
    report = scoring.recompute_all(sessions, model, NOW)
    print(f"score recompute_all ({report.path}): {report.subjects:,} people in "  # noqa: T201
          f"{report.seconds:.0f} s = {report.subjects / report.seconds:,.0f} people/s")  # fmt: skip
    _landing_page(url, data)
    engine.dispose()


def _landing_page(url: str, data: Path) -> None:
    """The public landing page, which counts people and records in force."""
    settings = load_settings({"CHENGXIN_DATA_DIR": str(data), "CHENGXIN_DATABASE_URL": url,
                              "CHENGXIN_KEY_FILE": str(data / "keys.json"),
                              "CHENGXIN_RUN_JOBS": "false"})  # fmt: skip
    rt = Runtime(settings)
    began = time.perf_counter()
    refresh_figures(rt.reads, rt.sessions, NOW, max_age=dt.timedelta(0))
    print(f"figures job (counts people and records in force): "  # noqa: T201
          f"{time.perf_counter() - began:.1f} s")  # fmt: skip
    with TestClient(create_app(rt, background=False)) as client:
        _timed("public landing page GET / (reads the stored figures)", 20,
               lambda _: client.get("/").raise_for_status())  # fmt: skip
    rt.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=("fill", "measure", "drop"))
    parser.add_argument("--database", default="chengxin_scale")
    parser.add_argument("--data", type=Path, default=Path("/var/tmp/chengxin-scale"))  # noqa: S108  (kept between runs)
    parser.add_argument("--subjects", type=int, default=10_000_000)
    parser.add_argument("--per-subject", type=int, default=10)
    parser.add_argument("--partitions", type=int, default=32)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--ingest", type=int, default=100_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")  # noqa: T201
    if args.action == "fill":
        fill(args.database, args.data, args.subjects, args.per_subject, args.partitions)
    elif args.action == "measure":
        measure(args.database, args.data, args.queries, args.reports, args.ingest)
    else:
        _admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
