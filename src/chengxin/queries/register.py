"""Reading the query register: the operators' review (审查) and a citizen's "who looked at me"."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.queries.models import QueryEntry
from chengxin.queries.rules import Outcome
from chengxin.requesters.models import Requester


def list_register(
    session: Session,
    *,
    requester_code: str | None = None,
    outcome: Outcome | None = None,
    flagged: bool = False,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[tuple[QueryEntry, str | None]]:
    """Register rows, newest first, with their requester's code (the operators' review, 审查)."""
    query = select(QueryEntry, Requester.code).outerjoin(
        Requester, Requester.id == QueryEntry.requester_id
    )
    if requester_code is not None:
        query = query.where(Requester.code == requester_code)
    if outcome is not None:
        query = query.where(QueryEntry.outcome == outcome)
    if flagged:
        query = query.where(QueryEntry.flags != "")
    if since is not None:
        query = query.where(QueryEntry.at >= since)
    if until is not None:
        query = query.where(QueryEntry.at < until)
    query = query.order_by(QueryEntry.at.desc(), QueryEntry.ledger_index.desc())
    return [(row, code) for row, code in session.execute(query.limit(limit).offset(offset))]


def queries_about(session: Session, subject_id: uuid.UUID) -> list[tuple[QueryEntry, str | None]]:
    """Every registered query about a person, newest first, with the requester's name (R-3.7)."""
    rows = session.execute(
        select(QueryEntry, Requester.name)
        .outerjoin(Requester, Requester.id == QueryEntry.requester_id)
        .where(QueryEntry.subject_id == subject_id)
        .order_by(QueryEntry.at.desc(), QueryEntry.ledger_index.desc())
    )
    return [(row, name) for row, name in rows]
