"""Checks (核查), the measures each returned, and the departments' feedback (反馈). Reasons are
stored as ids, codes and dates only; a feedback reason may name the person and is sealed."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.measures.types import Effect, MeasureKind
from chengxin.sealed import sealed_columns


class Outcome(StrEnum):
    """What the department did with a measure the check returned."""

    APPLIED = "applied"  # 已实施
    SKIPPED = "skipped"  # 未实施 (with its reason)
    OVERRIDDEN = "overridden"  # 依法调整 (applied otherwise, with its reason)


class Check(Base):
    """One check by an implementing department, answered through the one door (`query_id`)."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_requester_at", "requester_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requesters.id"))
    actor: Mapped[str] = mapped_column(String(100))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    scenario: Mapped[str] = mapped_column(String(40))
    query_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("query_register.id"))
    measures: Mapped[int] = mapped_column(Integer)  # how many applied, for the list view


class CheckResult(Base):
    """One measure a check found applicable, with the version applied and its reasons."""

    __tablename__ = "check_results"
    __table_args__ = (UniqueConstraint("check_id", "measure_code", name="uq_check_results"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    check_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checks.id"))
    measure_code: Mapped[str] = mapped_column(String(64), index=True)
    measure_version: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[MeasureKind] = mapped_column(str_enum(MeasureKind, "measure_kind"))
    effect: Mapped[Effect] = mapped_column(str_enum(Effect, "measure_effect"))
    until: Mapped[dt.date | None] = mapped_column(Date)  # None: while the reason lasts
    reasons: Mapped[str] = mapped_column(Text)  # JSON: kinds, ids, codes and dates


class CheckFeedback(Base):
    """The department's report on one returned measure (R-6.4). One per check and measure."""

    __tablename__ = "check_feedback"
    __table_args__ = (
        UniqueConstraint("check_id", "measure_code", name="uq_check_feedback"),
        Index("ix_check_feedback_measure", "measure_code", "requester_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    check_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checks.id"))
    measure_code: Mapped[str] = mapped_column(String(64))
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requesters.id"))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "feedback_outcome"))
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed
    document_number: Mapped[str | None] = mapped_column(String(100))  # the department's decision
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))


sealed_columns(CheckFeedback, "reason_enc")
