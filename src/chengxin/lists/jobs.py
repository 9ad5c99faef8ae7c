"""The list expiry job: a listing whose term's last day has passed is removed (期满移出).
Idempotent, and safe with two workers at once: each removal is a conditional update on the
entry's version, so a second worker's attempt changes nothing and is counted as skipped."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.clock import china_today
from chengxin.errors import Conflict
from chengxin.lists.models import ListEntry
from chengxin.lists.rules import ListingState, RemovalReason
from chengxin.lists.service import ListContext, remove_one
from chengxin.lists.types import shipped_types

if TYPE_CHECKING:
    from chengxin.runtime import Runtime

log = logging.getLogger("chengxin.lists")
ACTOR = "job:list-expiry"
CHUNK = 200


@dataclass(frozen=True)
class ListExpiryReport:
    expired: int
    skipped: int  # removed by another worker between reading and writing


def expire_listings(
    factory: sessionmaker[Session], ctx: ListContext, now: dt.datetime
) -> ListExpiryReport:
    """Remove every listing in effect whose term ended before today (Beijing), one transaction
    per entry so that one worker's conflict does not undo another's work."""
    today = china_today(now)
    expired = skipped = 0
    seen: set[object] = set()
    while True:
        with factory() as session:
            due = [
                entry_id
                for entry_id in session.scalars(
                    select(ListEntry.id)
                    .where(ListEntry.state == ListingState.LISTED, ListEntry.term_end < today)
                    .order_by(ListEntry.term_end, ListEntry.id)
                    .limit(CHUNK)
                )
                if entry_id not in seen
            ]
        if not due:
            return ListExpiryReport(expired, skipped)
        for entry_id in due:
            seen.add(entry_id)
            with factory() as session, session.begin():
                entry = session.get(ListEntry, entry_id)
                if entry is None or entry.state is not ListingState.LISTED:
                    skipped += 1
                    continue
                try:
                    with session.begin_nested():
                        remove_one(session, ctx, now, entry=entry,
                                   why=RemovalReason.TERM_EXPIRED, actor=ACTOR,
                                   reason=f"期满 term ended {entry.term_end}")  # fmt: skip
                except Conflict:
                    skipped += 1
                    continue
                expired += 1


def run_list_expiry(rt: Runtime) -> str:
    """For `chengxin jobs run lists` (registered in chengxin.jobs.runner)."""
    ctx = ListContext(rt.keys, rt.workdays, shipped_types())
    report = expire_listings(rt.sessions, ctx, rt.clock())
    if report.expired:
        log.info("%d listings expired", report.expired)
    return f"removed {report.expired} listings at term end ({report.skipped} already done)"
