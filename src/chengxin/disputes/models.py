"""Objection and repair cases, their step history, evidence files and explanations. What the person
wrote (reasons, statements, commitments, files) is sealed: it may hold personal information."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.disputes.rules import ObjectionState, RepairState
from chengxin.sealed import sealed_columns


class CaseKind(StrEnum):
    OBJECTION = "objection"
    REPAIR = "repair"


class _Case:
    """Columns every case has: whose, which record, its next deadline, an optimistic version."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), index=True)
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sources.id"), index=True)
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    filed_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)  # bumped by every step (conditional updates)
    deadline_step: Mapped[str | None] = mapped_column(String(32))
    deadline: Mapped[dt.date | None] = mapped_column(Date, index=True)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean)
    overdue_flagged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Objection(_Case, Base):
    __tablename__ = "objections"

    state: Mapped[ObjectionState] = mapped_column(str_enum(ObjectionState, "objection_state"))
    reason_enc: Mapped[bytes] = mapped_column(LargeBinary)  # sealed
    verifying_since: Mapped[dt.date | None] = mapped_column(Date)


class RepairCase(_Case, Base):
    __tablename__ = "repair_cases"

    state: Mapped[RepairState] = mapped_column(str_enum(RepairState, "repair_state"))
    rule_set: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[str] = mapped_column(String(200))  # comma-separated Evidence kinds
    statement_enc: Mapped[bytes] = mapped_column(LargeBinary)  # sealed
    commitment_enc: Mapped[bytes] = mapped_column(LargeBinary)  # sealed: 信用承诺书
    forwarded_on: Mapped[dt.date | None] = mapped_column(Date)


class CaseStep(Base):
    """One step of a case: who did what, when, why. Never changed."""

    __tablename__ = "case_steps"
    __table_args__ = (Index("ix_case_steps_case", "case_kind", "case_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind, "case_kind"))
    case_id: Mapped[uuid.UUID]
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed: may name the person
    document_number: Mapped[str | None] = mapped_column(String(100))  # e.g. a 复议决定书 number
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ledger_index: Mapped[int] = mapped_column(Integer)


class CaseFile(Base):
    """An evidence file, sealed (AES-GCM over its base64 text, bound to this row)."""

    __tablename__ = "case_files"
    __table_args__ = (Index("ix_case_files_case", "case_kind", "case_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind, "case_file_kind"))
    case_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Explanation(Base):
    """The person's own explanation (自主解释), shown with the record instead of repairing it."""

    __tablename__ = "explanations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"))
    text_enc: Mapped[bytes] = mapped_column(LargeBinary)  # sealed
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


sealed_columns(Objection, "reason_enc")
sealed_columns(RepairCase, "statement_enc", "commitment_enc")
sealed_columns(CaseStep, "reason_enc")
sealed_columns(CaseFile, "content_enc")
sealed_columns(Explanation, "text_enc")
