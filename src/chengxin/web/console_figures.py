"""The operator console's dashboard (R-7.3): counts per region and department, read-only, one
query a table. Departments are the data-providing units (their code); regions their region code.
Tip-offs count by the region they are about; measures by implementing department."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.catalog.schema import Catalog
from chengxin.collection.models import Batch, Source
from chengxin.disputes.models import Objection, RepairCase
from chengxin.lists.models import ListEntry
from chengxin.lists.rules import ListingState
from chengxin.measures.statistics import MeasureFigures, figures
from chengxin.records.models import Record
from chengxin.tipoffs.models import Tipoff


@dataclass(frozen=True)
class CaseFigures:
    region: str
    source: str
    filed: int
    open: int
    decided: int
    on_time: int  # decided without ever being flagged overdue

    @property
    def on_time_rate(self) -> str:
        return f"{100 * self.on_time / self.decided:.0f}%" if self.decided else "–"


@dataclass(frozen=True)
class Dashboard:
    records: list[tuple[str, str, str, str, int]]  # region, source, domain, status, count
    batches: list[tuple[str, str, int, int, int]]  # region, source, batches, rows, refused
    objections: list[CaseFigures]
    repairs: list[CaseFigures]
    lists: list[tuple[str, str, int]]  # region of the designating unit, list type, in effect
    measures: list[MeasureFigures]
    tipoffs: list[tuple[str, str, int]]  # region, state, count


def _records(session: Session, catalog: Catalog) -> list[tuple[str, str, str, str, int]]:
    counts: Counter[tuple[str, str, str, str]] = Counter()
    rows = session.execute(
        select(Source.region_code, Source.code, Record.item_code, Record.item_version,
               Record.status, func.count())
        .join(Source, Source.id == Record.source_id)
        .group_by(Source.region_code, Source.code, Record.item_code, Record.item_version,
                  Record.status)
    )  # fmt: skip
    for region, source, item_code, version, status, count in rows:
        item = catalog.find(item_code, version)
        domain = str(item.domain) if item else "?"
        counts[(region, source, domain, str(status))] += count
    return sorted((*key, n) for key, n in counts.items())


def _cases(session: Session, model: Any) -> list[CaseFigures]:
    rows = session.execute(
        select(
            Source.region_code, Source.code, func.count(),
            func.count(model.decided_at),
            func.count(model.decided_at).filter(model.overdue_flagged_at.is_(None)),
        )
        .join(Source, Source.id == model.source_id)
        .group_by(Source.region_code, Source.code)
        .order_by(Source.region_code, Source.code)
    )  # fmt: skip
    return [CaseFigures(region, source, filed, filed - decided, decided, on_time)
            for region, source, filed, decided, on_time in rows]  # fmt: skip


def dashboard(session: Session, catalog: Catalog) -> Dashboard:
    """All-time figures; periods and charts follow."""
    batches = session.execute(
        select(Source.region_code, Source.code, func.count(), func.sum(Batch.rows_total),
               func.sum(Batch.refused))
        .join(Source, Source.id == Batch.source_id)
        .group_by(Source.region_code, Source.code)
        .order_by(Source.region_code, Source.code)
    ).all()  # fmt: skip
    lists = session.execute(
        select(Source.region_code, ListEntry.list_type, func.count())
        .join(Source, Source.id == ListEntry.source_id)
        .where(ListEntry.state == ListingState.LISTED)
        .group_by(Source.region_code, ListEntry.list_type)
        .order_by(Source.region_code, ListEntry.list_type)
    ).all()
    tipoffs = session.execute(
        select(Tipoff.region_code, Tipoff.state, func.count())
        .group_by(Tipoff.region_code, Tipoff.state)
        .order_by(Tipoff.region_code, Tipoff.state)
    ).all()
    return Dashboard(
        records=_records(session, catalog),
        batches=[(r, s, n, rows or 0, refused or 0) for r, s, n, rows, refused in batches],
        objections=_cases(session, Objection), repairs=_cases(session, RepairCase),
        lists=[(r, t, n) for r, t, n in lists], measures=figures(session),
        tipoffs=[(r, str(state), n) for r, state, n in tipoffs],
    )  # fmt: skip
