"""Figures per measure and department (R-6.4, R-7.3): how often a check returned a measure, and
what the department reported doing with it — the loop the feedback closes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from chengxin.clock import CHINA_TZ
from chengxin.measures.models import Check, CheckFeedback, CheckResult, Outcome
from chengxin.requesters.models import Requester


@dataclass(frozen=True)
class MeasureFigures:
    measure: str
    department: str  # the requester code of the implementing department
    returned: int  # checks that returned the measure
    applied: int
    skipped: int
    overridden: int

    @property
    def awaiting(self) -> int:
        """Returned, but no feedback yet."""
        return self.returned - self.applied - self.skipped - self.overridden


def _between(since: dt.date | None, until: dt.date | None) -> list[ColumnElement[bool]]:
    """Checks made on Beijing dates from `since` through `until`."""
    where = []
    if since is not None:
        where.append(Check.at >= dt.datetime.combine(since, dt.time(0), tzinfo=CHINA_TZ))
    if until is not None:
        end = until + dt.timedelta(days=1)
        where.append(Check.at < dt.datetime.combine(end, dt.time(0), tzinfo=CHINA_TZ))
    return where


def figures(
    session: Session,
    *,
    requester_id: uuid.UUID | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[MeasureFigures]:
    """One row per measure and department, by measure code then department."""
    where = _between(since, until)
    if requester_id is not None:
        where.append(Check.requester_id == requester_id)
    returned = session.execute(
        select(CheckResult.measure_code, Requester.code, func.count())
        .join(Check, Check.id == CheckResult.check_id)
        .join(Requester, Requester.id == Check.requester_id)
        .where(*where)
        .group_by(CheckResult.measure_code, Requester.code)
    ).all()
    outcomes: Counter[tuple[str, str, str]] = Counter()
    for code, department, outcome, count in session.execute(
        select(CheckFeedback.measure_code, Requester.code, CheckFeedback.outcome, func.count())
        .join(Check, Check.id == CheckFeedback.check_id)
        .join(Requester, Requester.id == Check.requester_id)
        .where(*where)
        .group_by(CheckFeedback.measure_code, Requester.code, CheckFeedback.outcome)
    ):
        outcomes[(code, department, str(outcome))] += count
    rows = []
    for code, department, count in returned:
        key = (code, department)
        rows.append(MeasureFigures(
            measure=code, department=department, returned=count,
            applied=outcomes[(*key, Outcome.APPLIED)], skipped=outcomes[(*key, Outcome.SKIPPED)],
            overridden=outcomes[(*key, Outcome.OVERRIDDEN)],
        ))  # fmt: skip
    return sorted(rows, key=lambda r: (r.measure, r.department))
