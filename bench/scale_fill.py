"""The province-sized data set of bench/scale.py: real people (valid ID numbers, blind index,
names and numbers sealed with the node's keys, so any of them can be queried) and their records,
written by COPY in two processes, one per core, each a contiguous range of people.

Records follow bench/score.py's mix of items and content, decided over the last eight years,
with display windows shaped like RULES.md's periods (penalties by severity, judgments five
years, honours three, licences without end). A record whose window ended before yesterday is
expired (a few repaired or revoked); one that ended yesterday is still shown — the expiry job's
work for today; the rest are shown (a few repaired or revoked). record_versions, the ledger and
the query register are not filled (see docs/performance.md "Scale" for why and what it means)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench.score import MIX, NOW, NULL, SEVERITIES, _copy, _uuid
from chengxin.db import make_engine
from chengxin.identity.numbers import check_character
from chengxin.identity.service import PERSON_INDEX
from chengxin.keys import KeyRing, load_key_file
from chengxin.sealed import seal

REGIONS = ("110101", "110102", "110105", "110106", "110108", "110111", "110112", "110114")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
# Display window in months (earliest end, latest end) by item; None: shown without end.
WINDOWS: dict[str, tuple[int, int] | None] = {
    "CONTRACT-BREACH": (0, 60), "JUDICIAL-JUDGMENT-LIABILITY": (0, 60),
    "LIST-SERIOUS-DISHONESTY": (12, 36), "JUDICIAL-DISHONEST-DEBTOR": (12, 36),
    "HONOUR-MORAL-MODEL": (0, 36), "HONOUR-BLOOD-DONATION": (0, 36),
    "VOLUNTEER-SERVICE-HOURS": (0, 36), "DONATION-CHARITABLE": (0, 36), "QUAL-LAWYER": None,
}  # fmt: skip
PENALTY_WINDOWS = {"minor": (0, 3), "general": (6, 12), "serious": (12, 36)}
RECORD_COLUMNS = ("id", "subject_id", "item_code", "source_id", "source_record_id", "category",
                  "disclosure", "created_at", "updated_at", "version", "status", "content",
                  "content_hash", "item_version", "document_number", "decision_date",
                  "occurrence_date", "severity", "publicised", "display_start",
                  "display_earliest_end", "display_latest_end")  # fmt: skip
STREAMS = 2


def id_number(n: int) -> str:
    """Person n's ID number: unique for n below 8 × 20,000 × 1,000."""
    rest = n // len(REGIONS)
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rest // 1000)
    first17 = f"{REGIONS[n % len(REGIONS)]}{born:%Y%m%d}{rest % 1000:03d}"
    return first17 + check_character(first17)


def name(n: int) -> str:
    return SURNAMES[n % 20] + GIVEN[n // 20 % 24] + GIVEN[n // 480 % 24]


def subject_id(n: int) -> uuid.UUID:
    return uuid.UUID(_uuid(1, n))


def _bytea(token: bytes) -> str:
    return "\\\\x" + token.hex()


def _people(keys: KeyRing, first: int, last: int, table: str) -> Iterator[str]:
    stamp = NOW.isoformat()
    for n in range(first, last):
        number, sid = id_number(n), subject_id(n)
        if table == "subjects":
            lookup = keys.blind_index(PERSON_INDEX, number)
            yield f"{sid}\tperson\t{lookup}\t{number[:6]}\t{stamp}\n"
        elif table == "persons":
            sex = "M" if int(number[16]) % 2 else "F"
            number_enc = _bytea(seal(keys, "persons", "id_number_enc", sid, number))
            name_enc = _bytea(seal(keys, "persons", "name_enc", sid, name(n)))
            yield f"{sid}\t{number_enc}\t{name_enc}\t1\t{sex}\n"
        else:
            row = uuid.UUID(_uuid(3, n))
            name_enc = _bytea(seal(keys, "person_names", "name_enc", row, name(n)))
            yield f"{row}\t{sid}\t1\t{name_enc}\tregistered\tbench\t{stamp}\n"


def _window(item: str, severity: str | None, decided: dt.date) -> tuple[str, str]:
    months = PENALTY_WINDOWS[severity] if severity else WINDOWS.get(item)
    if months is None:
        return NULL, NULL
    return tuple(  # type: ignore[return-value]
        (decided + dt.timedelta(days=round(m * 30.44))).isoformat() for m in months
    )


def _status(rnd: random.Random, latest: str, yesterday: str) -> str:
    if latest != NULL and latest < yesterday:
        return rnd.choice(("expired",) * 18 + ("repaired", "revoked"))
    if latest == yesterday:
        return "active"
    return rnd.choice(("active",) * 18 + ("repaired", "revoked"))


def _records(first: int, last: int, per: int, source: uuid.UUID, versions: dict[str, str]
             ) -> Iterator[str]:  # fmt: skip
    rnd = random.Random(first)  # noqa: S311  (synthetic data, not secrets)
    weights = [m[3] for m in MIX]
    yesterday = (NOW.date() - dt.timedelta(days=1)).isoformat()
    n = first * per * 2  # unique record numbers per stream (at most 1.5 × per a person)
    for s in range(first, last):
        subject = _uuid(1, s)
        for mix in rnd.choices(MIX, weights, k=rnd.randint(per // 2, per + per // 2)):
            item, category, template, _, tiered = mix
            day = NOW.date() - dt.timedelta(days=rnd.randint(0, 2900))
            decided = day.isoformat()
            severity = rnd.choice(SEVERITIES) if tiered else None
            earliest, latest = _window(item, severity, day)
            content = template % {"d": decided, "n": n, "a": rnd.randint(50, 50000),
                                  "s": severity, "h": f"{rnd.randint(1, 120)}.5"}  # fmt: skip
            stamp = f"{decided}T0{rnd.randint(0, 9)}:{rnd.randint(10, 59)}:00+00:00"
            yield (f"{_uuid(2, n)}\t{subject}\t{item}\t{source}\t{n:012d}\t{category}\t"
                   f"authorised\t{stamp}\t{stamp}\t1\t{_status(rnd, latest, yesterday)}\t"
                   f"{content}\t{n:064x}\t{versions[item]}\t{NULL}\t{decided}\t{decided}\t"
                   f"{severity or NULL}\tt\t{decided}\t{earliest}\t{latest}\n")  # fmt: skip
            n += 1


def _stream(url: str, key_file: Path, first: int, last: int, per: int,  # noqa: PLR0917
            source: uuid.UUID, versions: dict[str, str]) -> None:  # fmt: skip
    """One process's share: people first..last-1, then their records."""
    engine, keys = make_engine(url), load_key_file(key_file)
    _copy(engine, "subjects", ("id", "kind", "lookup", "region_code", "created_at"),
          _people(keys, first, last, "subjects"))  # fmt: skip
    _copy(engine, "persons", ("id", "id_number_enc", "name_enc", "name_version", "sex"),
          _people(keys, first, last, "persons"))  # fmt: skip
    _copy(engine, "person_names",
          ("id", "subject_id", "version", "name_enc", "reason", "actor", "created_at"),
          _people(keys, first, last, "person_names"))  # fmt: skip
    _copy(engine, "records", RECORD_COLUMNS, _records(first, last, per, source, versions))
    engine.dispose()


def fill(url: str, key_file: Path, subjects: int, per: int, source: uuid.UUID,  # noqa: PLR0917
         versions: dict[str, str]) -> None:  # fmt: skip
    """Everyone, opted in to the score, in STREAMS processes; then statistics and a checkpoint."""
    bounds = [subjects * k // STREAMS for k in range(STREAMS + 1)]
    with ProcessPoolExecutor(STREAMS) as pool:
        jobs = [pool.submit(_stream, url, key_file, bounds[k], bounds[k + 1], per, source,
                            versions) for k in range(STREAMS)]  # fmt: skip
        for job in jobs:
            job.result()
    engine: Engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO score_opt_ins (subject_id, opted_in_at) "
                          "SELECT id, :at FROM subjects"), {"at": NOW})  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))  # statistics and the visibility map
        conn.execute(text("CHECKPOINT"))
    engine.dispose()


def sizes(engine: Engine) -> dict[str, Any]:
    """Rows (the planner's count after ANALYZE) and bytes of the big tables, partitions summed."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in ("records", "subjects", "persons", "person_names", "score_opt_ins"):
            leaves = list(conn.execute(
                text("SELECT relid::oid FROM pg_partition_tree(:t) WHERE isleaf"), {"t": table}
            ).scalars()) or [conn.execute(text("SELECT CAST(:t AS regclass)::oid"),
                                          {"t": table}).scalar_one()]  # fmt: skip
            rows, heap, total = conn.execute(
                text("SELECT sum(greatest(reltuples, 0))::bigint, sum(pg_table_size(oid)), "
                     "sum(pg_total_relation_size(oid)) FROM pg_class WHERE oid = ANY(:o)"),
                {"o": leaves},
            ).one()  # fmt: skip
            out[table] = (int(rows), int(heap), int(total))
        out["database"] = conn.execute(
            text("SELECT pg_database_size(current_database())")
        ).scalar_one()
    return out
