"""The expiry job (R-4.2): a record whose display period's last day has passed stops being shown,
as a new version. Idempotent, and safe with two workers at once (see `change_record`).

A copy of another node's record (it has an origin) is left alone: only its origin changes it,
and sends the expiry (issue H). Until that arrives, queries already hide an overdue copy by its
display dates (`queries.rules`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.clock import china_today
from chengxin.records.changes import change_record
from chengxin.records.models import Change, Record, RecordStatus
from chengxin.workdays.rules import Calendar

CHUNK = 500
ACTOR = "job:expiry"


@dataclass(frozen=True)
class ExpiryReport:
    expired: int
    skipped: int  # changed by another worker between reading and writing


def expire_records(
    factory: sessionmaker[Session], calendar: Calendar, now: dt.datetime
) -> ExpiryReport:
    """End the publicity of every active record of this node whose last display day is before
    today (China), one transaction per chunk."""
    today = china_today(now)
    expired = skipped = 0
    while True:
        with factory() as session, session.begin():
            due = list(
                session.scalars(
                    select(Record)
                    .where(
                        Record.status == RecordStatus.ACTIVE,
                        Record.origin.is_(None),
                        Record.publicised.is_(True),
                        Record.display_latest_end < today,
                    )
                    .order_by(Record.display_latest_end, Record.id)
                    .limit(CHUNK)
                )
            )
            for record in due:
                reason = f"展示期满 display period ended {record.display_latest_end}"
                done = change_record(
                    session, calendar, now, record=record, change=Change.EXPIRED,
                    status=RecordStatus.EXPIRED, reason=reason, actor=ACTOR,
                )  # fmt: skip
                if done is None:
                    skipped += 1
                else:
                    expired += 1
        if len(due) < CHUNK:
            return ExpiryReport(expired, skipped)
