"""The records the one door reads for a query: what the view lets the caller see, each with its
display state, the mark of an open objection and the person's own explanation."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.catalog.schema import Catalog
from chengxin.collection.models import Source
from chengxin.disputes.objections import open_objection_records
from chengxin.disputes.repairs import explanations_for
from chengxin.keys import KeyRing
from chengxin.queries import rules
from chengxin.queries.rules import View
from chengxin.records.models import Record


@dataclass(frozen=True)
class RecordView:
    record_id: uuid.UUID
    item: str
    item_name: str
    item_name_en: str
    category: str
    disclosure: str
    source: str
    version: int
    document_number: str | None
    decision_date: dt.date
    occurrence_date: dt.date
    severity: str | None
    display_start: dt.date | None
    display_end: dt.date | None
    displayed: bool  # shown to others today; a person sees their own records beyond it
    status: str  # active, expired or repaired
    under_objection: bool  # 异议处理中: an objection to it is open
    explanation: str | None  # the person's own explanation (自主解释), shown with the record
    content: dict[str, Any]


def read_records(  # noqa: PLR0917  (the door's own helper: what it has, in its order)
    session: Session,
    keys: KeyRing,
    catalog: Catalog,
    subject_id: uuid.UUID,
    view: View,
    today: dt.date,
) -> list[RecordView]:
    found = []
    rows = session.execute(
        select(Record, Source.code)
        .join(Source, Source.id == Record.source_id)
        .where(Record.subject_id == subject_id)
        .order_by(Record.decision_date.desc(), Record.item_code)
    )
    for record, source_code in rows:
        facts = rules.RecordFacts(
            status=record.status, disclosure=record.disclosure, category=record.category,
            publicised=record.publicised, display_start=record.display_start,
            display_latest_end=record.display_latest_end,
        )  # fmt: skip
        if not rules.visible(facts, view, today):
            continue
        item = catalog.find(record.item_code, record.item_version)
        found.append(
            RecordView(
                record_id=record.id, item=record.item_code,
                item_name=item.name.zh if item else record.item_code,
                item_name_en=item.name.en if item else record.item_code,
                category=record.category, disclosure=record.disclosure, source=source_code,
                version=record.version, document_number=record.document_number,
                decision_date=record.decision_date, occurrence_date=record.occurrence_date,
                severity=record.severity, display_start=record.display_start,
                display_end=record.display_latest_end,
                displayed=rules.is_displayed(facts, today), status=record.status,
                under_objection=False, explanation=None, content=json.loads(record.content),
            )
        )  # fmt: skip
    ids = [r.record_id for r in found]
    contested = open_objection_records(session, ids)
    explained = explanations_for(session, keys, ids)
    return [replace(r, under_objection=r.record_id in contested,
                    explanation=explained.get(r.record_id)) for r in found]  # fmt: skip
