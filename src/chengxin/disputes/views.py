"""A case as the API shows it: its state, deadline and steps, with the reasons unsealed for those
entitled to the case (the person, the platform's staff, the source that must answer)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.disputes.models import CaseFile, CaseKind, CaseStep, Objection, RepairCase
from chengxin.errors import NotFound
from chengxin.keys import KeyRing
from chengxin.records.models import Record
from chengxin.sealed import unseal


class StepOut(BaseModel):
    event: str
    from_state: str | None
    to_state: str
    at: dt.datetime
    reason: str | None
    document_number: str | None
    ledger_index: int


class FileOut(BaseModel):
    id: uuid.UUID
    name: str
    media_type: str
    size: int
    sha256: str


class CaseOut(BaseModel):
    kind: CaseKind
    id: uuid.UUID
    state: str
    record_id: uuid.UUID
    item: str
    source_record_id: str = Field(description="The source's own id of the record")
    filed_at: dt.datetime
    deadline_step: str | None = Field(description="What is due next")
    deadline: dt.date | None = Field(description="Last day (Beijing time) the step is on time")
    deadline_provisional: bool
    overdue: bool
    decided_at: dt.datetime | None
    reason: str = Field(description="The objection's reasons, or the repair statement")
    evidence: list[str] = Field(default_factory=list, description="Repair: corrective actions")
    rule_set: str | None = None
    files: list[FileOut]
    steps: list[StepOut]


def case_view(
    session: Session, keys: KeyRing, case: Objection | RepairCase, today: dt.date
) -> CaseOut:
    kind = CaseKind.OBJECTION if isinstance(case, Objection) else CaseKind.REPAIR
    record = session.get_one(Record, case.record_id)
    steps = session.scalars(
        select(CaseStep)
        .where(CaseStep.case_kind == kind, CaseStep.case_id == case.id)
        .order_by(CaseStep.at, CaseStep.ledger_index)
    )
    files = session.scalars(
        select(CaseFile).where(CaseFile.case_kind == kind, CaseFile.case_id == case.id)
    )
    if isinstance(case, Objection):
        reason = unseal(keys, "objections", "reason_enc", case.id, case.reason_enc)
        evidence: list[str] = []
        rule_set = None
    else:
        reason = unseal(keys, "repair_cases", "statement_enc", case.id, case.statement_enc)
        evidence = [e for e in case.evidence.split(",") if e]
        rule_set = case.rule_set
    return CaseOut(
        kind=kind, id=case.id, state=str(case.state), record_id=case.record_id,
        item=record.item_code, source_record_id=record.source_record_id, filed_at=case.filed_at,
        deadline_step=case.deadline_step, deadline=case.deadline,
        deadline_provisional=case.deadline_provisional,
        overdue=case.deadline is not None and case.deadline < today,
        decided_at=case.decided_at, reason=reason, evidence=evidence, rule_set=rule_set,
        files=[FileOut(id=f.id, name=f.name, media_type=f.media_type, size=f.size,
                       sha256=f.sha256) for f in files],
        steps=[
            StepOut(
                event=s.event, from_state=s.from_state, to_state=s.to_state, at=s.at,
                reason=unseal(keys, "case_steps", "reason_enc", s.id, s.reason_enc)
                if s.reason_enc else None,
                document_number=s.document_number, ledger_index=s.ledger_index,
            )
            for s in steps
        ],
    )  # fmt: skip


def find_case(session: Session, kind: CaseKind, case_id: uuid.UUID) -> Objection | RepairCase:
    """A case of either kind by its id (for the platform's staff, who see every case)."""
    case: Objection | RepairCase | None = (
        session.get(Objection, case_id)
        if kind is CaseKind.OBJECTION
        else session.get(RepairCase, case_id)
    )
    if case is None:
        raise NotFound(f"no {kind} has this id", field="case_id")
    return case


def case_file(
    session: Session, keys: KeyRing, *, kind: CaseKind, case_id: uuid.UUID, file_id: uuid.UUID
) -> tuple[CaseFile, bytes]:
    """One evidence file of a case, opened (another case's file id is not confirmed)."""
    found = session.get(CaseFile, file_id)
    if found is None or found.case_kind != kind or found.case_id != case_id:
        raise NotFound("no file of this case has this id", field="file_id")
    text = unseal(keys, "case_files", "content_enc", found.id, found.content_enc)
    return found, base64.b64decode(text)
