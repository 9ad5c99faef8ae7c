"""The operational figures `/metrics` shows, read from the database at scrape time. Every server
process, and the command line (which ingests files and runs jobs in processes of its own), writes
to the same database: figures read there are right whichever process is scraped, and survive
restarts, where counters kept in one process's memory would see only that process's share.
Counts, codes and ages only: never an id, a name or an ID number.

Each figure is one query over an index (open change events: ix_change_events_unacked_due;
e-mails waiting: ix_outbox_emails_due; the national queue: ix_national_push_unsent), a one-row
read (the ledger's head, its latest checkpoint), or a count over a table that stays small (cases,
packages, identity reviews). The exception is `batches`, summed whole: a row per file, and one
per record sent alone over the API; a million of them take about 0.3 s on PostgreSQL and 0.6 s
on SQLite (docs/operations.md#monitoring)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.clock import china_today
from chengxin.collection.models import Batch
from chengxin.disputes.deadlines import KINDS
from chengxin.exchange.models import InboxPackage, InboxState, NationalPush, OutboxPackage, PeerNode
from chengxin.identity.models import IdentityReview, ReviewState
from chengxin.ledger.service import latest_checkpoint, size
from chengxin.notifications.models import OutboxEmail, OutboxStatus
from chengxin.records.models import ChangeEvent

# A row of a batch ends in exactly one of these, or waits in an identity review and then moves
# to one of them: each total only grows.
OUTCOMES = ("accepted", "duplicate", "corrected", "revoked", "refused")
EMAIL_QUEUE = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED)
UNSENT, AWAITING_ACK = "unsent", "awaiting_ack"


@dataclass(frozen=True)
class Ingestion:
    batches: int
    received: int  # rows read from files and API calls
    rows: dict[str, int]  # outcome → rows, for OUTCOMES
    waiting: int  # rows held in identity review cases
    last_batch_at: dt.datetime | None
    reviews_pending: int  # identity review cases waiting for an operator


@dataclass(frozen=True)
class Changes:
    """Change events owed to one recipient (R-4.4). The sets nest, so they are kept apart."""

    undelivered: int  # no package carrying it has been taken by the recipient
    unacknowledged: int  # no ack (回执) yet, the undelivered ones included
    overdue: int  # unacknowledged past their due day


@dataclass(frozen=True)
class Exchange:
    changes: dict[str, Changes]  # recipient code → figures, for recipients with open changes
    outbox: dict[tuple[str, str], int]  # (peer code, UNSENT | AWAITING_ACK) → packages
    inbox_waiting: dict[str, int]  # peer code → packages received and not yet applied
    national_push_queued: int  # records queued for the national node and not yet sent


@dataclass(frozen=True)
class Emails:
    by_status: dict[str, int]  # status → e-mails, for EMAIL_QUEUE
    oldest_waiting_at: dt.datetime | None  # created_at of the oldest pending or sending one


@dataclass(frozen=True)
class Disputes:
    open: dict[str, int]  # objection | repair → open cases
    overdue: dict[str, int]  # … whose current step is past its deadline (a working day)


@dataclass(frozen=True)
class Ledger:
    entries: int
    checkpoint_entries: int  # the tree size of the latest signed checkpoint; 0 before the first
    checkpoint_at: dt.datetime | None


@dataclass(frozen=True)
class Figures:
    ingestion: Ingestion
    exchange: Exchange
    emails: Emails
    disputes: Disputes
    ledger: Ledger


def read_figures(session: Session, now: dt.datetime) -> Figures:
    """Every figure as it stands at `now` (overdue means past a due day before China's date)."""
    today = china_today(now)
    return Figures(
        _ingestion(session), _exchange(session, today), _emails(session),
        _disputes(session, today), _ledger(session),
    )  # fmt: skip


def _ingestion(session: Session) -> Ingestion:
    # One pass over `batches`: a row per file or per record sent alone over the API.
    batches, received, waiting, last, *outcomes = session.execute(
        select(
            func.count(), func.sum(Batch.rows_total), func.sum(Batch.waiting),
            func.max(Batch.received_at),
            *(func.sum(getattr(Batch, outcome)) for outcome in OUTCOMES),
        )
    ).one()  # fmt: skip
    reviews = session.scalar(
        select(func.count())
        .select_from(IdentityReview)
        .where(IdentityReview.state == ReviewState.PENDING)
    )
    rows = {outcome: int(n or 0) for outcome, n in zip(OUTCOMES, outcomes, strict=True)}
    return Ingestion(int(batches), int(received or 0), rows, int(waiting or 0), last,
                     int(reviews or 0))  # fmt: skip


def _changes(session: Session, today: dt.date) -> dict[str, Changes]:
    # Open changes only (no ack yet), found through ix_change_events_unacked_due: a small set
    # while the exchange keeps up, however many changes were acknowledged before.
    open_ = ChangeEvent.acknowledged_at.is_(None)
    rows = session.execute(
        select(
            ChangeEvent.recipient,
            func.count().filter(ChangeEvent.delivered_at.is_(None)),
            func.count(),
            func.count().filter(ChangeEvent.due_on < today),
        )
        .where(open_)
        .group_by(ChangeEvent.recipient)
    )
    return {str(r): Changes(int(u), int(a), int(o)) for r, u, a, o in rows}


def _exchange(session: Session, today: dt.date) -> Exchange:
    peers = dict(session.execute(select(PeerNode.id, PeerNode.code)).all())
    outbox = {(code, state): 0 for code in peers.values() for state in (UNSENT, AWAITING_ACK)}
    for peer_id, unsent, awaiting in session.execute(
        select(
            OutboxPackage.peer_id,
            func.count().filter(OutboxPackage.sent_at.is_(None)),
            func.count().filter(
                OutboxPackage.sent_at.is_not(None), OutboxPackage.acknowledged_at.is_(None)
            ),
        ).group_by(OutboxPackage.peer_id)
    ):
        outbox[peers[peer_id], UNSENT] = int(unsent)
        outbox[peers[peer_id], AWAITING_ACK] = int(awaiting)
    inbox = dict.fromkeys(peers.values(), 0)
    for peer_id, waiting in session.execute(
        select(InboxPackage.peer_id, func.count())
        .where(InboxPackage.state == InboxState.RECEIVED.value)
        .group_by(InboxPackage.peer_id)
    ):
        inbox[peers[peer_id]] = int(waiting)
    queued = session.scalar(
        select(func.count()).select_from(NationalPush).where(NationalPush.sent_at.is_(None))
    )
    return Exchange(_changes(session, today), outbox, inbox, int(queued or 0))


def _emails(session: Session) -> Emails:
    counts = dict.fromkeys((status.value for status in EMAIL_QUEUE), 0)
    for status, n in session.execute(  # the leading column of ix_outbox_emails_due: sent not read
        select(OutboxEmail.status, func.count())
        .where(OutboxEmail.status.in_(EMAIL_QUEUE))
        .group_by(OutboxEmail.status)
    ):
        counts[OutboxStatus(status).value] = int(n)
    oldest = session.scalar(
        select(func.min(OutboxEmail.created_at)).where(
            OutboxEmail.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
        )
    )
    return Emails(counts, oldest)


def _disputes(session: Session, today: dt.date) -> Disputes:
    opened, overdue = {}, {}
    for model, open_states, kind in KINDS:
        # The same test as the reviewers' queue (disputes.deadlines.case_queue).
        n, late = session.execute(
            select(func.count(), func.count().filter(model.deadline < today)).where(
                model.state.in_(open_states)
            )
        ).one()
        opened[kind.value], overdue[kind.value] = int(n), int(late)
    return Disputes(opened, overdue)


def _ledger(session: Session) -> Ledger:
    checkpoint = latest_checkpoint(session)
    if checkpoint is None:
        return Ledger(size(session), 0, None)
    return Ledger(size(session), checkpoint.tree_size, checkpoint.timestamp)
