"""Tables of collection: sources, their grants and members, batches and refused rows."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.catalog.vocab import SourceKind
from chengxin.db import Base, UTCDateTime, new_id, str_enum


class Source(Base):
    """A data-providing unit (数据提供单位): department, court, association, registry …"""

    __tablename__ = "sources"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # A mirror of another node's unit, which its records' copies name, is "<node>/<code>":
    # two codes of at most 32 characters and the slash.
    code: Mapped[str] = mapped_column(String(65), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    kind: Mapped[SourceKind] = mapped_column(str_enum(SourceKind, "source_kind"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))


class SourceGrant(Base):
    """A catalog item a source may supply; revoking sets `revoked_at` (history stays)."""

    __tablename__ = "source_grants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sources.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    granted_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(100))


class SourceMember(Base):
    """A member of an industry association (R-2.5): it may send records about members only."""

    __tablename__ = "source_members"
    __table_args__ = (UniqueConstraint("source_id", "subject_id", name="uq_source_members_pair"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sources.id"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    since: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Batch(Base):
    """One submission (a file, or one record over the API) and its receipt counts."""

    __tablename__ = "batches"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sources.id"), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64))  # of the file, or of the one record
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(16))
    item_code: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    corrected: Mapped[int] = mapped_column(Integer, default=0)
    revoked: Mapped[int] = mapped_column(Integer, default=0)
    waiting: Mapped[int] = mapped_column(Integer, default=0)  # held in identity review cases
    refused: Mapped[int] = mapped_column(Integer, default=0)


class BatchError(Base):
    """A refused row: where, which field, which rule, and why."""

    __tablename__ = "batch_errors"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(200))
    rule: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
