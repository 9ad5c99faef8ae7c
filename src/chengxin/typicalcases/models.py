"""Typical cases (典型案例). The story names a person (by masked name, but still about them) and
is sealed until and after publication; titles are written for the public. State changes by
conditional updates on `version`; every event is a `typical_case` ledger entry."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.sealed import sealed_columns
from chengxin.typicalcases.rules import CaseKind, CaseState


class TypicalCase(Base):
    __tablename__ = "typical_cases"
    __table_args__ = (Index("ix_typical_cases_state_until", "state", "shown_until"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind, "typical_case_kind"))
    region_code: Mapped[str] = mapped_column(String(6))
    masked_name: Mapped[str] = mapped_column(String(64))  # as shown: 王*明
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    story_zh_enc: Mapped[bytes] = mapped_column(LargeBinary)
    story_en_enc: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))  # of the texts the person reads
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState, "typical_case_state"))
    version: Mapped[int] = mapped_column(Integer)
    asked_by: Mapped[str] = mapped_column(String(100))
    asked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    consented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    consent_ledger_index: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    shown_until: Mapped[dt.date | None] = mapped_column(Date)  # last day on the public site
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    end_event: Mapped[str | None] = mapped_column(String(16))  # decline, withdraw or retire
    end_reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # staff's, sealed


sealed_columns(TypicalCase, "story_zh_enc", "story_en_enc", "end_reason_enc")
