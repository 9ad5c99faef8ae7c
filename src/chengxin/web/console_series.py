"""The dashboard's figures over time (R-7.3), read per Beijing day and data-providing unit so that
the page can bucket them by day, week or month: records as they reached the platform, batches and
their refused rows, objections and repairs filed and decided, and how late records arrive after
their decision. Pure reads, one query each; the day is taken in Beijing by the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from chengxin.catalog.schema import Catalog
from chengxin.clock import CHINA_TZ
from chengxin.collection.models import Batch, Source
from chengxin.records.models import Change, Record, RecordVersion
from chengxin.web.console_period import Scope


class BeijingDay(FunctionElement[dt.date]):
    """The Beijing calendar date of a UTC timestamp column."""

    type = Date()
    inherit_cache = True
    name = "beijing_day"


class DaysLate(FunctionElement[int]):
    """Days from a date column (second) to the Beijing date of a timestamp column (first)."""

    type = Integer()
    inherit_cache = True
    name = "days_late"


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(BeijingDay)
def _beijing_day(element: BeijingDay, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as text; China has kept +8 all year since 1991.
    return f"date({_args(element, compiler, **kw)[0]}, '+8 hours')"


@compiles(BeijingDay, "postgresql")
def _beijing_day_pg(element: BeijingDay, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('Asia/Shanghai', {_args(element, compiler, **kw)[0]}) AS DATE)"


@compiles(DaysLate)
def _days_late(element: DaysLate, compiler: SQLCompiler, **kw: Any) -> str:
    at, day = _args(element, compiler, **kw)
    return f"CAST(julianday(date({at}, '+8 hours')) - julianday({day}) AS INTEGER)"


@compiles(DaysLate, "postgresql")
def _days_late_pg(element: DaysLate, compiler: SQLCompiler, **kw: Any) -> str:
    at, day = _args(element, compiler, **kw)
    return f"(CAST(timezone('Asia/Shanghai', {at}) AS DATE) - {day})"


def within(column: InstrumentedAttribute[Any], scope: Scope) -> list[ColumnElement[bool]]:
    """Instants on the Beijing dates of the scope."""
    where = []
    if scope.start is not None:
        where.append(column >= dt.datetime.combine(scope.start, dt.time(0), tzinfo=CHINA_TZ))
    end = scope.end + dt.timedelta(days=1)
    where.append(column < dt.datetime.combine(end, dt.time(0), tzinfo=CHINA_TZ))
    return where


def in_region(column: InstrumentedAttribute[str], scope: Scope) -> list[ColumnElement[bool]]:
    return [column.startswith(scope.region)] if scope.region else []


@dataclass(frozen=True)
class Day:
    """Counts of one unit on one Beijing day; `key` is what they are split by (a domain)."""

    day: dt.date
    region: str
    source: str
    key: str
    counts: tuple[int, ...]


def records(session: Session, catalog: Catalog, scope: Scope) -> list[Day]:
    """Records by the day they first reached the platform, by unit and domain."""
    day = BeijingDay(Record.created_at)
    rows = session.execute(
        select(day, Source.region_code, Source.code, Record.item_code, Record.item_version,
               func.count())
        .join(Source, Source.id == Record.source_id)
        .where(*within(Record.created_at, scope), *in_region(Source.region_code, scope))
        .group_by(day, Source.region_code, Source.code, Record.item_code, Record.item_version)
    )  # fmt: skip
    found = []
    for on, region, source, code, version, count in rows:
        item = catalog.find(code, version)
        found.append(Day(on, region, source, str(item.domain) if item else "?", (count,)))
    return found


def batches(session: Session, scope: Scope) -> list[Day]:
    """Batches received a day by unit: (batches, rows, refused rows)."""
    day = BeijingDay(Batch.received_at)
    rows = session.execute(
        select(day, Source.region_code, Source.code, func.count(), func.sum(Batch.rows_total),
               func.sum(Batch.refused))
        .join(Source, Source.id == Batch.source_id)
        .where(*within(Batch.received_at, scope), *in_region(Source.region_code, scope))
        .group_by(day, Source.region_code, Source.code)
    )  # fmt: skip
    return [Day(on, region, source, "", (n, total or 0, refused or 0))
            for on, region, source, n, total, refused in rows]  # fmt: skip


def cases(session: Session, model: Any, scope: Scope) -> tuple[list[Day], list[Day]]:
    """Cases filed a day by unit: (filed, still open); and decided a day: (decided, on time —
    decided without ever being flagged overdue by the deadline job)."""
    filed_on, decided_on = BeijingDay(model.filed_at), BeijingDay(model.decided_at)
    filed = session.execute(
        select(filed_on, Source.region_code, Source.code, func.count(),
               func.count().filter(model.decided_at.is_(None)))
        .join(Source, Source.id == model.source_id)
        .where(*within(model.filed_at, scope), *in_region(Source.region_code, scope))
        .group_by(filed_on, Source.region_code, Source.code)
    )  # fmt: skip
    decided = session.execute(
        select(decided_on, Source.region_code, Source.code, func.count(),
               func.count().filter(model.overdue_flagged_at.is_(None)))
        .join(Source, Source.id == model.source_id)
        .where(model.decided_at.is_not(None), *within(model.decided_at, scope),
               *in_region(Source.region_code, scope))
        .group_by(decided_on, Source.region_code, Source.code)
    )  # fmt: skip
    return (
        [Day(on, region, source, "", (n, left)) for on, region, source, n, left in filed],
        [Day(on, region, source, "", (n, timely)) for on, region, source, n, timely in decided],
    )


def delays(session: Session, scope: Scope) -> list[tuple[str, str, int, int]]:
    """(region, unit, days from decision to arrival, records) for records that arrived in the
    scope, by their first version (a later correction may move the decision date)."""
    late = DaysLate(RecordVersion.created_at, RecordVersion.decision_date)
    rows = session.execute(
        select(Source.region_code, Source.code, late, func.count())
        .join(Record, Record.id == RecordVersion.record_id)
        .join(Source, Source.id == Record.source_id)
        .where(RecordVersion.change == Change.CREATED, *within(RecordVersion.created_at, scope),
               *in_region(Source.region_code, scope))
        .group_by(Source.region_code, Source.code, late)
    )  # fmt: skip
    return [(region, source, days, n) for region, source, days, n in rows]
