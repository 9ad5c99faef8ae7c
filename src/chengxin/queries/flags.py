"""The anomaly flags of a query (R-3.2), read from the caller's recent queries: how many
people it reached in the last hour, how often it was refused."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.access.principal import Principal
from chengxin.queries import rules
from chengxin.queries.models import QueryEntry
from chengxin.queries.rules import Flag, Outcome
from chengxin.queries.thresholds import Thresholds

HOUR = dt.timedelta(hours=1)


def flags_of(
    session: Session, now: dt.datetime, principal: Principal, subject_id: uuid.UUID | None,
    *, refused: bool, consent_missing: bool, thresholds: Thresholds,
) -> list[Flag]:  # fmt: skip
    since = now - HOUR
    mine = (QueryEntry.actor == principal.actor, QueryEntry.at > since)
    # People reached in the last hour, this one included, counted only as far as the threshold:
    # a busy caller's hour can hold millions of queries, and the flag needs no more. The newest
    # rows are read a page at a time; a page of `enough` rows usually settles it.
    enough = thresholds.subjects_per_hour + 1
    reached: set[object] = {subject_id if subject_id else uuid.uuid4()}
    page, offset = enough, 0
    while len(reached) < enough:
        rows = session.execute(
            select(QueryEntry.id, QueryEntry.subject_id)
            .where(*mine, QueryEntry.purpose.is_not(None))
            .order_by(QueryEntry.at.desc(), QueryEntry.id)
            .offset(offset).limit(page)
        ).all()  # fmt: skip
        # Numbers of people not registered here count too: trying many numbers is fishing.
        reached.update(subject if subject is not None else query_id for query_id, subject in rows)
        if len(rows) < page:
            break
        offset, page = offset + page, page * 4
    recent_refusals = (
        select(QueryEntry.id)
        .where(*mine, QueryEntry.outcome == Outcome.REFUSED)
        .limit(thresholds.refusals_per_hour)
        .subquery()
    )
    refusals = session.scalar(select(func.count()).select_from(recent_refusals)) or 0
    return rules.flags_for(
        at=now, subjects_last_hour=len(reached), refusals_last_hour=refusals + refused,
        consent_missing=consent_missing, max_subjects=thresholds.subjects_per_hour,
        max_refusals=thresholds.refusals_per_hour,
    )  # fmt: skip
