"""One record changed outside a batch — an objection's outcome, expiry, repair — as a new version,
with its ledger entry and a change event for every recipient it was shared with (R-4.4).

The update is conditional on the version the caller read (`… WHERE id = :id AND version = :v`)
and its row count is checked, so two workers never both apply a change: the second gets None."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from chengxin.ledger.service import append_entry
from chengxin.records.models import (
    Change,
    Record,
    RecordStatus,
    RecordVersion,
)
from chengxin.records.propagation import emit_change_events
from chengxin.records.rules import RecordFacts
from chengxin.records.service import ledger_entry
from chengxin.workdays.rules import Calendar

_COLUMNS = (
    "content",
    "content_hash",
    "item_version",
    "document_number",
    "decision_date",
    "occurrence_date",
    "severity",
    "publicised",
    "display_start",
    "display_earliest_end",
    "display_latest_end",
)


def change_record(
    session: Session,
    calendar: Calendar,
    now: dt.datetime,
    *,
    record: Record,
    change: Change,
    status: RecordStatus,
    reason: str,
    actor: str,
    facts: RecordFacts | None = None,
    version: int | None = None,
) -> RecordVersion | None:
    """Apply one change to `record` as read by the caller; None if another writer changed it
    first (nothing is written then). A copy of another node's record takes the version number
    its origin gave the change (`version`, above the copy's: versions the copy missed are
    skipped, since every change carries the whole state it sets); a record here takes the next."""
    number = record.version + 1 if version is None else version
    values: dict[str, Any] = {"version": number, "status": status, "updated_at": now}
    if facts is not None:
        values.update({c: getattr(facts, c) for c in _COLUMNS})
    done = session.execute(
        update(Record)
        .where(Record.id == record.id, Record.version == record.version)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(record)
    row = RecordVersion(
        id=uuid.uuid4(),
        record_id=record.id,
        subject_id=record.subject_id,
        version=record.version,
        status=record.status,
        change=change,
        reason=reason[:500],
        actor=actor[:100],
        created_at=now,
        batch_id=None,
        **{c: getattr(record, c) for c in _COLUMNS},
    )
    session.add(row)
    session.flush()
    append_entry(
        session,
        now,
        ledger_entry(
            {
                "subject_id": record.subject_id,
                "record_id": record.id,
                "version": row.version,
                "change": change,
                "status": status,
                "item_code": record.item_code,
                "content_hash": record.content_hash,
                "actor": row.actor,
                "batch_id": None,
            }
        ),
    )
    emit_change_events(session, calendar, now, record=record, change=change)
    return row
