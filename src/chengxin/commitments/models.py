"""Commitments (信用承诺) and where their records are. The matter, the terms and a reason may
name the person: they are sealed. State changes by conditional updates on `version`; the
history is in the records' versions (COMMITMENT-MADE, COMMITMENT-BREACH) and their ledger
entries, written in the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.commitments.rules import CommitmentKind, CommitmentState
from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.sealed import sealed_columns


class Commitment(Base):
    """One commitment a person made to an accepting department (承诺受理单位)."""

    __tablename__ = "commitments"
    __table_args__ = (
        # One commitment letter (承诺书) per number and department: a repeated POST is refused.
        UniqueConstraint("requester_id", "document_number", name="uq_commitments_document"),
        Index("ix_commitments_state_deadline", "state", "deadline"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requesters.id"))
    kind: Mapped[CommitmentKind] = mapped_column(str_enum(CommitmentKind, "commitment_kind"))
    document_number: Mapped[str] = mapped_column(String(100))  # 承诺书编号
    matter_enc: Mapped[bytes] = mapped_column(LargeBinary)  # sealed
    terms_enc: Mapped[bytes] = mapped_column(LargeBinary)  # sealed
    made_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)  # the last day to fulfil (Beijing)
    state: Mapped[CommitmentState] = mapped_column(str_enum(CommitmentState, "commitment_state"))
    version: Mapped[int] = mapped_column(Integer)  # bumped by every state change
    check_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("checks.id"))  # 容缺受理's check
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"))  # COMMITMENT-MADE
    breach_record_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("records.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    closed_on: Mapped[dt.date | None] = mapped_column(Date)  # fulfilled, established or cancelled
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(100))
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed: cancel or breach words


sealed_columns(Commitment, "matter_enc", "terms_enc", "reason_enc")
