"""Every credit report the platform issued: its verification code, the hash of its content and
the platform's signature, so that anyone holding the report can have it confirmed."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime


class IssuedReport(Base):
    __tablename__ = "issued_reports"

    code: Mapped[str] = mapped_column(String(19), primary_key=True)  # XXXX-XXXX-XXXX-XXXX
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    query_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("query_register.id"))
    audience: Mapped[str] = mapped_column(String(100))  # the role, or the requester's code
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical content
    signature: Mapped[str] = mapped_column(String(100))  # base64 Ed25519
