"""The landing page's counts — people, organisations, records in force, data-providing units.

Counting the records in force reads the whole records table: 20 s (cached) to 37 s (from disk)
at 65,000,000 records (docs/performance.md, "Scale"). So the figures are counted by the
`figures` job, at most once an hour, and stored; the page reads the stored row. Only a node that
has never counted (a new one, before its first job run) counts while the visitor waits, which is
instant on a new node."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.collection.models import Source
from chengxin.db import conflict_insert
from chengxin.figures.models import NodeFigure
from chengxin.identity.models import Subject, SubjectKind
from chengxin.records.models import Record, RecordStatus

MAX_AGE = dt.timedelta(hours=1)
NAMES = ("persons", "organisations", "records_in_force", "sources")


@dataclass(frozen=True)
class Figures:
    persons: int
    organisations: int
    records_in_force: int
    sources: int
    counted_at: dt.datetime


def _count(session: Session, now: dt.datetime) -> Figures:
    found = session.execute(select(Subject.kind, func.count()).group_by(Subject.kind)).all()
    kinds: dict[SubjectKind, int] = dict(found)
    records = session.scalar(
        select(func.count()).select_from(Record).where(Record.status == RecordStatus.ACTIVE)
    )
    units = session.scalar(select(func.count()).select_from(Source))
    return Figures(kinds.get(SubjectKind.PERSON, 0), kinds.get(SubjectKind.ORGANISATION, 0),
                   records or 0, units or 0, now)  # fmt: skip


def _store(session: Session, figures: Figures) -> None:
    rows = [{"name": n, "value": getattr(figures, n), "counted_at": figures.counted_at}
            for n in NAMES]  # fmt: skip
    statement = conflict_insert(session, NodeFigure)
    session.execute(statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"value": statement.excluded.value, "counted_at": statement.excluded.counted_at},
    ), rows)  # fmt: skip


def _stored(session: Session) -> Figures | None:
    rows = {f.name: f for f in session.scalars(select(NodeFigure))}
    if set(rows) != set(NAMES):
        return None
    counted_at = min(f.counted_at for f in rows.values())
    return Figures(**{n: rows[n].value for n in NAMES}, counted_at=counted_at)


def _count_and_store(
    reads: sessionmaker[Session], writes: sessionmaker[Session], now: dt.datetime
) -> Figures:
    # Counted in a read session: on SQLite a write session would hold the write lock, and
    # every writer would wait, for as long as the count takes.
    with reads() as session:
        figures = _count(session, now)
    with writes() as session, session.begin():
        _store(session, figures)
    return figures


def read_figures(
    reads: sessionmaker[Session], writes: sessionmaker[Session], now: dt.datetime
) -> Figures:
    """The stored figures; on a node that has never counted, counted (and stored) now."""
    with reads() as session:
        stored = _stored(session)
    return stored if stored is not None else _count_and_store(reads, writes, now)


def refresh_figures(
    reads: sessionmaker[Session],
    writes: sessionmaker[Session],
    now: dt.datetime,
    *,
    max_age: dt.timedelta = MAX_AGE,
) -> Figures | None:
    """Count and store the figures if the stored ones are older than `max_age`; None if they
    were fresh enough. Two workers at once both count; the later write wins, both are true."""
    with reads() as session:
        stored = _stored(session)
    if stored is not None and now - stored.counted_at < max_age:
        return None
    return _count_and_store(reads, writes, now)
