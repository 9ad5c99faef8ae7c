"""The queue of records a regional node owes the national platform: serious dishonesty (R-5.5,
§6(二) of the opinions) and its own records of the disclosure levels it shares upward (R-5.2).

`queue_upward` reads the node's own active records that some criterion could meet and that are
not queued yet (never a copy of another node's record: its origin shares it), judges each with
the pure criteria, and for each that qualifies inserts a `national_push` row and a
`record_shares` row for `national`, so that later corrections, revocations, expiries and repairs
of it become change events for the national node (R-4.4). The exchange (issue H) takes
`pending` rows, sends the record's current version and calls `mark_sent`.

Inserts skip rows another worker wrote first (unique record id; ON CONFLICT DO NOTHING), so two
runs at once queue each record once. On PostgreSQL the candidates are read FOR SHARE: a
correction of one of them waits until its share is committed, and then emits its change event."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from chengxin.collection.models import Source
from chengxin.db import conflict_insert
from chengxin.exchange.models import NationalPush
from chengxin.exchange.node_rules import NATIONAL_NODE_CODE
from chengxin.exchange.push_rules import PushCriteria, RecordView, criterion_met
from chengxin.records.models import Record, RecordShare, RecordStatus

# The national platform as a recipient in record_shares: the node code it has as a peer.
NATIONAL = NATIONAL_NODE_CODE
CHUNK = 500
_LEAST_ID = uuid.UUID(int=0)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a scan stands in (updated_at, id) order: a watermark is a cursor with the least id."""

    updated_at: dt.datetime
    record_id: uuid.UUID = _LEAST_ID


@dataclass(frozen=True, slots=True)
class QueueReport:
    scanned: int  # candidates read
    queued: int
    raced: int  # qualified, but another worker queued them first
    last: Cursor | None  # the next chunk starts after this; None when nothing was read


def queue_upward(
    session: Session,
    now: dt.datetime,
    *,
    criteria: PushCriteria,
    after: Cursor | None = None,
    limit: int = CHUNK,
) -> QueueReport:
    """Queue up to `limit` candidates after `after`, in the caller's transaction."""
    rows = session.execute(
        select(Record.id, Record.version, Record.item_code, Record.category, Record.severity,
               Record.content, Record.status, Record.decision_date, Record.disclosure,
               Record.origin, Record.updated_at, Source.kind)
        .join(Source, Source.id == Record.source_id)
        .where(*_candidates(criteria, after))
        .order_by(Record.updated_at, Record.id)
        .limit(limit)
        .with_for_update(read=True, of=Record)  # PostgreSQL only; SQLite writers queue anyway
    ).all()  # fmt: skip
    wanted = []
    for row in rows:
        view = RecordView(
            source_kind=row.kind,
            category=row.category,
            severity=row.severity,
            item_code=row.item_code,
            content=json.loads(row.content),
            status=row.status,
            decision_date=row.decision_date,
            disclosure=row.disclosure,
            origin=row.origin,
        )
        criterion = criterion_met(criteria, view)
        if criterion is not None:
            wanted.append({"id": uuid.uuid4(), "record_id": row.id, "version": row.version,
                           "criterion": criterion, "queued_at": now, "attempts": 0})  # fmt: skip
    queued = _insert_new(session, NationalPush, wanted, ("record_id",), NationalPush.record_id)
    shares = [{"id": uuid.uuid4(), "record_id": record_id, "recipient": NATIONAL,
               "shared_at": now} for record_id in queued]  # fmt: skip
    _insert_new(session, RecordShare, shares, ("record_id", "recipient"), RecordShare.record_id)
    last = Cursor(rows[-1].updated_at, rows[-1].id) if rows else None
    return QueueReport(len(rows), len(queued), len(wanted) - len(queued), last)


def _candidates(criteria: PushCriteria, after: Cursor | None) -> list[ColumnElement[bool]]:
    """This node's own active records that some criterion could meet and that are not queued:
    from sources of the criteria's kinds and serious by some measure, or of a level shared
    upward; the pure rule decides."""
    serious = [Record.category.in_(sorted(criteria.categories)),
               Record.severity.in_(sorted(criteria.severities)),
               Record.item_code.in_(sorted(criteria.threshold_items))]  # fmt: skip
    could = [and_(Source.kind.in_(sorted(criteria.source_kinds)), or_(*serious))]
    if criteria.share_levels:
        could.append(Record.disclosure.in_(sorted(criteria.share_levels)))
    found = [
        Record.origin.is_(None),
        Record.status == RecordStatus.ACTIVE,
        or_(*could),
        ~exists().where(NationalPush.record_id == Record.id),
    ]
    if after is not None:
        at = after.updated_at
        found += [Record.updated_at >= at,  # lets ix_records_updated_at serve the range
                  or_(Record.updated_at > at,
                      and_(Record.updated_at == at, Record.id > after.record_id))]  # fmt: skip
    return found


def _insert_new(
    session: Session,
    model: type[NationalPush | RecordShare],
    rows: list[dict[str, Any]],
    unique: tuple[str, ...],
    returned: Any,
) -> list[uuid.UUID]:
    """Insert rows, skipping those a unique key already holds; the ids of the rows written."""
    if not rows:
        return []
    statement = (
        conflict_insert(session, model)
        .values(rows)
        .on_conflict_do_nothing(index_elements=list(unique))
    )
    return list(session.scalars(statement.returning(returned)))


@dataclass(frozen=True, slots=True)
class PendingPush:
    """An unsent row and the record's state now (the exchange sends the current version)."""

    id: uuid.UUID
    record_id: uuid.UUID
    item_code: str
    criterion: str
    queued_version: int
    current_version: int
    status: str  # a record revoked or ended since is still owed its change events
    queued_at: dt.datetime
    attempts: int


def pending(session: Session, limit: int = CHUNK) -> list[PendingPush]:
    """The oldest unsent rows first."""
    query = (
        select(NationalPush, Record.item_code, Record.version, Record.status)
        .join(Record, Record.id == NationalPush.record_id)
        .where(NationalPush.sent_at.is_(None))
        .order_by(NationalPush.queued_at, NationalPush.id)
        .limit(limit)
    )
    found = []
    for push, item, version, status in session.execute(query):
        found.append(PendingPush(push.id, push.record_id, item, push.criterion, push.version,
                                 version, str(status), push.queued_at, push.attempts))  # fmt: skip
    return found


def mark_sent(session: Session, ids: Sequence[uuid.UUID], now: dt.datetime) -> int:
    """Mark rows delivered; a row already marked (by another exchange worker) is left alone.
    The number of rows this call marked."""
    return _update_unsent(session, ids, sent_at=now, attempts=NationalPush.attempts + 1)


def mark_failed(session: Session, ids: Sequence[uuid.UUID]) -> int:
    """Count a failed delivery attempt; the rows stay pending."""
    return _update_unsent(session, ids, attempts=NationalPush.attempts + 1)


def _update_unsent(session: Session, ids: Sequence[uuid.UUID], **values: Any) -> int:
    done = 0
    for start in range(0, len(ids), CHUNK):
        result = session.execute(
            update(NationalPush)
            .where(NationalPush.id.in_(ids[start : start + CHUNK]), NationalPush.sent_at.is_(None))
            .values(values)
            .execution_options(synchronize_session=False)
        )
        done += result.rowcount  # type: ignore[attr-defined]
    return done


@dataclass(frozen=True, slots=True)
class QueueSummary:
    """For operators: counts and the oldest unsent rows; ids and codes, no personal data."""

    queued: int
    unsent: int
    unsent_by_criterion: dict[str, int]
    oldest: list[PendingPush]


def queue_summary(session: Session, *, limit: int) -> QueueSummary:
    queued = session.scalar(select(func.count()).select_from(NationalPush)) or 0
    by_criterion = session.execute(
        select(NationalPush.criterion, func.count())
        .where(NationalPush.sent_at.is_(None))
        .group_by(NationalPush.criterion)
        .order_by(NationalPush.criterion)
    ).all()
    counts = {str(criterion): int(count) for criterion, count in by_criterion}
    return QueueSummary(queued, sum(counts.values()), counts, pending(session, limit))
