"""Corrections flow back (R-4.4): every change of a shared record owes each recipient a change
event, due within 3 working days — one record at a time (objection outcomes, expiry, repair) or a
batch's corrections and revocations at once."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.bulk import bulk_insert
from chengxin.clock import china_today
from chengxin.records.models import Change, ChangeEvent, Record, RecordShare
from chengxin.workdays.rules import Calendar

PROPAGATION_WORKDAYS = 3  # platforms synchronise a correction or repair within 3 working days
CHUNK = 500


def emit_change_events(
    session: Session, calendar: Calendar, now: dt.datetime, *, record: Record, change: Change
) -> list[ChangeEvent]:
    """One event per recipient the record was shared with, due in 3 working days."""
    due = calendar.add_workdays(china_today(now), PROPAGATION_WORKDAYS)
    events = [
        ChangeEvent(
            id=uuid.uuid4(),
            record_id=record.id,
            version=record.version,
            change=change,
            recipient=recipient,
            created_at=now,
            due_on=due.date,
            due_provisional=due.provisional,
        )
        for recipient in session.scalars(
            select(RecordShare.recipient).where(RecordShare.record_id == record.id)
        )
    ]
    session.add_all(events)
    return events


def emit_batch_events(
    session: Session,
    calendar: Calendar,
    now: dt.datetime,
    changed: Sequence[tuple[uuid.UUID, int, Change]],
) -> int:
    """Events for a batch's changed records (record id, new version, change) that were shared;
    how many were written."""
    due = calendar.add_workdays(china_today(now), PROPAGATION_WORKDAYS)
    ids = sorted({record_id for record_id, _, _ in changed})
    shares: dict[uuid.UUID, list[str]] = {}
    for i in range(0, len(ids), CHUNK):
        query = select(RecordShare.record_id, RecordShare.recipient).where(
            RecordShare.record_id.in_(ids[i : i + CHUNK])
        )
        for record_id, recipient in session.execute(query):
            shares.setdefault(record_id, []).append(recipient)
    rows = [
        {"id": uuid.uuid4(), "record_id": record_id, "version": version, "change": change,
         "recipient": recipient, "created_at": now, "due_on": due.date,
         "due_provisional": due.provisional}
        for record_id, version, change in changed
        for recipient in shares.get(record_id, ())
    ]  # fmt: skip
    if rows:
        bulk_insert(session, ChangeEvent, rows)
    return len(rows)
