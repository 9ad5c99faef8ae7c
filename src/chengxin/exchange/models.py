"""The queue of serious-dishonesty records pushed to the national node (R-5.5, §6.2 of the
guiding opinions). Filled by the `push` job; the exchange delivers and marks each row sent."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id


class NationalPush(Base):
    """One record owed to the national node, once: later changes reach it as change events
    through its `record_shares` row (R-4.4)."""

    __tablename__ = "national_push"
    __table_args__ = (Index("ix_national_push_unsent", "sent_at", "queued_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), unique=True)
    version: Mapped[int] = mapped_column(Integer)  # the version that met the criteria
    criterion: Mapped[str] = mapped_column(String(64))  # which rule made it serious
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
