"""What the citizen portal reads besides the one door: who looked at my data (with where to check
each entry's inclusion in the ledger) and the inbox."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from chengxin.consents.rules import PURPOSE_LABELS, Purpose
from chengxin.ledger import service as ledger
from chengxin.notifications import service as notifications
from chengxin.notifications.models import Notification
from chengxin.queries import register

INBOX_SIZE = 50


@dataclass(frozen=True)
class Looked:
    at: dt.datetime
    who: str  # the requester's name, or the caller's role
    purpose: tuple[str, str] | None  # (zh, en)
    items: list[str]
    answered: bool
    ledger_index: int
    entry_href: str
    proof_href: str | None  # None until a checkpoint covers the entry


def who_looked(session: Session, subject_id: uuid.UUID) -> list[Looked]:
    """Every registered query about the person, newest first (R-3.7)."""
    checkpoint = ledger.latest_checkpoint(session)
    found = []
    for row, name in register.queries_about(session, subject_id):
        proof = None
        if checkpoint is not None and row.ledger_index < checkpoint.tree_size:
            query = urlencode({"index": row.ledger_index, "size": checkpoint.tree_size})
            proof = f"/api/v1/ledger/proof/inclusion?{query}"
        purpose = row.purpose if row.purpose in set(Purpose) else None
        found.append(
            Looked(
                at=row.at, who=name or row.role,
                purpose=PURPOSE_LABELS[Purpose(purpose)] if purpose else None,
                items=[i for i in row.items.split(",") if i], answered=row.outcome == "answered",
                ledger_index=row.ledger_index,
                entry_href=f"/api/v1/ledger/entries/{row.ledger_index}", proof_href=proof,
            )
        )  # fmt: skip
    return found


def inbox(session: Session, subject_id: uuid.UUID) -> list[Notification]:
    return notifications.inbox(session, subject_id=subject_id, limit=INBOX_SIZE)
