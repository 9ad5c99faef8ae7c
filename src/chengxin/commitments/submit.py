"""The platform's rows through the normal collection path (R-2.2): one row, checked against its
catalog item like any source's, as a batch of the PLATFORM source in the caller's transaction.
A row the path would refuse or hold raises, so the caller's whole change is undone."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.catalog.schema import Catalog
from chengxin.collection.ingest import ingest_table
from chengxin.collection.models import Source
from chengxin.collection.readers import Cell, FileFormat, RawRow, Table
from chengxin.errors import InvalidInput
from chengxin.identity.service import reveal_person
from chengxin.keys import KeyRing
from chengxin.records.models import Record


@dataclass(frozen=True)
class CommitmentContext:
    """What every commitment verb needs beside the session and the time."""

    keys: KeyRing
    catalog: Catalog
    region: str  # the node's region code: the PLATFORM source's


def record_key(commitment_id: uuid.UUID, *, breach: bool = False) -> str:
    """The record id at the PLATFORM source (the natural key of its records)."""
    return f"commitment-{commitment_id}-breach" if breach else f"commitment-{commitment_id}"


def submit_row(
    session: Session,
    ctx: CommitmentContext,
    now: dt.datetime,
    *,
    source: Source,
    values: Mapping[str, Cell],
    actor: str,
) -> Record:
    """Ingest one row strictly and return the record it names, as it now stands. A name that
    disagrees with the one on file would wait in an identity review case: refused instead."""
    row = dict(values)
    canonical = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
    table = Table(FileFormat.JSONL, None, tuple(row), iter([RawRow(1, row)]))
    receipt = ingest_table(
        session, ctx.keys, ctx.catalog, now, source=source, table=table,
        content_sha256=hashlib.sha256(canonical.encode()).hexdigest(), file_name=None,
        item_code=None, actor=actor[:100], strict=True,
    )  # fmt: skip
    if receipt.waiting:
        raise InvalidInput(
            "does not match the name on file for this ID number", field="name",
            rule="name-mismatch",
        )  # fmt: skip
    return session.scalars(
        select(Record).where(
            Record.source_id == source.id,
            Record.source_record_id == row["record_id"],
            Record.item_code == row["item"],
        )
    ).one()


def identity_of(session: Session, ctx: CommitmentContext, subject_id: uuid.UUID) -> dict[str, Cell]:
    """The person's number and current name, for the rows that change their records."""
    person = reveal_person(session, ctx.keys, subject_id)
    return {"id_number": person.id_number, "name": person.name}


def current_content(record: Record) -> dict[str, Cell]:
    """A record's current fields, as a correction row sends them back."""
    content: dict[str, Cell] = json.loads(record.content)
    return content
