"""The commitments job: a commitment still pending after its deadline becomes a breach (R-7.2).
Idempotent, and safe with two workers at once: each breach claims the commitment by a
conditional update first, so the second worker's attempt changes nothing and counts as skipped.
One transaction per commitment, so that one refusal does not hold up the others."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.clock import china_today
from chengxin.commitments.models import Commitment
from chengxin.commitments.rules import CommitmentState
from chengxin.commitments.service import breach_overdue
from chengxin.commitments.submit import CommitmentContext
from chengxin.errors import ChengxinError, Conflict
from chengxin.records.models import Record, RecordStatus

if TYPE_CHECKING:
    from chengxin.runtime import Runtime

log = logging.getLogger("chengxin.commitments")
ACTOR = "job:commitments"
CHUNK = 200


@dataclass(frozen=True)
class BreachReport:
    breached: int
    skipped: int  # changed by another worker or a department between reading and writing
    refused: int  # the collection path refused a row (logged); tried again next run


def _due(session: Session, today: dt.date) -> list[uuid.UUID]:
    # A made record revoked meanwhile (an objection upheld) would be revived by a correction:
    # such a commitment waits for its department to cancel it.
    return list(session.scalars(
        select(Commitment.id)
        .join(Record, Record.id == Commitment.record_id)
        .where(Commitment.state == CommitmentState.PENDING, Commitment.deadline < today,
               Record.status != RecordStatus.REVOKED)
        .order_by(Commitment.deadline, Commitment.id)
        .limit(CHUNK)
    ))  # fmt: skip


def breach_all_overdue(
    factory: sessionmaker[Session], ctx: CommitmentContext, now: dt.datetime
) -> BreachReport:
    today = china_today(now)
    breached = skipped = refused = 0
    seen: set[uuid.UUID] = set()
    while True:
        with factory() as session:
            due = [i for i in _due(session, today) if i not in seen]
        if not due:
            return BreachReport(breached, skipped, refused)
        for commitment_id in due:
            seen.add(commitment_id)
            try:
                with factory() as session, session.begin():
                    done = breach_overdue(session, ctx, now, commitment_id=commitment_id,
                                          actor=ACTOR)  # fmt: skip
            except Conflict as exc:
                if exc.rule != "stale":
                    refused += 1
                    log.warning("commitment %s not breached: %s", commitment_id, exc.rule)
                    continue
                done = False
            except ChengxinError as exc:
                refused += 1
                log.warning("commitment %s not breached: %s", commitment_id, exc.rule)
                continue
            if done:
                breached += 1
            else:
                skipped += 1


def run_commitments(rt: Runtime) -> str:
    """For `chengxin jobs run commitments` (registered in chengxin.jobs.runner)."""
    ctx = CommitmentContext(rt.keys, rt.catalog, rt.settings.region_code)
    report = breach_all_overdue(rt.sessions, ctx, rt.clock())
    if report.breached:
        log.info("%d commitments breached at their deadline", report.breached)
    return (f"breached {report.breached} overdue commitments ({report.skipped} already done, "
            f"{report.refused} refused)")  # fmt: skip
