"""Tip-offs (举报), their steps and evidence files. What the public wrote — who is reported, the
facts, the reporter's contact, the files — and the staff's reasons are sealed: they name people.
The tracking number is stored only as a keyed hash (HMAC, the blind-index key)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.sealed import sealed_columns
from chengxin.tipoffs.rules import TipoffCategory, TipoffState


class Tipoff(Base):
    """One report of dishonest conduct. State changes by conditional updates on `version`."""

    __tablename__ = "tipoffs"
    __table_args__ = (Index("ix_tipoffs_state_filed", "state", "filed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tracking_hash: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[TipoffCategory] = mapped_column(str_enum(TipoffCategory, "tipoff_category"))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    subject_enc: Mapped[bytes] = mapped_column(LargeBinary)  # sealed: who or what is reported
    text_enc: Mapped[bytes] = mapped_column(LargeBinary)  # sealed: the facts
    contact_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed; none: anonymous
    state: Mapped[TipoffState] = mapped_column(str_enum(TipoffState, "tipoff_state"))
    version: Mapped[int] = mapped_column(Integer)  # bumped by every step
    referred_source_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sources.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # rejected or closed


class TipoffStep(Base):
    """One step of a tip-off: who did what, when, why. Never changed."""

    __tablename__ = "tipoff_steps"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tipoff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tipoffs.id"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sources.id"))  # refer: to whom
    reason_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed: may name people
    actor: Mapped[str] = mapped_column(String(100))  # `public` for the filing, whoever sent it
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ledger_index: Mapped[int] = mapped_column(Integer)


class TipoffFile(Base):
    """An evidence file, sealed (AES-GCM over its base64 text, bound to this row)."""

    __tablename__ = "tipoff_files"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tipoff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tipoffs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 0, 1, … in the order they were sent
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


sealed_columns(Tipoff, "subject_enc", "text_enc", "contact_enc")
sealed_columns(TipoffStep, "reason_enc")
sealed_columns(TipoffFile, "content_enc")
