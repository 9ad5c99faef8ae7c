"""Timeliness and accuracy per source and item (R-2.7): read-only queries over batches, refused
rows and record versions, shaped by the pure rules of `quality_rules`.

`corrections` counts the corrections a source sent in its batches; `after_objections` the
records it corrected or revoked in answer to an objection (异议, R-4.1).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import UpdateFrequency
from chengxin.clock import china_today
from chengxin.collection.models import Batch, BatchError, Source, SourceGrant
from chengxin.collection.quality_rules import (
    FREQUENCY_DAYS,
    DelayStats,
    days_overdue,
    delay_days,
    delay_stats,
    expected_since,
    refusal_rate,
)
from chengxin.records.models import Change, Record, RecordVersion

UNSPECIFIED_RULE = "unspecified"  # a refused row whose error named no rule
_OBJECTION_OUTCOMES = (Change.OBJECTION_CORRECTED, Change.OBJECTION_REVOKED)
_SENT_BY_SOURCE = (Change.CREATED, Change.CORRECTED, Change.REVOKED, *_OBJECTION_OUTCOMES)
_STREAM_ROWS = 2000


@dataclass(frozen=True, slots=True)
class RuleCount:
    rule: str
    refused: int


@dataclass(frozen=True, slots=True)
class ItemQuality:
    """One item of one source. `days_overdue` is None when nothing is expected (an `on_event`
    item, or one no longer granted), 0 when on time."""

    item_code: str
    granted: bool
    update_frequency: UpdateFrequency | None  # None: not in the catalog in force today
    records_received: int
    delay_days: DelayStats | None
    corrections: int
    revocations: int
    after_objections: int
    last_received_at: dt.datetime | None
    expected_every_days: int | None
    days_overdue: int | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class SourceQuality:
    code: str
    name: str
    batches: int
    last_batch_at: dt.datetime | None
    rows_total: int
    accepted: int
    duplicate: int
    corrected: int
    revoked: int
    waiting: int
    refused: int
    refusal_rate: float | None
    refused_by_rule: tuple[RuleCount, ...]  # most frequent first
    items: tuple[ItemQuality, ...]


@dataclass(frozen=True, slots=True)
class QualityReport:
    generated_at: dt.datetime
    sources: tuple[SourceQuality, ...]


@dataclass
class _ItemFigures:
    delays: Counter[int] = field(default_factory=Counter)
    corrections: int = 0
    revocations: int = 0
    after_objections: int = 0
    last: dt.datetime | None = None

    def saw(self, at: dt.datetime) -> None:
        self.last = at if self.last is None else max(self.last, at)


_Key = tuple[uuid.UUID, str]


def _version_figures(session: Session, source_id: uuid.UUID | None) -> dict[_Key, _ItemFigures]:
    """Per (source, item): a histogram of arrival delays, corrections, revocations and the last
    arrival. Versions of one batch share their `created_at`, so grouping by it keeps the rows
    few (batches × distinct decision dates) whatever the number of records."""
    stmt = (
        select(
            Record.source_id, Record.item_code, RecordVersion.change, RecordVersion.created_at,
            RecordVersion.decision_date, func.count(),
        )
        .join(Record, Record.id == RecordVersion.record_id)
        .where(RecordVersion.change.in_(_SENT_BY_SOURCE))
        .group_by(
            Record.source_id, Record.item_code, RecordVersion.change, RecordVersion.created_at,
            RecordVersion.decision_date,
        )
    )  # fmt: skip
    if source_id is not None:
        stmt = stmt.where(Record.source_id == source_id)
    figures: dict[_Key, _ItemFigures] = defaultdict(_ItemFigures)
    for src, item, change, created_at, decided, n in session.execute(
        stmt.execution_options(yield_per=_STREAM_ROWS)
    ):
        fig = figures[(src, item)]
        fig.saw(created_at)
        if change is Change.CREATED:
            fig.delays[delay_days(decided, china_today(created_at))] += n
        elif change is Change.CORRECTED:
            fig.corrections += n
        elif change in _OBJECTION_OUTCOMES:
            fig.after_objections += n
        else:
            fig.revocations += n
    return figures


def _item_batches(session: Session, source_id: uuid.UUID | None) -> dict[_Key, dt.datetime]:
    """The last batch sent for one item (even one with no new records in it)."""
    stmt = (
        select(Batch.source_id, Batch.item_code, func.max(Batch.received_at))
        .where(Batch.item_code.is_not(None))
        .group_by(Batch.source_id, Batch.item_code)
    )
    if source_id is not None:
        stmt = stmt.where(Batch.source_id == source_id)
    return {(s, i): at for s, i, at in session.execute(stmt) if i is not None}


def _grants(session: Session, source_id: uuid.UUID | None) -> dict[_Key, dt.datetime]:
    stmt = select(SourceGrant.source_id, SourceGrant.item_code, SourceGrant.granted_at).where(
        SourceGrant.revoked_at.is_(None)
    )
    if source_id is not None:
        stmt = stmt.where(SourceGrant.source_id == source_id)
    return {(s, i): at for s, i, at in session.execute(stmt)}


def _refusals(session: Session, source_id: uuid.UUID | None) -> dict[uuid.UUID, list[RuleCount]]:
    stmt = (
        select(Batch.source_id, BatchError.rule, func.count())
        .join(Batch, Batch.id == BatchError.batch_id)
        .group_by(Batch.source_id, BatchError.rule)
    )
    if source_id is not None:
        stmt = stmt.where(Batch.source_id == source_id)
    counts: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    for src, rule, n in session.execute(stmt):
        counts[src][rule or UNSPECIFIED_RULE] += n
    return {
        src: [RuleCount(r, n) for r, n in sorted(c.items(), key=lambda rn: (-rn[1], rn[0]))]
        for src, c in counts.items()
    }


@dataclass(frozen=True, slots=True)
class _BatchTotals:
    batches: int = 0
    last: dt.datetime | None = None
    rows_total: int = 0
    accepted: int = 0
    duplicate: int = 0
    corrected: int = 0
    revoked: int = 0
    waiting: int = 0
    refused: int = 0


def _batch_totals(session: Session, source_id: uuid.UUID | None) -> dict[uuid.UUID, _BatchTotals]:
    sums = (Batch.rows_total, Batch.accepted, Batch.duplicate, Batch.corrected, Batch.revoked,
            Batch.waiting, Batch.refused)  # fmt: skip
    stmt = select(
        Batch.source_id,
        func.count(),
        func.max(Batch.received_at),
        *(func.coalesce(func.sum(c), 0) for c in sums),
    ).group_by(Batch.source_id)
    if source_id is not None:
        stmt = stmt.where(Batch.source_id == source_id)
    return {
        src: _BatchTotals(int(n), last, *(int(v) for v in values))
        for src, n, last, *values in session.execute(stmt)
    }


def _item(
    catalog: Catalog,
    code: str,
    today: dt.date,
    *,
    fig: _ItemFigures,
    item_batch: dt.datetime | None,
    source_last: dt.datetime | None,
    granted_at: dt.datetime | None,
) -> ItemQuality:
    sent = [at for at in (fig.last, item_batch) if at is not None]
    last = max(sent) if sent else None
    version = catalog.find(code, today)
    freq = None if version is None else version.update_frequency
    late: int | None = None
    if granted_at is not None and freq is not None:
        late = days_overdue(freq, china_today(expected_since(last, source_last, granted_at)), today)
    return ItemQuality(
        code, granted_at is not None, freq, fig.delays.total(), delay_stats(fig.delays),
        fig.corrections, fig.revocations, fig.after_objections, last,
        None if freq is None else FREQUENCY_DAYS.get(freq), late, bool(late),
    )  # fmt: skip


def quality_report(
    session: Session, catalog: Catalog, now: dt.datetime, source_id: uuid.UUID | None = None
) -> QualityReport:
    """Timeliness and accuracy of every source (or of one) as of `now` (R-2.7).

    Items of a source are those it is granted and those it ever sent. A granted item whose
    update frequency is not `on_event` is overdue when its last delivery (else the source's
    last batch, never before the grant) is more than the frequency's days ago."""
    today = china_today(now)
    versions = _version_figures(session, source_id)
    item_batches = _item_batches(session, source_id)
    grants = _grants(session, source_id)
    refusals = _refusals(session, source_id)
    totals = _batch_totals(session, source_id)
    codes: dict[uuid.UUID, set[str]] = defaultdict(set)
    for src, code in (*versions, *item_batches, *grants):
        codes[src].add(code)
    stmt = select(Source).order_by(Source.code)
    if source_id is not None:
        stmt = stmt.where(Source.id == source_id)
    out = []
    for source in session.scalars(stmt):
        t = totals.get(source.id, _BatchTotals())
        items = tuple(
            _item(
                catalog, code, today, fig=versions.get((source.id, code), _ItemFigures()),
                item_batch=item_batches.get((source.id, code)), source_last=t.last,
                granted_at=grants.get((source.id, code)),
            )
            for code in sorted(codes[source.id])
        )  # fmt: skip
        out.append(SourceQuality(
            source.code, source.name, t.batches, t.last, t.rows_total, t.accepted, t.duplicate,
            t.corrected, t.revoked, t.waiting, t.refused, refusal_rate(t.refused, t.rows_total),
            tuple(refusals.get(source.id, ())), items,
        ))  # fmt: skip
    return QualityReport(now, tuple(out))
