"""Reading commitments: lists with filters, and the shape every answer has. The sealed texts
(matter, terms, reason) are shown to the department that recorded the commitment and to the
person; staff and the CLI see states, dates and ids only, never who the person is."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.commitments.models import Commitment
from chengxin.commitments.rules import CommitmentKind, CommitmentState, overdue
from chengxin.commitments.service import sealed_text
from chengxin.commitments.submit import CommitmentContext
from chengxin.errors import InvalidInput
from chengxin.requesters.models import Requester

MAX_PAGE = 1000


class CommitmentOut(BaseModel):
    id: uuid.UUID
    subject_id: uuid.UUID
    department: str = Field(description="The accepting department's code (承诺受理单位)")
    kind: CommitmentKind
    document_number: str = Field(description="承诺书编号")
    matter: str | None = Field(description="Shown to the department and the person only")
    terms: str | None = Field(description="Shown to the department and the person only")
    made_on: dt.date
    deadline: dt.date
    state: CommitmentState
    overdue: bool = Field(description="Still pending after its deadline (the job breaches it)")
    version: int
    check_id: uuid.UUID | None
    record_id: uuid.UUID = Field(description="The COMMITMENT-MADE record")
    breach_record_id: uuid.UUID | None = Field(description="The COMMITMENT-BREACH record")
    created_at: dt.datetime
    closed_on: dt.date | None
    closed_at: dt.datetime | None
    reason: str | None = Field(description="Why cancelled, or the breach as reported")


def commitment_view(
    session: Session, ctx: CommitmentContext, commitment: Commitment, today: dt.date, *,
    texts: bool,
) -> CommitmentOut:  # fmt: skip
    def shown(column: str) -> str | None:
        return sealed_text(ctx, commitment, column) if texts else None

    return CommitmentOut(
        id=commitment.id, subject_id=commitment.subject_id,
        department=session.get_one(Requester, commitment.requester_id).code,
        kind=commitment.kind, document_number=commitment.document_number,
        matter=shown("matter_enc"), terms=shown("terms_enc"), made_on=commitment.made_on,
        deadline=commitment.deadline, state=commitment.state,
        overdue=overdue(commitment.state, commitment.deadline, today),
        version=commitment.version, check_id=commitment.check_id,
        record_id=commitment.record_id, breach_record_id=commitment.breach_record_id,
        created_at=commitment.created_at, closed_on=commitment.closed_on,
        closed_at=commitment.closed_at, reason=shown("reason_enc"),
    )  # fmt: skip


def find_commitments(
    session: Session,
    *,
    today: dt.date,
    requester_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    state: CommitmentState | None = None,
    only_overdue: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> list[Commitment]:
    """Commitments by deadline, soonest first; `only_overdue`: pending past their deadline."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"must be 1 to {MAX_PAGE}", field="limit", rule="range")
    query = select(Commitment).order_by(Commitment.deadline, Commitment.id)
    if requester_id is not None:
        query = query.where(Commitment.requester_id == requester_id)
    if subject_id is not None:
        query = query.where(Commitment.subject_id == subject_id)
    if state is not None:
        query = query.where(Commitment.state == state)
    if only_overdue:
        query = query.where(Commitment.state == CommitmentState.PENDING,
                            Commitment.deadline < today)  # fmt: skip
    return list(session.scalars(query.limit(limit).offset(offset)))
