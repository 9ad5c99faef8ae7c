"""Collection verbs that open files and transactions: ingest a file, ingest one record, read a
receipt. One batch, one transaction: a crash leaves no trace and running again completes it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.schema import Catalog
from chengxin.clock import Clock
from chengxin.collection.ingest import Receipt, ingest_table, receipt_of
from chengxin.collection.models import Batch, BatchError, Source
from chengxin.collection.readers import FileFormat, Limits, RawRow, Table, open_table
from chengxin.collection.rows import STANDARD
from chengxin.collection.sources import source_by_code
from chengxin.errors import InvalidInput, NotFound
from chengxin.keys import KeyRing
from chengxin.workdays.rules import Calendar

ATTEMPTS = 3  # a concurrent batch registering the same new person makes ours retry
MAX_RECORD_BYTES = 256 * 1024


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _retrying(factory: sessionmaker[Session], work: Callable[[Session], Receipt]) -> Receipt:
    for attempt in range(ATTEMPTS):
        try:
            with factory() as session, session.begin():
                return work(session)
        except (IntegrityError, OperationalError):
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def ingest_file(
    factory: sessionmaker[Session],
    keys: KeyRing,
    catalog: Catalog,
    clock: Clock,
    *,
    path: Path,
    source_code: str,
    item_code: str | None,
    actor: str,
    limits: Limits,
    file_name: str | None = None,
    progress: Callable[[int], None] | None = None,
    calendar: Calendar | None = None,
) -> Receipt:
    """Ingest a CSV, XLSX or JSON Lines file for a source (R-2.2)."""
    name = file_name or path.name
    digest = file_sha256(path)

    def work(session: Session) -> Receipt:
        source = source_by_code(session, source_code)
        with open_table(path, limits, filename=name) as table:
            return ingest_table(
                session, keys, catalog, clock(), source=source, table=table,
                content_sha256=digest, file_name=name[:255], item_code=item_code, actor=actor,
                progress=progress, calendar=calendar,
            )  # fmt: skip

    return _retrying(factory, work)


def ingest_record(
    factory: sessionmaker[Session],
    keys: KeyRing,
    catalog: Catalog,
    clock: Clock,
    *,
    source_id: uuid.UUID,
    record: dict[str, Any],
    actor: str,
    calendar: Calendar | None = None,
) -> Receipt:
    """One record as JSON (the API's `POST /records`): refused rows raise, naming the field."""
    fields = record.get("fields", {})
    if not isinstance(fields, dict):
        raise InvalidInput(
            "must be an object of field names to values", field="fields", rule="type"
        )
    reserved = sorted(set(fields) & set(STANDARD))
    if reserved:
        raise InvalidInput(
            "is a top-level key, not a field", field=f"fields.{reserved[0]}", rule="reserved"
        )
    values = {k: v for k, v in record.items() if k != "fields"} | fields
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    if len(canonical.encode()) > MAX_RECORD_BYTES:
        raise InvalidInput(
            f"must be at most {MAX_RECORD_BYTES} bytes", field="body", rule="max-size"
        )
    digest = hashlib.sha256(canonical.encode()).hexdigest()

    def work(session: Session) -> Receipt:
        source = session.get(Source, source_id)
        if source is None:
            raise NotFound("no such source", field="source")
        # Built afresh for each attempt: a retry must see the row again.
        table = Table(FileFormat.JSONL, None, tuple(values), iter([RawRow(1, values)]))
        return ingest_table(
            session, keys, catalog, clock(), source=source, table=table,
            content_sha256=digest, file_name=None, item_code=None, actor=actor, strict=True,
            calendar=calendar,
        )  # fmt: skip

    return _retrying(factory, work)


def batch_receipt(session: Session, batch_id: uuid.UUID, source_id: uuid.UUID | None) -> Receipt:
    """A batch's receipt; with `source_id`, only that source's own batches are visible."""
    batch = session.get(Batch, batch_id)
    if batch is None or (source_id is not None and batch.source_id != source_id):
        raise NotFound("no such batch", field="batch_id")
    source = session.get_one(Source, batch.source_id)
    return receipt_of(batch, source.code)


def recent_batches(
    session: Session, *, source_id: uuid.UUID | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Receipt], int]:
    """Receipts newest first (one page of them) and how many there are in all."""
    where = [] if source_id is None else [Batch.source_id == source_id]
    total = session.scalar(select(func.count()).select_from(Batch).where(*where)) or 0
    query = (
        select(Batch, Source.code)
        .join(Source, Source.id == Batch.source_id)
        .where(*where)
        .order_by(Batch.received_at.desc(), Batch.id)
        .limit(limit)
        .offset(offset)
    )
    return [receipt_of(batch, code) for batch, code in session.execute(query)], total


def batch_errors(
    session: Session, batch_id: uuid.UUID, *, limit: int | None = None, offset: int = 0
) -> Iterator[BatchError]:
    query = select(BatchError).where(BatchError.batch_id == batch_id)
    query = query.order_by(BatchError.row_number, BatchError.id).offset(offset).limit(limit)
    yield from session.scalars(query)


def errors_csv(errors: Iterator[BatchError]) -> str:
    """The refused rows as CSV (UTF-8 with BOM so that spreadsheet programs read Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["row", "field", "rule", "message"])
    for e in errors:
        writer.writerow([e.row_number, e.field or "", e.rule or "", _safe_cell(e.message)])
    return out.getvalue()


def _safe_cell(text: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
