"""Ingestion throughput (R-2.2): rows/s end to end into SQLite and PostgreSQL, next to the raw
speed of writing the same rows into a bare table (executemany / COPY), as a ratio.

Run: .venv/bin/python -m bench.ingest [--rows N] [--postgres URL] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bench.common import machine
from chengxin import migrate
from chengxin.catalog.loader import load_catalog
from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.collection import service, sources
from chengxin.collection.ingest import Receipt
from chengxin.collection.readers import Limits
from chengxin.db import make_engine, session_factory
from chengxin.identity.numbers import check_character
from chengxin.keys import KeyRing, new_key_ring

NOW = dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC)
HEADERS = ["身份证号", "姓名", "记录编号", "行政处罚决定书文号", "处罚决定日期", "处罚机关",
           "违法行为类型", "主要违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（元）",
           "失信程度"]  # fmt: skip
REGIONS = ("110105", "310101", "440305", "330106", "510104", "420106", "610113", "350203")


def rows(n: int) -> Iterator[list[str]]:
    """Synthetic penalty rows; people repeat (about 3 records each), as in real batches."""
    for i in range(n):
        p = i // 3
        birth = f"19{50 + p // 8 % 50:02d}{1 + p // 400 % 12:02d}{1 + p // 4800 % 28:02d}"
        first17 = f"{REGIONS[p % 8]}{birth}{p // 134400 % 1000:03d}"
        yield [first17 + check_character(first17), "王" + "伟芳娜敏静丽强磊"[p % 8] + "明",
               f"B{i}", f"京税罚〔2026〕{i}号", f"2026-{1 + i % 10:02d}-{1 + i % 28:02d}",
               "国家税务总局北京市税务局", "逃避缴纳税款", "少缴个人所得税",
               "《中华人民共和国税收征收管理法》第六十三条", "fine", "罚款", str(100 + i % 9000),
               ("minor", "general", "serious")[i % 3]]  # fmt: skip


def write_file(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows(n))


def ingest_penalties(  # noqa: PLR0917  (the benchmarks' one call)
    factory: sessionmaker[Session],
    keys: KeyRing,
    catalog: Catalog,
    path: Path,
    source: str,
    rows: int,
) -> tuple[Receipt, float]:
    """The PENALTY-TAX file at `path` (`rows` rows) through the real ingestion path, as one
    batch of `source`: its receipt and the seconds it took."""
    started = time.perf_counter()
    receipt = service.ingest_file(
        factory, keys, catalog, lambda: NOW, path=path, source_code=source,
        item_code="PENALTY-TAX", actor="bench",
        limits=Limits(max_bytes=path.stat().st_size + 1, max_rows=rows + 1),
    )  # fmt: skip
    return receipt, time.perf_counter() - started


def tax_node(engine: Engine, catalog: Catalog) -> None:
    """Migrate the database and add the source TAX, allowed to send PENALTY-TAX."""
    migrate.upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        source = sources.add_source(
            session, NOW, code="TAX", name="税务局", region_code="110105",
            kind=SourceKind.GOVERNMENT_DEPARTMENT, actor="bench",
        )  # fmt: skip
        sources.grant_item(session, catalog, NOW, source, "PENALTY-TAX", actor="bench")


def ingest(url: str, path: Path, n: int) -> float:
    engine = make_engine(url)
    catalog, keys = load_catalog(), new_key_ring(NOW)
    tax_node(engine, catalog)
    factory = session_factory(engine)
    receipt, seconds = ingest_penalties(factory, keys, catalog, path, "TAX", n)
    if receipt.accepted != n:
        raise SystemExit(f"expected {n} accepted rows: {receipt}")
    engine.dispose()
    return n / seconds


def raw(url: str, path: Path, n: int) -> float:
    """Bare speed: read the same CSV and write its rows into a table of 13 text columns."""
    engine = create_engine(url)
    columns = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bare"))
        conn.execute(text(f"CREATE TABLE bare ({columns})"))
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as fh, engine.begin() as conn:
        reader = csv.reader(fh)
        next(reader)
        dbapi = conn.connection.dbapi_connection
        cursor = dbapi.cursor()  # type: ignore[union-attr]
        if engine.dialect.name == "postgresql":
            with cursor.copy("COPY bare FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in reader:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in HEADERS)
            cursor.executemany(f"INSERT INTO bare VALUES ({marks})", reader)  # noqa: S608
    seconds = time.perf_counter() - started
    engine.dispose()
    return n / seconds


@contextmanager
def pg_database(admin_url: str) -> Iterator[str]:
    name = f"chengxin_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def report(label: str, end_to_end: float, bare: float) -> None:
    print(f"{label:<11} end to end {end_to_end:>10,.0f} rows/s   bare {bare:>10,.0f} rows/s   "  # noqa: T201
          f"ratio {end_to_end / bare:.3f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")  # noqa: T201
    print(f"rows: {args.rows:,} (PENALTY-TAX, about 3 records per person, one batch)")  # noqa: T201
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.csv"
        write_file(path, args.rows)
        report("sqlite", ingest(f"sqlite:///{tmp}/e2e.db", path, args.rows),
               raw(f"sqlite:///{tmp}/raw.db", path, args.rows))  # fmt: skip
        if not args.skip_postgres:
            with pg_database(args.postgres) as e2e, pg_database(args.postgres) as bare:
                report("postgresql", ingest(e2e, path, args.rows), raw(bare, path, args.rows))


if __name__ == "__main__":
    main()
