"""Credit agencies (征信机构), the agreements under which this platform exports to them, the
exports made, and which version of each record an agreement last carried (R-5.5)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime, new_id


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # the packages' receiver
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str | None] = mapped_column(String(64))  # base64 Ed25519, if handed over
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    added_by: Mapped[str] = mapped_column(String(100))


class Agreement(Base):
    """An agreement (协议): which public items, for which purposes, how often, for how long."""

    __tablename__ = "agency_agreements"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    items: Mapped[str] = mapped_column(Text)  # JSON list of catalog item codes, sorted
    purposes: Mapped[str] = mapped_column(Text)  # JSON list of Purpose values
    frequency: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(100))


class AgencyExport(Base):
    """One package written: numbered per agency without gaps (the unique key stops two workers
    taking the same number)."""

    __tablename__ = "agency_exports"
    __table_args__ = (UniqueConstraint("agency_code", "sequence"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    agreement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency_agreements.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    sequence: Mapped[int] = mapped_column(Integer)
    record_count: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of the package file as written
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AgencySent(Base):
    """The version of a record an agreement's exports last carried: what the next export
    compares with, so that it carries only what changed."""

    __tablename__ = "agency_sent"

    agreement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agency_agreements.id"), primary_key=True
    )
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    export_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency_exports.id"))
