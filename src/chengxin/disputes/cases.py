"""What every case step shares: a conditional state change, the step row with its ledger entry,
sealed evidence files, the next deadline, and the notice to the person."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin import texts
from chengxin.disputes.attachments import Evidence
from chengxin.disputes.models import CaseFile, CaseKind, CaseStep, Objection, RepairCase
from chengxin.disputes.rules import Deadline
from chengxin.errors import Conflict, InvalidInput
from chengxin.keys import KeyRing
from chengxin.ledger.service import append_entry
from chengxin.notifications.service import notify
from chengxin.records.models import Record
from chengxin.sealed import seal

Case = Objection | RepairCase
MAX_TEXT = 2000


def held_here(record: Record) -> None:
    """Objections and repairs are decided where the original record is held: a copy of another
    node's record changes only when its origin sends the change (issue H), so the person files
    there, and nothing is written here."""
    if record.origin is not None:
        raise InvalidInput(
            f"this record is held by node {record.origin}: file the objection or repair "
            f"application with the platform of {record.origin}, which decides it",
            field="record_id",
            rule="record-held-elsewhere",
        )


def deadline_columns(deadline: Deadline | None) -> dict[str, Any]:
    if deadline is None:
        return {"deadline_step": None, "deadline": None, "deadline_provisional": False}
    return {
        "deadline_step": deadline.step,
        "deadline": deadline.due,
        "deadline_provisional": deadline.provisional,
    }


def advance(session: Session, case: Case, values: dict[str, Any]) -> None:
    """Write a step's new state only if nobody moved the case since it was read."""
    model = type(case)
    done = session.execute(
        update(model)
        .where(model.id == case.id, model.version == case.version)
        .values({**values, "version": case.version + 1, "overdue_flagged_at": None})
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the case changed meanwhile; read it again", field="case", rule="stale")
    session.refresh(case)


def record_step(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    case: Case,
    event: str,
    from_state: str | None,
    actor: str,
    reason: str | None = None,
    document_number: str | None = None,
) -> CaseStep:
    kind = CaseKind.OBJECTION if isinstance(case, Objection) else CaseKind.REPAIR
    index = append_entry(
        session,
        now,
        {
            "kind": "dispute",
            "case": str(kind),
            "id": str(case.id),
            "subject": str(case.subject_id),
            "record": str(case.record_id),
            "event": event,
            "from": from_state,
            "to": str(case.state),
            "actor": actor,
            "document": document_number,
            "reason_hash": hashlib.sha256(reason.encode()).hexdigest() if reason else None,
        },
    )
    step_id = uuid.uuid4()
    step = CaseStep(
        id=step_id,
        case_kind=kind,
        case_id=case.id,
        event=event,
        from_state=from_state,
        to_state=str(case.state),
        actor=actor[:100],
        at=now,
        ledger_index=index,
        document_number=document_number,
        reason_enc=seal(keys, "case_steps", "reason_enc", step_id, reason) if reason else None,
    )
    session.add(step)
    session.flush()
    return step


def save_files(
    session: Session, keys: KeyRing, now: dt.datetime, *, case: Case, files: list[Evidence]
) -> None:
    kind = CaseKind.OBJECTION if isinstance(case, Objection) else CaseKind.REPAIR
    for evidence in files:
        file_id = uuid.uuid4()
        text = base64.b64encode(evidence.data).decode("ascii")
        session.add(
            CaseFile(
                id=file_id,
                case_kind=kind,
                case_id=case.id,
                name=evidence.name,
                media_type=evidence.media_type,
                size=len(evidence.data),
                sha256=hashlib.sha256(evidence.data).hexdigest(),
                created_at=now,
                content_enc=seal(keys, "case_files", "content_enc", file_id, text),
            )
        )


def clean_text(raw: str, field: str, minimum: int = 1, *, lines: bool = True) -> str:
    """A reason or statement (several lines), or with `lines=False` a one-line value."""
    return texts.clean_text(raw, field, limit=MAX_TEXT, minimum=minimum, lines=lines)


def tell(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    case: Case,
    topic: str,
    zh: str,
    en: str,
) -> None:
    """The person's notice of a step (in-platform inbox, and e-mail if they gave an address)."""
    notify(
        session,
        keys,
        now,
        subject_id=case.subject_id,
        topic=topic,
        title_zh=zh,
        title_en=en,
        body_zh=f"{zh}。案件编号 {case.id}。",
        body_en=f"{en}. Case {case.id}.",
        ref=str(case.id),
    )


def cases_of(session: Session, subject_id: uuid.UUID) -> list[Case]:
    """A person's objections and repair applications, newest first."""
    found: list[Case] = [
        *session.scalars(select(Objection).where(Objection.subject_id == subject_id)),
        *session.scalars(select(RepairCase).where(RepairCase.subject_id == subject_id)),
    ]
    found.sort(key=lambda c: c.filed_at, reverse=True)
    return found
