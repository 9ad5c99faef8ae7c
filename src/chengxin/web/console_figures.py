"""The operator console's dashboard (R-7.3): the node's figures in a period and region, read-only.
Units are the data-providing units (their code) and a unit's region its region code; listings
count by the designating unit's region, tip-offs by the region they are about, measures by the
implementing department's region. The figures over time are read in console_series.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from chengxin.catalog.schema import Catalog
from chengxin.clock import CHINA_TZ
from chengxin.collection.models import Source
from chengxin.disputes.models import Objection, RepairCase
from chengxin.lists.models import ListEntry
from chengxin.measures.statistics import MeasureFigures, figures
from chengxin.requesters.models import Requester
from chengxin.tipoffs.models import Tipoff
from chengxin.web import console_series as series
from chengxin.web.console_period import Scope
from chengxin.web.console_series import Day, in_region, within


@dataclass(frozen=True)
class ListFigures:
    region: str  # of the designating unit
    list_type: str
    in_effect: int  # on the last day of the period
    took_effect: int  # in the period
    removed: int  # in the period


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    first_day: dt.date  # of the buckets: the period's start, or the first figure's day
    records: list[Day]  # key: domain; counts: (records,)
    batches: list[Day]  # counts: (batches, rows, refused rows)
    delays: list[tuple[str, str, int, int]]  # region, unit, days late, records
    objections: tuple[list[Day], list[Day]]  # filed (filed, open), decided (decided, on time)
    repairs: tuple[list[Day], list[Day]]
    lists: list[ListFigures]
    measures: list[tuple[str, MeasureFigures]]  # the department's region, its figures
    tipoffs: list[tuple[str, str, int]]  # region, state, tip-offs filed
    units: dict[str, str]  # unit code → name


def _lists(session: Session, scope: Scope) -> list[ListFigures]:
    after = dt.datetime.combine(scope.end + dt.timedelta(days=1), dt.time(0), tzinfo=CHINA_TZ)
    in_effect = and_(
        ListEntry.effective_from <= scope.end,
        or_(ListEntry.removed_at.is_(None), ListEntry.removed_at >= after),
        or_(ListEntry.term_end.is_(None), ListEntry.term_end >= scope.end),
    )
    took = [ListEntry.effective_from <= scope.end]
    if scope.start is not None:
        took.append(ListEntry.effective_from >= scope.start)
    rows = session.execute(
        select(Source.region_code, ListEntry.list_type, func.count().filter(in_effect),
               func.count().filter(*took),
               func.count().filter(*within(ListEntry.removed_at, scope)))
        .join(Source, Source.id == ListEntry.source_id)
        .where(*in_region(Source.region_code, scope))
        .group_by(Source.region_code, ListEntry.list_type)
        .order_by(Source.region_code, ListEntry.list_type)
    )  # fmt: skip
    return [ListFigures(*row) for row in rows if any(row[2:])]


def _measures(session: Session, scope: Scope) -> list[tuple[str, MeasureFigures]]:
    regions = dict(session.execute(select(Requester.code, Requester.region_code)).all())
    found = figures(session, since=scope.start, until=scope.end)
    return [(regions.get(m.department, ""), m) for m in found
            if regions.get(m.department, "").startswith(scope.region)]  # fmt: skip


def dashboard(session: Session, catalog: Catalog, scope: Scope) -> Dashboard:
    records = series.records(session, catalog, scope)
    batches = series.batches(session, scope)
    objections = series.cases(session, Objection, scope)
    repairs = series.cases(session, RepairCase, scope)
    tipoffs = session.execute(
        select(Tipoff.region_code, Tipoff.state, func.count())
        .where(*within(Tipoff.filed_at, scope), *in_region(Tipoff.region_code, scope))
        .group_by(Tipoff.region_code, Tipoff.state)
        .order_by(Tipoff.region_code, Tipoff.state)
    ).all()
    days = [d.day for found in (records, batches, *objections, *repairs) for d in found]
    first = scope.start or min(days, default=scope.end)
    return Dashboard(
        scope=scope, first_day=first, records=records, batches=batches,
        delays=series.delays(session, scope), objections=objections, repairs=repairs,
        lists=_lists(session, scope), measures=_measures(session, scope),
        tipoffs=[(r, str(state), n) for r, state, n in tipoffs],
        units=dict(session.execute(select(Source.code, Source.name)).all()),
    )  # fmt: skip
