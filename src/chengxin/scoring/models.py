"""Tables of the integrity score (R-5.4): who opted in, their stored score, and the runs of the
recompute job. A score exists only while its person's opt-in does (the foreign key cascades), so
opting out cannot leave a score behind."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.records.models import Record


class ScoreOptIn(Base):
    """A person's authorisation to compute their integrity score (PIPL art. 24; 授权)."""

    __tablename__ = "score_opt_ins"

    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    opted_in_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Score(Base):
    """The stored score of an opted-in person: total, grade and sums per rule and category
    (`rules.Breakdown.summary`). The line-by-line explanation is computed when asked for."""

    __tablename__ = "scores"

    subject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("score_opt_ins.subject_id", ondelete="CASCADE"), primary_key=True
    )
    model_code: Mapped[str] = mapped_column(String(32))
    model_version: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(8))
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)


class RunKind(StrEnum):
    FULL = "full"  # every opted-in person
    INCREMENTAL = "incremental"  # people whose records changed since the last run


class ScoreRun(Base):
    """One recompute: the incremental job starts from the last run's start."""

    __tablename__ = "score_runs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[RunKind] = mapped_column(str_enum(RunKind, "score_run_kind"))
    model_code: Mapped[str] = mapped_column(String(32))
    model_version: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    subjects: Mapped[int] = mapped_column(Integer)


# The incremental recompute asks which records changed since its last run: without this index
# on the records table that question reads every record.
Index("ix_records_updated_at", Record.__table__.c.updated_at)
