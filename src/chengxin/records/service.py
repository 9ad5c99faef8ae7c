"""Record verbs. Ingestion applies rows in bulk here: new records, corrections and revocations
each become a new version; the current version is kept on `records` for cheap reads (R-2.3)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.bulk import bulk_insert
from chengxin.catalog.schema import CatalogItem
from chengxin.errors import NotFound
from chengxin.ledger.service import append_entries
from chengxin.records.models import Change, Record, RecordStatus, RecordVersion
from chengxin.records.propagation import emit_batch_events
from chengxin.records.rules import RecordFacts
from chengxin.workdays.loader import shipped_calendar
from chengxin.workdays.rules import Calendar

CHUNK = 500


class RowOutcome(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"
    CORRECTED = "corrected"
    REVOKED = "revoked"
    UNKNOWN = "unknown"  # a correction or revocation of a record this source never sent


@dataclass(frozen=True)
class Submission:
    """One checked row, resolved to its subject."""

    subject_id: uuid.UUID
    item: CatalogItem
    record_id: str
    facts: RecordFacts | None  # None: revoke
    correct_only: bool = False  # the row said "correct": the record must exist


@dataclass
class _State:
    id: uuid.UUID
    version: int
    status: RecordStatus
    content_hash: str
    values: dict[str, Any] | None  # the row dict when created in this batch, else None


def _facts_columns(facts: RecordFacts) -> dict[str, Any]:
    return {
        "content": facts.content,
        "content_hash": facts.content_hash,
        "item_version": facts.item_version,
        "document_number": facts.document_number,
        "decision_date": facts.decision_date,
        "occurrence_date": facts.occurrence_date,
        "severity": facts.severity,
        "publicised": facts.publicised,
        "display_start": facts.display_start,
        "display_earliest_end": facts.display_earliest_end,
        "display_latest_end": facts.display_latest_end,
    }


_STATE_COLUMNS = (
    "content", "content_hash", "item_version", "document_number", "decision_date",
    "occurrence_date", "severity", "publicised", "display_start", "display_earliest_end",
    "display_latest_end",
)  # fmt: skip


def _existing(
    session: Session, source_id: uuid.UUID, rows: Sequence[Submission]
) -> dict[tuple[uuid.UUID, str, str], _State]:
    wanted = {(r.subject_id, r.item.code, r.record_id) for r in rows}
    ids = sorted({r.record_id for r in rows})
    found: dict[tuple[uuid.UUID, str, str], _State] = {}
    for i in range(0, len(ids), CHUNK):
        query = select(
            Record.id, Record.subject_id, Record.item_code, Record.source_record_id,
            Record.version, Record.status, Record.content_hash,
        ).where(
            Record.source_id == source_id, Record.source_record_id.in_(ids[i : i + CHUNK])
        )  # fmt: skip
        for rid, subject, item, source_rid, version, status, digest in session.execute(query):
            key = (subject, item, source_rid)
            if key in wanted:
                found[key] = _State(rid, version, status, digest, None)
    return found


@dataclass
class _Writer:
    """Collects one chunk's inserts and updates, then writes them in a few statements."""

    source_id: uuid.UUID
    batch_id: uuid.UUID
    now: dt.datetime
    actor: str
    reason: str
    new_records: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    updates: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)

    def version(self, st: _State, row: Submission, change: Change, columns: dict[str, Any]) -> None:
        self.versions.append(
            {
                "id": uuid.uuid4(),
                "record_id": st.id,
                "subject_id": row.subject_id,
                "version": st.version,
                "status": st.status,
                "change": change,
                "reason": self.reason,
                "actor": self.actor,
                "created_at": self.now,
                "batch_id": self.batch_id,
                "item_code": row.item.code,
                **columns,
            }
        )  # fmt: skip  (item_code is not a column: it goes into the ledger entry)

    def create(self, row: Submission, facts: RecordFacts) -> _State:
        columns = _facts_columns(facts)
        st = _State(uuid.uuid4(), 1, RecordStatus.ACTIVE, facts.content_hash, None)
        st.values = {
            "id": st.id, "subject_id": row.subject_id, "item_code": row.item.code,
            "source_id": self.source_id, "source_record_id": row.record_id,
            "category": row.item.category.value, "disclosure": row.item.disclosure.value,
            "created_at": self.now, "updated_at": self.now, "version": 1,
            "status": RecordStatus.ACTIVE, "batch_id": self.batch_id, **columns,
        }  # fmt: skip
        self.new_records.append(st.values)
        self.version(st, row, Change.CREATED, columns)
        return st

    def change(self, st: _State, row: Submission, change: Change) -> None:
        columns = {} if row.facts is None else _facts_columns(row.facts)
        st.version += 1
        if change is Change.REVOKED:
            st.status = RecordStatus.REVOKED
        elif st.status is not RecordStatus.REPAIRED:  # a correction does not undo a repair
            st.status = RecordStatus.ACTIVE
        if row.facts is not None:
            st.content_hash = row.facts.content_hash
        changed = {"version": st.version, "status": st.status, "updated_at": self.now,
                   "batch_id": self.batch_id, **columns}  # fmt: skip
        if st.values is not None:
            st.values.update(changed)  # created earlier in this batch: not yet written
        else:
            self.updates.setdefault(st.id, {}).update(changed)
        # A revocation repeats the last content, so that each version reads on its own.
        self.version(st, row, change, columns or _last_columns(st))

    def write(self, session: Session) -> None:
        if self.new_records:
            bulk_insert(session, Record, self.new_records)
        for record_id, values in self.updates.items():
            session.execute(update(Record).where(Record.id == record_id).values(values))
        _fill_revocations(session, self.versions)
        if self.versions:
            bulk_insert(session, RecordVersion, self.versions)
            append_entries(session, self.now, [ledger_entry(v) for v in self.versions])


def ledger_entry(version: dict[str, Any]) -> dict[str, Any]:
    """A version as the ledger holds it: ids, codes and the content's hash, no content."""
    return {
        "kind": "record_version", "subject": str(version["subject_id"]),
        "record": str(version["record_id"]), "version": version["version"],
        "change": str(version["change"]), "status": str(version["status"]),
        "item": version["item_code"], "content_hash": version["content_hash"],
        "actor": version["actor"],
        "batch": str(version["batch_id"]) if version["batch_id"] else None,
    }  # fmt: skip


def _outcome(st: _State | None, row: Submission) -> RowOutcome:
    """What a row does to the record it names (pure)."""
    if st is None:
        return RowOutcome.UNKNOWN if row.facts is None or row.correct_only else RowOutcome.CREATED
    if row.facts is None:
        return RowOutcome.DUPLICATE if st.status is RecordStatus.REVOKED else RowOutcome.REVOKED
    if st.status is not RecordStatus.REVOKED and row.facts.content_hash == st.content_hash:
        return RowOutcome.DUPLICATE
    return RowOutcome.CORRECTED


def apply_submissions(
    session: Session,
    now: dt.datetime,
    *,
    source_id: uuid.UUID,
    batch_id: uuid.UUID,
    rows: Sequence[Submission],
    actor: str,
    reason: str,
    calendar: Calendar | None = None,
) -> list[RowOutcome]:
    """Write rows in order; a natural key seen twice in one batch is handled as in two. Each
    correction or revocation of a shared record owes its recipients a change event (R-4.4),
    due by `calendar` (default: the shipped holidays)."""
    state = _existing(session, source_id, rows)
    writer = _Writer(source_id, batch_id, now, actor, reason)
    outcomes: list[RowOutcome] = []
    for row in rows:
        key = (row.subject_id, row.item.code, row.record_id)
        st = state.get(key)
        outcome = _outcome(st, row)
        if outcome is RowOutcome.CREATED and row.facts is not None:
            state[key] = writer.create(row, row.facts)
        elif st is not None and outcome is RowOutcome.REVOKED:
            writer.change(st, row, Change.REVOKED)
        elif st is not None and outcome is RowOutcome.CORRECTED:
            writer.change(st, row, Change.CORRECTED)
        outcomes.append(outcome)
    writer.write(session)
    changed = [(v["record_id"], v["version"], v["change"]) for v in writer.versions
               if v["change"] in {Change.CORRECTED, Change.REVOKED}]  # fmt: skip
    if changed:
        emit_batch_events(session, calendar or shipped_calendar(), now, changed)
    return outcomes


def _last_columns(st: _State) -> dict[str, Any]:
    """The current content of a record created in this batch; {} for one already stored, whose
    current row `_fill_revocations` reads after this batch's updates are written."""
    return {} if st.values is None else {c: st.values[c] for c in _STATE_COLUMNS}


def _fill_revocations(session: Session, versions: list[dict[str, Any]]) -> None:
    missing = sorted({v["record_id"] for v in versions if "content" not in v})
    for i in range(0, len(missing), CHUNK):
        query = select(Record).where(Record.id.in_(missing[i : i + CHUNK]))
        current = {r.id: r for r in session.scalars(query)}
        for v in versions:
            if "content" not in v and v["record_id"] in current:
                record = current[v["record_id"]]
                v.update({c: getattr(record, c) for c in _STATE_COLUMNS})


def history(session: Session, record_id: uuid.UUID) -> list[RecordVersion]:
    rows = list(
        session.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id == record_id)
            .order_by(RecordVersion.version)
        )
    )
    if not rows:
        raise NotFound("no such record", field="record_id")
    return rows


def records_of(session: Session, subject_id: uuid.UUID) -> list[Record]:
    return list(
        session.scalars(
            select(Record).where(Record.subject_id == subject_id).order_by(Record.decision_date)
        )
    )
