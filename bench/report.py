"""Credit reports (R-5.3): JSON report latency p50/p99 and PDF pages/s on PostgreSQL, among N
people of about 20 records each.

Run: .venv/bin/python -m bench.report [--subjects N] [--per-subject 20] [--reports 300]

The crowd is filled as in bench/score.py (COPY, placeholder sealed columns); then `--reports`
people are registered and sent records through the real ingestion path (their names and ID
numbers are sealed as in production, so the report can reveal them), and a department asks for
their reports through the one door: every report is a registered, ledgered query.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
from pathlib import Path

import pypdf

from bench.common import latencies, machine, p50_p99
from bench.ingest import pg_database
from bench.score import NOW, fill
from chengxin import migrate
from chengxin.access.permissions import Role
from chengxin.access.principal import Principal
from chengxin.catalog.loader import load_catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.collection import service as collection
from chengxin.collection import sources
from chengxin.collection.readers import Limits
from chengxin.db import make_engine, session_factory
from chengxin.identity.numbers import check_character
from chengxin.keys import new_key_ring
from chengxin.queries.thresholds import Thresholds
from chengxin.reports.render import to_pdf
from chengxin.reports.service import issue_report
from chengxin.requesters.models import RequesterKind
from chengxin.requesters.service import add_requester

HEADERS = ["身份证号", "姓名", "记录编号", "行政处罚决定书文号", "处罚决定日期", "处罚机关",
           "违法行为类型", "主要违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（元）",
           "失信程度"]  # fmt: skip


def _number(n: int) -> str:
    first17 = f"11010819{70 + n % 30:02d}0101{n % 1000:03d}"
    return first17 + check_character(first17)


def person_name(n: int) -> str:
    return f"王{'一二三四五六七八九十'[n % 10]}"


def people_csv(path: Path, count: int, per: int) -> list[str]:
    numbers = [_number(n) for n in range(count)]
    rnd = random.Random(7)  # noqa: S311  (synthetic data)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADERS)
        for n, number in enumerate(numbers):
            for k in range(per):
                day = f"2026-{rnd.randint(4, 10):02d}-{rnd.randint(1, 28):02d}"
                out.writerow([number, person_name(n), f"B{n}-{k}",
                              f"京税罚〔2026〕{n}-{k}号", day, "国家税务总局北京市税务局",
                              "逃避缴纳税款", "少缴税款", "《税收征收管理法》第六十三条", "fine",
                              "罚款", str(rnd.randint(100, 90000)), "general"])  # fmt: skip
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--per-subject", type=int, default=20)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")  # noqa: T201
    catalog, keys = load_catalog(), new_key_ring(NOW)
    with pg_database(args.postgres) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        began = time.perf_counter()
        fill(engine, args.subjects, args.per_subject)
        print(f"filled {args.subjects:,} people in {time.perf_counter() - began:.0f} s")  # noqa: T201
        sessions = session_factory(engine)
        with sessions() as session, session.begin():
            source = sources.add_source(session, NOW, code="TAX-RPT", name="税务", actor="b",
                                        region_code="110108",
                                        kind=SourceKind.GOVERNMENT_DEPARTMENT)  # fmt: skip
            sources.grant_item(session, catalog, NOW, source, "PENALTY-TAX", actor="b")
            dept = add_requester(session, NOW, code="DEPT-RPT", name="市场监管",
                                 kind=RequesterKind.GOVERNMENT_DEPARTMENT, region_code="110000",
                                 actor="b")  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "people.csv"
            numbers = people_csv(path, args.reports, 6)
            collection.ingest_file(sessions, keys, catalog, lambda: NOW, path=path,
                                   source_code="TAX-RPT", item_code="PENALTY-TAX", actor="b",
                                   limits=Limits())  # fmt: skip
        principal = Principal(role=Role.DEPARTMENT, actor="bench", requester_id=dept.id)
        thresholds = Thresholds(subjects_per_hour=10**9, refusals_per_hour=10**9)

        def report(number: str) -> dict[str, object]:
            return issue_report(
                sessions, keys, catalog, NOW, principal=principal, purpose="administrative_duty",
                id_number=number, legal_basis="《行政许可法》第三十一条", thresholds=thresholds,
            )  # fmt: skip

        times = latencies(len(numbers), lambda n: report(numbers[n]))
        p50, p99 = p50_p99(times)
        print(f"JSON report through the one door, {len(times)} people: "  # noqa: T201
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms")  # fmt: skip
        pages = 0
        started = time.perf_counter()
        for number in numbers[:20]:
            pdf = to_pdf(report(number))
            pages += len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        seconds = time.perf_counter() - started
        print(f"PDF: {pages} pages of 20 reports in {seconds:.1f} s = "  # noqa: T201
              f"{pages / seconds:.1f} pages/s (report assembly included)")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
