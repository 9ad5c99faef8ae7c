"""Ingesting a batch (R-2.2): every row checked, subjects resolved and records written in bulk,
all inside the caller's one transaction — a batch is whole or absent, never partial."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from chengxin.catalog.fields import FieldSpec
from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.clock import china_today
from chengxin.collection.headers import canonical_row, map_headers, parse_action
from chengxin.collection.models import Batch, BatchError, Source
from chengxin.collection.occupations import record_occupations
from chengxin.collection.readers import RawRow, Table
from chengxin.collection.rows import Action, PreparedRow, RowContext, prepare_row
from chengxin.collection.sources import granted_items, members_on
from chengxin.errors import ChengxinError, Forbidden, InvalidInput
from chengxin.identity.bulk import resolve_people
from chengxin.identity.service import Outcome
from chengxin.keys import KeyRing
from chengxin.records.service import RowOutcome, Submission, apply_submissions
from chengxin.workdays.rules import Calendar

CHUNK_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    number: int
    field: str | None
    rule: str | None
    message: str


@dataclass(frozen=True)
class Receipt:
    batch_id: uuid.UUID
    source: str
    received_at: dt.datetime
    file_name: str | None
    file_format: str
    encoding: str | None
    item_code: str | None
    rows_total: int
    accepted: int
    duplicate: int
    corrected: int
    revoked: int
    waiting: Annotated[int, Field(description="Rows held in identity review cases (name mismatch)")]
    refused: int


def receipt_of(batch: Batch, source_code: str) -> Receipt:
    return Receipt(
        batch.id, source_code, batch.received_at, batch.file_name, batch.file_format,
        batch.encoding, batch.item_code, batch.rows_total, batch.accepted, batch.duplicate,
        batch.corrected, batch.revoked, batch.waiting, batch.refused,
    )  # fmt: skip


def _fields_for(catalog: Catalog, codes: frozenset[str]) -> list[FieldSpec]:
    fields: dict[tuple[str, str, str], FieldSpec] = {}
    for code in sorted(codes):
        for version in catalog.versions(code):
            for spec in version.fields:
                fields.setdefault((spec.name, spec.label.zh, spec.label.en), spec)
    return list(fields.values())


def _chunks(rows: Iterator[RawRow], size: int) -> Iterator[list[RawRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


@dataclass(frozen=True)
class _Run:
    """What every chunk of one batch shares."""

    session: Session
    keys: KeyRing
    now: dt.datetime
    batch: Batch
    source: Source
    mapping: dict[str, str]
    ctx: RowContext
    members: frozenset[uuid.UUID] | None  # an association's members; None: anyone
    strict: bool
    calendar: Calendar | None  # dates the change events of corrections (None: shipped holidays)


@dataclass
class _Counts:
    total: int = 0
    accepted: int = 0
    duplicate: int = 0
    corrected: int = 0
    revoked: int = 0
    waiting: int = 0
    refused: int = 0


def ingest_table(
    session: Session,
    keys: KeyRing,
    catalog: Catalog,
    now: dt.datetime,
    *,
    source: Source,
    table: Table,
    content_sha256: str,
    file_name: str | None,
    item_code: str | None,
    actor: str,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    calendar: Calendar | None = None,
) -> Receipt:
    """Ingest every row of `table` for `source` and return the batch's receipt. Rows already
    current (same natural key and content) count as duplicates and write nothing. With `strict`
    (one record over the API) a refused row is raised instead of being listed in the receipt."""
    granted = granted_items(session, source.id)
    if item_code is not None:
        if item_code not in catalog.codes():
            raise InvalidInput("is not in the catalog", field="item", rule="unknown-item")
        if item_code not in granted:
            raise Forbidden("is not granted to this source", field="item", rule="not-granted")
    if not granted:
        raise Forbidden(
            "this source has no catalog items granted", field="source", rule="no-grants"
        )
    mapping = map_headers(
        table.headers, _fields_for(catalog, frozenset({item_code}) if item_code else granted)
    )
    today = china_today(now)
    batch = Batch(
        id=uuid.uuid4(), source_id=source.id, content_sha256=content_sha256, file_name=file_name,
        file_format=table.format.value, encoding=table.encoding, item_code=item_code,
        received_at=now, actor=actor,
    )  # fmt: skip
    session.add(batch)
    session.flush()
    members = (
        members_on(session, source.id, today)
        if source.kind is SourceKind.INDUSTRY_ASSOCIATION
        else None
    )
    ctx = RowContext(catalog, source.kind, granted, today, item_code)
    run = _Run(session, keys, now, batch, source, mapping, ctx, members, strict, calendar)
    counts = _Counts()
    for chunk in _chunks(table.rows, CHUNK_ROWS):
        errors = _ingest_chunk(run, chunk, counts)
        if errors:
            session.execute(insert(BatchError), [
                {"id": uuid.uuid4(), "batch_id": batch.id, "row_number": e.number,
                 "field": (e.field or "")[:200] or None, "rule": e.rule, "message": e.message}
                for e in errors
            ])  # fmt: skip
        if progress is not None:
            progress(len(chunk))
    session.execute(
        update(Batch).where(Batch.id == batch.id).values(
            rows_total=counts.total, accepted=counts.accepted, duplicate=counts.duplicate,
            corrected=counts.corrected, revoked=counts.revoked, waiting=counts.waiting,
            refused=counts.refused,
        )
    )  # fmt: skip
    session.refresh(batch)
    return receipt_of(batch, source.code)


def _ingest_chunk(run: _Run, chunk: list[RawRow], counts: _Counts) -> list[RowError]:
    errors: list[RowError] = []

    def refuse(number: int, exc: ChengxinError) -> None:
        if run.strict:
            raise exc
        errors.append(RowError(number, exc.field, exc.rule, exc.message))

    prepared: list[tuple[PreparedRow, dict[str, Any]]] = []
    for raw in chunk:
        counts.total += 1
        try:
            values = canonical_row(raw, run.mapping)
            action = Action(parse_action(values.pop("action", None), raw.number))
            prepared.append((prepare_row(raw.number, values, run.ctx, action), values))
        except ChengxinError as exc:
            refuse(raw.number, exc)
    actor = f"source:{run.source.code}"
    waiting = {"source": run.source.code, "batch": str(run.batch.id)}
    resolved = resolve_people(
        run.session, run.keys, run.now, [(p.id_number, p.name) for p, _ in prepared], actor=actor,
        payloads=[{**waiting, "row": p.number, "item": p.item.code, "action": p.action.value,
                   "values": v} for p, v in prepared],
        create=run.members is None,
        only=run.members,
    )  # fmt: skip
    submissions: list[tuple[PreparedRow, Submission]] = []
    for (row, _), found in zip(prepared, resolved, strict=True):
        if found.outcome is Outcome.REVIEW:
            counts.waiting += 1
            continue
        if found.subject_id is None or (
            run.members is not None and found.subject_id not in run.members
        ):
            refuse(row.number, Forbidden("is not a member of this association",
                                         field="id_number", rule="not-a-member"))  # fmt: skip
            continue
        submissions.append((row, Submission(
            found.subject_id, row.item, row.record_id, row.facts,
            correct_only=row.action is Action.CORRECT)))  # fmt: skip
    outcomes = apply_submissions(
        run.session, run.now, source_id=run.source.id, batch_id=run.batch.id,
        rows=[s for _, s in submissions], actor=actor, reason=f"batch {run.batch.id}",
        calendar=run.calendar,
    )  # fmt: skip
    record_occupations(
        run.session, run.now, [(s, o) for (_, s), o in zip(submissions, outcomes, strict=True)]
    )
    for (row, _), outcome in zip(submissions, outcomes, strict=True):
        if outcome is RowOutcome.UNKNOWN:
            refuse(row.number, InvalidInput(
                "no record with this record_id was received from this source for this person "
                "and item", field="record_id", rule="unknown-record"))  # fmt: skip
        else:
            setattr(counts, _COUNTER[outcome], getattr(counts, _COUNTER[outcome]) + 1)
    counts.refused += len(errors)
    return errors


_COUNTER = {
    RowOutcome.CREATED: "accepted",
    RowOutcome.DUPLICATE: "duplicate",
    RowOutcome.CORRECTED: "corrected",
    RowOutcome.REVOKED: "revoked",
}
