"""Integrity score recompute (R-5.4): people/s and records/s of the full set-based batch on
PostgreSQL, after filling a fresh database with N people of about 20 records each (COPY).

Run: .venv/bin/python -m bench.score [--subjects N] [--per-subject 20] [--postgres URL]

The data: subjects and persons (sealed columns hold placeholder bytes: nothing decrypts them
here), one source, and records of a realistic mix — penalties with their tier, contract
breaches, serious-dishonesty entries, honours, volunteer hours, donations and basic information
(which the score skips) — with content JSON of realistic size, decision dates over the last
eight years and 85 % active, 7 % expired, 5 % repaired, 3 % revoked. Keys are written in
ascending order so that the indexes fill from the right (foreign-key triggers are off during
the load, as in a restore); everyone is opted in; VACUUM ANALYZE runs before the timing.
record_versions are not written: the score never reads them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, text

from bench.common import machine
from bench.ingest import pg_database
from chengxin import migrate
from chengxin.catalog.loader import load_catalog
from chengxin.db import make_engine, session_factory
from chengxin.scoring import service
from chengxin.scoring.loader import load_models

NOW = dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC)
SOURCE = uuid.UUID(int=1)
NULL = "\\N"  # COPY's text format
PENALTY = (
    '{"authority":"国家税务总局北京市朝阳区税务局","basis":"《中华人民共和国税收征收管理法》'
    '第六十三条","decision_date":"%(d)s","decision_number":"京税罚〔2026〕%(n)d号",'
    '"facts":"少缴个人所得税","fine_amount":"%(a)d","penalty_content":"罚款",'
    '"penalty_types":["fine"],"severity":"%(s)s","violation_type":"逃避缴纳税款"}'
)
JUDGMENT = (
    '{"case_number":"（2025）京0105执%(n)d号","court":"北京市朝阳区人民法院",'
    '"decision_date":"%(d)s","unperformed_amount":"%(a)d","obligation":"支付货款"}'
)
HONOUR = '{"award":"道德模范","awarded_by":"北京市精神文明建设委员会","awarded_on":"%(d)s"}'
HOURS = ('{"hours":"%(h)s","organisation":"北京志愿者联合会","period_end":"%(d)s",'
         '"period_start":"%(d)s","recorded_on":"%(d)s"}')  # fmt: skip
DONATION = ('{"amount":"%(a)d","donated_on":"%(d)s","donation_kind":"money",'
            '"recipient":"中华慈善总会"}')  # fmt: skip
BASIC = '{"certificate_number":"%(n)d","issued_on":"%(d)s","issuer":"北京市司法局"}'
# item, category, content template, share of records (out of 100), severities
MIX: list[tuple[str, str, str, int, bool]] = [
    ("PENALTY-TAX", "bad", PENALTY, 20, True),
    ("PENALTY-TRAFFIC", "bad", PENALTY, 20, True),
    ("CONTRACT-BREACH", "bad", JUDGMENT, 8, False),
    ("JUDICIAL-JUDGMENT-LIABILITY", "bad", JUDGMENT, 5, False),
    ("LIST-SERIOUS-DISHONESTY", "serious", JUDGMENT, 3, False),
    ("JUDICIAL-DISHONEST-DEBTOR", "serious", JUDGMENT, 2, False),
    ("HONOUR-MORAL-MODEL", "good", HONOUR, 3, False),
    ("HONOUR-BLOOD-DONATION", "good", HONOUR, 4, False),
    ("VOLUNTEER-SERVICE-HOURS", "good", HOURS, 15, False),
    ("DONATION-CHARITABLE", "good", DONATION, 8, False),
    ("QUAL-LAWYER", "basic", BASIC, 12, False),
]
STATUSES = ["active"] * 85 + ["expired"] * 7 + ["repaired"] * 5 + ["revoked"] * 3
SEVERITIES = ["minor"] * 5 + ["general"] * 4 + ["serious"]
RECORD_COLUMNS = ("id", "subject_id", "item_code", "source_id", "source_record_id", "category",
                  "disclosure", "created_at", "updated_at", "version", "status", "content",
                  "content_hash", "item_version", "document_number", "decision_date",
                  "occurrence_date", "severity", "publicised", "display_start",
                  "display_earliest_end", "display_latest_end", "batch_id")  # fmt: skip


def _uuid(kind: int, i: int) -> str:
    """Ascending ids: the high bits count, the low bits look random."""
    return str(uuid.UUID(int=(kind << 120) | (i << 64) | (i * 0x9E3779B97F4A7C15 % (1 << 64))))


def _records(subjects: int, per: int, seed: int) -> Iterator[str]:
    rnd = random.Random(seed)  # noqa: S311  (synthetic data, not secrets)
    weights = [m[3] for m in MIX]
    today = NOW.date()
    stamp = NOW.isoformat()
    n = 0
    for s in range(subjects):
        subject = _uuid(1, s)
        count = rnd.randint(per // 2, per + per // 2)
        for mix in rnd.choices(MIX, weights, k=count):
            item, category, template, _, tiered = mix
            decided = (today - dt.timedelta(days=rnd.randint(0, 2900))).isoformat()
            severity = rnd.choice(SEVERITIES) if tiered else None
            content = template % {"d": decided, "n": n, "a": rnd.randint(50, 50000),
                                  "s": severity, "h": f"{rnd.randint(1, 120)}.5"}  # fmt: skip
            yield (f"{_uuid(2, n)}\t{subject}\t{item}\t{SOURCE}\t{n:012d}\t{category}\tauthorised\t"
                   f"{stamp}\t{stamp}\t1\t{rnd.choice(STATUSES)}\t{content}\t{'0' * 64}\t"
                   f"2021-01-01\t{NULL}\t{decided}\t{decided}\t{severity or NULL}\tt\t{decided}\t"
                   f"{NULL}\t{NULL}\t{NULL}\n")  # fmt: skip
            n += 1


def _copy(engine: Engine, table: str, columns: tuple[str, ...], lines: Iterator[str]) -> None:
    raw: Any = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # no FK triggers: a restore
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                chunk: list[str] = []
                for line in lines:
                    chunk.append(line)
                    if len(chunk) >= 20000:
                        copy.write("".join(chunk))
                        chunk.clear()
                copy.write("".join(chunk))
        raw.commit()
    finally:
        raw.close()


def fill(engine: Engine, subjects: int, per: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO sources (id, code, name, region_code, kind, created_at, created_by) "
                 "VALUES (:id, 'BENCH', '基准来源', '110105', 'government_department', :at, 'b')"),
            {"id": SOURCE, "at": NOW},
        )  # fmt: skip
    stamp = NOW.isoformat()
    subject_rows = (f"{_uuid(1, s)}\tperson\t{s:064x}\t110105\t{stamp}\n" for s in range(subjects))
    _copy(engine, "subjects", ("id", "kind", "lookup", "region_code", "created_at"), subject_rows)
    placeholder = "\\\\x00"  # bytea 0x00 in COPY's text format: nothing decrypts it here
    person_rows = (
        f"{_uuid(1, s)}\t{placeholder}\t{placeholder}\t1\t{'MF'[s % 2]}\n" for s in range(subjects)
    )
    _copy(
        engine, "persons", ("id", "id_number_enc", "name_enc", "name_version", "sex"), person_rows
    )
    _copy(engine, "records", RECORD_COLUMNS, _records(subjects, per, seed=subjects))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO score_opt_ins (subject_id, opted_in_at) "
                          "SELECT id, :at FROM subjects"), {"at": NOW})  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) records, subjects, persons, score_opt_ins"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--per-subject", type=int, default=20)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")  # noqa: T201
    model = load_models(None, load_catalog())[-1]
    with pg_database(args.postgres) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        started = time.perf_counter()
        fill(engine, args.subjects, args.per_subject)
        with engine.connect() as conn:
            records = conn.execute(text("SELECT count(*) FROM records")).scalar_one()
            size = conn.execute(text("SELECT pg_size_pretty(pg_table_size('records'))")).scalar()
            version = conn.execute(text("SHOW server_version")).scalar()
        print(f"PostgreSQL {version}; {args.subjects:,} people, {records:,} records "  # noqa: T201
              f"(records table {size}), all opted in; filled in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        sessions = session_factory(engine)
        for label in ("first run (inserts)", "second run (updates)"):
            report = service.recompute_all(sessions, model, NOW)
            print(f"recompute_all, {label:<21} {report.path}: "  # noqa: T201
                  f"{report.subjects / report.seconds:>10,.0f} people/s "
                  f"{records / report.seconds:>12,.0f} records/s   "
                  f"({report.subjects:,} people in {report.seconds:.1f} s)")  # fmt: skip
        sample = min(args.subjects, 20_000)
        with sessions() as session, session.begin():
            ids = [uuid.UUID(_uuid(1, s)) for s in range(sample)]
            began = time.perf_counter()
            service.compute_for(session, model, NOW, ids)
            seconds = time.perf_counter() - began
        print(f"compute_for (incremental path), {sample:,} people: "  # noqa: T201
              f"{sample / seconds:>10,.0f} people/s")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
