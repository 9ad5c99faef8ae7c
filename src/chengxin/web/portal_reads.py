"""What the citizen portal reads besides the one door: who looked at my data (with where to check
each entry's inclusion in the ledger), the inbox, one of my records as a form names it, which of
my records repair can be applied for today, and the item names of my cases."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.catalog.schema import Catalog
from chengxin.collection.models import Source
from chengxin.consents.rules import PURPOSE_LABELS, Purpose
from chengxin.disputes.config import DisputeContext, DisputeRules
from chengxin.disputes.repairs import explanations_for, open_repair_records, repair_unmet
from chengxin.disputes.rules import RepairRuleSet
from chengxin.errors import NotFound
from chengxin.ledger import service as ledger
from chengxin.notifications import service as notifications
from chengxin.notifications.models import Notification
from chengxin.queries import register
from chengxin.records.models import Record

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


@dataclass(frozen=True)
class MyRecord:
    """One of my records as a form names it: what, from whom, which decision."""

    record_id: uuid.UUID
    item_name: str
    item_name_en: str
    source: str
    document_number: str | None
    decision_date: dt.date
    explanation: str | None  # my current explanation (自主解释)
    repair_rules: RepairRuleSet  # the repair regime the record is judged by
    repair_unmet: list[str]  # why repair cannot be applied for today; empty: it can


def _names(catalog: Catalog, record: Record) -> tuple[str, str]:
    item = catalog.find(record.item_code, record.item_version)
    return (item.name.zh, item.name.en) if item else (record.item_code, record.item_code)


def my_record(
    session: Session, ctx: DisputeContext, subject_id: uuid.UUID, record_id: uuid.UUID,
    today: dt.date,
) -> MyRecord:  # fmt: skip
    """One of the person's records; another's id is answered as unknown, as the verbs do."""
    record = session.get(Record, record_id)
    if record is None or record.subject_id != subject_id:
        raise NotFound("no record of yours has this id", field="record_id")
    zh, en = _names(ctx.catalog, record)
    rule_set, unmet = repair_unmet(ctx.rules, record, today)
    return MyRecord(
        record_id=record.id, item_name=zh, item_name_en=en,
        source=session.get_one(Source, record.source_id).name,
        document_number=record.document_number, decision_date=record.decision_date,
        explanation=explanations_for(session, ctx.keys, [record.id]).get(record.id),
        repair_rules=rule_set, repair_unmet=unmet,
    )  # fmt: skip


def repairable(
    session: Session, rules: DisputeRules, subject_id: uuid.UUID, today: dt.date
) -> set[uuid.UUID]:
    """The person's records whose repair can be applied for today (R-4.3) and has no open
    application: the records /me offers "Apply for repair" on."""
    records = session.scalars(select(Record).where(Record.subject_id == subject_id))
    found = {r.id for r in records if not repair_unmet(rules, r, today)[1]}
    return found - open_repair_records(session, list(found))


def item_names(
    session: Session, catalog: Catalog, record_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    """The (zh, en) item names of these records."""
    if not record_ids:
        return {}
    rows = session.scalars(select(Record).where(Record.id.in_(record_ids)))
    return {r.id: _names(catalog, r) for r in rows}
