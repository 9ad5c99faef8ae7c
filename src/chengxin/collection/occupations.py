"""Key occupations from professional registries' records (R-2.4): a valid qualification record
of a licensed profession also records the person's occupation, so that records and queries can
be filtered by occupation."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.bulk import bulk_insert
from chengxin.identity.models import Occupation, OccupationGroup
from chengxin.records.models import Record, RecordStatus
from chengxin.records.service import RowOutcome, Submission

CHUNK = 500
# Qualification items that prove membership of a key occupational group of §3.2.
OCCUPATION_ITEMS: Mapping[str, OccupationGroup] = {
    "QUAL-LAWYER": OccupationGroup.LAWYER,
    "QUAL-PHYSICIAN": OccupationGroup.PHYSICIAN,
    "QUAL-TEACHER": OccupationGroup.TEACHER,
    "QUAL-FIRE-ENGINEER": OccupationGroup.FIRE_ENGINEER,
    "QUAL-CPA": OccupationGroup.ACCOUNTANT_AUDITOR,
    "QUAL-TAX-ADVISER": OccupationGroup.TAX_AGENT,
}


def record_occupations(
    session: Session, now: dt.datetime, rows: Sequence[tuple[Submission, RowOutcome]]
) -> int:
    """Add the occupations that newly accepted valid qualification records show; returns how
    many were added. An occupation already on file with the same licence number is kept."""
    wanted: dict[tuple[uuid.UUID, OccupationGroup, str], dict[str, object]] = {}
    for row, outcome in rows:
        group = OCCUPATION_ITEMS.get(row.item.code)
        if (
            group is None
            or row.facts is None
            or outcome not in (RowOutcome.CREATED, RowOutcome.CORRECTED)
        ):
            continue
        values = json.loads(row.facts.content)
        if values.get("status") != "valid":
            continue
        licence = str(values["certificate_number"])
        wanted[(row.subject_id, group, licence)] = {
            "id": uuid.uuid4(), "subject_id": row.subject_id, "group": group,
            "licence_number": licence[:64], "issuer": str(values["issuing_authority"])[:200],
            "valid_from": dt.date.fromisoformat(values["valid_from"]),
            "valid_to": (dt.date.fromisoformat(values["valid_until"])
                         if values.get("valid_until") else None),
            "created_at": now,
        }  # fmt: skip
    subjects = sorted({k[0] for k in wanted})
    for i in range(0, len(subjects), CHUNK):
        query = select(Occupation.subject_id, Occupation.group, Occupation.licence_number).where(
            Occupation.subject_id.in_(subjects[i : i + CHUNK])
        )
        for subject_id, held, number in session.execute(query):
            wanted.pop((subject_id, held, number or ""), None)
    bulk_insert(session, Occupation, list(wanted.values()))
    return len(wanted)


def records_by_occupation(
    session: Session, group: OccupationGroup, on: dt.date, item_code: str | None = None
) -> list[Record]:
    """Current, active records of people who held `group` on `on` (R-2.4 filter)."""
    holders = (
        select(Occupation.subject_id)
        .where(
            Occupation.group == group,
            Occupation.valid_from <= on,
            (Occupation.valid_to.is_(None)) | (Occupation.valid_to >= on),
        )
        .scalar_subquery()
    )
    query = select(Record).where(
        Record.subject_id.in_(holders), Record.status == RecordStatus.ACTIVE
    )
    if item_code is not None:
        query = query.where(Record.item_code == item_code)
    return list(session.scalars(query.order_by(Record.decision_date, Record.id)))
